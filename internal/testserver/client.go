package testserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// Result is what a client saw of one call, whatever the stack.
type Result struct {
	Code       codes.Code // grpc-go and Connect codes share values
	Message    string     // the error message when Code is not OK
	Replies    []string   // the values of the replies that arrived, in order
	Challenges []string   // the WWW-Authenticate values
}

// Last returns the value of the last reply, or "" when none arrived.
func (r Result) Last() string {
	if len(r.Replies) == 0 {
		return ""
	}
	return r.Replies[len(r.Replies)-1]
}

func (r Result) String() string {
	return fmt.Sprintf("%v %q %q %q", r.Code, r.Message, r.Replies, r.Challenges)
}

// Client calls the procedures of a test server, sending in with one
// Authorization value for each non-empty auth. Replies are
// google.protobuf.StringValue. Clients are safe for concurrent use.
type Client interface {
	// Unary makes a unary call.
	Unary(ctx context.Context, procedure string, in proto.Message, auth ...string) Result
	// Stream opens a server stream and reads it to its end.
	Stream(ctx context.Context, procedure string, in proto.Message, auth ...string) Result
}

// GRPCClient returns a [Client] that calls over a grpc-go connection.
func GRPCClient(conn *grpc.ClientConn) Client {
	return grpcClient{conn}
}

type grpcClient struct{ conn *grpc.ClientConn }

// outgoing returns ctx with one authorization metadata value for each
// non-empty auth.
func outgoing(ctx context.Context, auth []string) context.Context {
	for _, v := range auth {
		if v != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", v)
		}
	}
	return ctx
}

func (c grpcClient) Unary(ctx context.Context, procedure string, in proto.Message, auth ...string) Result {
	var trailer metadata.MD
	out := new(wrapperspb.StringValue)
	err := c.conn.Invoke(outgoing(ctx, auth), procedure, in, out, grpc.Trailer(&trailer))
	res := Result{Code: codes.OK, Challenges: trailer.Get("www-authenticate")}
	if err != nil {
		st := status.Convert(err)
		res.Code, res.Message = st.Code(), st.Message()
		return res
	}
	res.Replies = []string{out.GetValue()}
	return res
}

func (c grpcClient) Stream(ctx context.Context, procedure string, in proto.Message, auth ...string) Result {
	s, err := c.conn.NewStream(outgoing(ctx, auth), &grpc.StreamDesc{ServerStreams: true}, procedure)
	if err != nil {
		return grpcFailure(err, nil)
	}
	// On io.EOF the stream has ended: RecvMsg returns its status.
	if err := s.SendMsg(in); err != nil && !errors.Is(err, io.EOF) {
		return grpcFailure(err, nil)
	}
	if err := s.CloseSend(); err != nil {
		return grpcFailure(err, nil)
	}
	var replies []string
	for {
		out := new(wrapperspb.StringValue)
		err := s.RecvMsg(out)
		if errors.Is(err, io.EOF) {
			return Result{Code: codes.OK, Replies: replies, Challenges: s.Trailer().Get("www-authenticate")}
		}
		if err != nil {
			res := grpcFailure(err, s.Trailer().Get("www-authenticate"))
			res.Replies = replies
			return res
		}
		replies = append(replies, out.GetValue())
	}
}

// grpcFailure is the result of a grpc-go call that failed with err.
func grpcFailure(err error, challenges []string) Result {
	st := status.Convert(err)
	return Result{Code: st.Code(), Message: st.Message(), Challenges: challenges}
}

// ConnectClient returns a [Client] that calls baseURL through connect-go
// clients with the given options. It sends requests of the types
// [NewConnectHandler] serves: google.protobuf.StringValue and dynamicpb
// messages.
func ConnectClient(hc *http.Client, baseURL string, opts ...connect.ClientOption) Client {
	return connectClient{hc: hc, baseURL: baseURL, opts: opts}
}

type connectClient struct {
	hc      *http.Client
	baseURL string
	opts    []connect.ClientOption
}

func (c connectClient) Unary(ctx context.Context, procedure string, in proto.Message, auth ...string) Result {
	return c.call(ctx, procedure, in, auth, false)
}

func (c connectClient) Stream(ctx context.Context, procedure string, in proto.Message, auth ...string) Result {
	return c.call(ctx, procedure, in, auth, true)
}

func (c connectClient) call(
	ctx context.Context,
	procedure string,
	in proto.Message,
	auth []string,
	stream bool,
) Result {
	switch in := in.(type) {
	case *wrapperspb.StringValue:
		return connectCallOf(ctx, c, procedure, in, auth, stream)
	case *dynamicpb.Message:
		return connectCallOf(ctx, c, procedure, in, auth, stream)
	}
	msg := fmt.Sprintf("testserver: no Connect client for a %T", in)
	return Result{Code: codes.Unknown, Message: msg}
}

// connectCallOf calls procedure with a Connect client for requests of type
// Req.
func connectCallOf[Req any](
	ctx context.Context,
	c connectClient,
	procedure string,
	in *Req,
	auth []string,
	stream bool,
) Result {
	client := connect.NewClient[Req, wrapperspb.StringValue](c.hc, c.baseURL+procedure, c.opts...)
	req := connect.NewRequest(in)
	for _, v := range auth {
		if v != "" {
			req.Header().Add("Authorization", v)
		}
	}
	if !stream {
		res, err := client.CallUnary(ctx, req)
		if err != nil {
			return connectFailure(err)
		}
		return Result{Code: codes.OK, Replies: []string{res.Msg.GetValue()}}
	}
	s, err := client.CallServerStream(ctx, req)
	if err != nil {
		return connectFailure(err)
	}
	defer s.Close()
	var replies []string
	for s.Receive() {
		replies = append(replies, s.Msg().GetValue())
	}
	if err := s.Err(); err != nil {
		res := connectFailure(err)
		res.Replies = replies
		return res
	}
	return Result{Code: codes.OK, Replies: replies}
}

// connectFailure is the result of a connect-go call that failed with err.
func connectFailure(err error) Result {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return Result{Code: codes.Unknown, Message: err.Error()}
	}
	return Result{
		Code:       codes.Code(ce.Code()),
		Message:    ce.Message(),
		Challenges: ce.Meta().Values("Www-Authenticate"),
	}
}
