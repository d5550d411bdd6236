package basic_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/customs-go/customs"
)

// The hand-made service the servers in these tests run: test.v1.Echo, with a
// unary Echo and a server-streaming Stream, both answering with who called.
const (
	echoProcedure   = "/test.v1.Echo/Echo"
	streamProcedure = "/test.v1.Echo/Stream"
	streamReplies   = 2
)

// user is the application's user type.
type user struct{ Name string }

// whoami describes the caller the handler sees: the typed user and the
// strategy that authenticated it.
func whoami(ctx context.Context) (*wrapperspb.StringValue, error) {
	u, ok := customs.UserFrom[*user](ctx)
	id, _ := customs.IdentityFrom(ctx)
	if !ok {
		return nil, errors.New("handler: no typed user in the context")
	}
	return wrapperspb.String(u.Name + " via " + id.Strategy), nil
}

// echoService is test.v1.Echo for grpc-go, written by hand.
var echoService = grpc.ServiceDesc{
	ServiceName: "test.v1.Echo",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Echo",
		Handler: func(_ any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			h := func(ctx context.Context, _ any) (any, error) { return whoami(ctx) }
			if ic == nil {
				return h(ctx, in)
			}
			return ic(ctx, in, &grpc.UnaryServerInfo{FullMethod: echoProcedure}, h)
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "Stream",
		ServerStreams: true,
		Handler: func(_ any, ss grpc.ServerStream) error {
			if err := ss.RecvMsg(new(wrapperspb.StringValue)); err != nil {
				return err
			}
			out, err := whoami(ss.Context())
			for i := 0; err == nil && i < streamReplies; i++ {
				err = ss.SendMsg(out)
			}
			return err
		},
	}},
}

// echoHandler serves test.v1.Echo over Connect, gRPC and gRPC-Web.
func echoHandler(opts ...connect.HandlerOption) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(echoProcedure, connect.NewUnaryHandler(echoProcedure, connectEcho, opts...))
	mux.Handle(streamProcedure, connect.NewServerStreamHandler(streamProcedure, connectStream, opts...))
	return mux
}

func connectEcho(
	ctx context.Context,
	_ *connect.Request[wrapperspb.StringValue],
) (*connect.Response[wrapperspb.StringValue], error) {
	out, err := whoami(ctx)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(out), nil
}

func connectStream(
	ctx context.Context,
	_ *connect.Request[wrapperspb.StringValue],
	s *connect.ServerStream[wrapperspb.StringValue],
) error {
	out, err := whoami(ctx)
	for i := 0; err == nil && i < streamReplies; i++ {
		err = s.Send(out)
	}
	return err
}

// syncBuffer is a bytes.Buffer that handlers on many goroutines can log to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// debugLogger logs every record, down to debug level, as text to w.
func debugLogger(w *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// startGRPC serves test.v1.Echo behind c's interceptors on lis, and returns a
// client connection that dials with dial (nil: lis's address over TCP).
func startGRPC(
	tb testing.TB,
	c *customs.Customs,
	lis net.Listener,
	dial func(context.Context, string) (net.Conn, error),
) *grpc.ClientConn {
	tb.Helper()
	srv := grpc.NewServer(
		grpc.UnaryInterceptor(c.UnaryServerInterceptor()),
		grpc.StreamInterceptor(c.StreamServerInterceptor()),
	)
	srv.RegisterService(&echoService, nil)
	go func() { _ = srv.Serve(lis) }()
	tb.Cleanup(srv.Stop)
	target := lis.Addr().String()
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if dial != nil {
		target = "passthrough:///bufconn"
		opts = append(opts, grpc.WithContextDialer(dial))
	}
	conn, err := grpc.NewClient(target, opts...)
	if err != nil {
		tb.Fatalf("grpc.NewClient: %v", err)
	}
	tb.Cleanup(func() { _ = conn.Close() })
	return conn
}

// bufconnGRPC serves c over an in-memory bufconn listener.
func bufconnGRPC(tb testing.TB, c *customs.Customs) *grpc.ClientConn {
	tb.Helper()
	lis := bufconn.Listen(1 << 20)
	return startGRPC(tb, c, lis, func(ctx context.Context, _ string) (net.Conn, error) {
		return lis.DialContext(ctx)
	})
}

// tcpGRPC serves c over a loopback TCP listener.
func tcpGRPC(tb testing.TB, c *customs.Customs) *grpc.ClientConn {
	tb.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	return startGRPC(tb, c, lis, nil)
}

// startHTTP serves h with httptest over HTTP/1.1 and, for clients that ask
// with prior knowledge, unencrypted HTTP/2.
func startHTTP(tb testing.TB, h http.Handler) *httptest.Server {
	tb.Helper()
	s := httptest.NewUnstartedServer(h)
	s.Config.Protocols = new(http.Protocols)
	s.Config.Protocols.SetHTTP1(true)
	s.Config.Protocols.SetUnencryptedHTTP2(true)
	s.Start()
	tb.Cleanup(s.Close)
	return s
}

// httpClient returns a client speaking HTTP/1.1, or h2c when h2c is true.
func httpClient(tb testing.TB, h2c bool) *http.Client {
	tb.Helper()
	p := new(http.Protocols)
	if h2c {
		p.SetUnencryptedHTTP2(true)
	} else {
		p.SetHTTP1(true)
	}
	tr := &http.Transport{Protocols: p}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// reply is what a client saw of one call, whatever the stack.
type reply struct {
	code      codes.Code // grpc-go codes and Connect codes share values
	message   string     // the error message, or the reply
	challenge []string   // WWW-Authenticate values
}

// caller makes one call with the given Authorization values.
type caller func(tb testing.TB, stream bool, authorization []string) reply

// grpcCaller calls over a grpc-go connection.
func grpcCaller(conn *grpc.ClientConn) caller {
	return func(tb testing.TB, stream bool, authorization []string) reply {
		tb.Helper()
		ctx := tb.Context()
		for _, v := range authorization {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", v)
		}
		if !stream {
			var trailer metadata.MD
			out := new(wrapperspb.StringValue)
			err := conn.Invoke(ctx, echoProcedure, wrapperspb.String("hi"), out, grpc.Trailer(&trailer))
			return grpcReply(out, err, trailer.Get("www-authenticate"))
		}
		s, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, streamProcedure)
		if err != nil {
			tb.Fatalf("NewStream: %v", err)
		}
		if err := s.SendMsg(wrapperspb.String("hi")); err != nil {
			tb.Fatalf("SendMsg: %v", err)
		}
		if err := s.CloseSend(); err != nil {
			tb.Fatalf("CloseSend: %v", err)
		}
		out := new(wrapperspb.StringValue)
		n := 0
		for err = s.RecvMsg(out); err == nil; err = s.RecvMsg(out) {
			n++
		}
		if errors.Is(err, io.EOF) {
			if n != streamReplies {
				tb.Fatalf("stream ended after %d replies, want %d", n, streamReplies)
			}
			err = nil
		}
		return grpcReply(out, err, s.Trailer().Get("www-authenticate"))
	}
}

func grpcReply(out *wrapperspb.StringValue, err error, challenge []string) reply {
	if err != nil {
		st := status.Convert(err)
		return reply{code: st.Code(), message: st.Message(), challenge: challenge}
	}
	return reply{code: codes.OK, message: out.GetValue(), challenge: challenge}
}

// connectCaller calls through a Connect client with the given options.
func connectCaller(hc *http.Client, baseURL string, opts ...connect.ClientOption) caller {
	unary := connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](hc, baseURL+echoProcedure, opts...)
	streaming := connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](hc, baseURL+streamProcedure, opts...)
	return func(tb testing.TB, stream bool, authorization []string) reply {
		tb.Helper()
		req := connect.NewRequest(wrapperspb.String("hi"))
		for _, v := range authorization {
			req.Header().Add("Authorization", v)
		}
		if !stream {
			res, err := unary.CallUnary(tb.Context(), req)
			if err != nil {
				return connectReply(err)
			}
			return reply{code: codes.OK, message: res.Msg.GetValue()}
		}
		s, err := streaming.CallServerStream(tb.Context(), req)
		if err != nil {
			return connectReply(err)
		}
		defer s.Close()
		var out string
		n := 0
		for ; s.Receive(); n++ {
			out = s.Msg().GetValue()
		}
		if err := s.Err(); err != nil {
			return connectReply(err)
		}
		if n != streamReplies {
			tb.Fatalf("stream ended after %d replies, want %d", n, streamReplies)
		}
		return reply{code: codes.OK, message: out}
	}
}

func connectReply(err error) reply {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return reply{code: codes.Unknown, message: err.Error()}
	}
	return reply{code: codes.Code(ce.Code()), message: ce.Message(), challenge: ce.Meta().Values("Www-Authenticate")}
}

func (r reply) String() string {
	return fmt.Sprintf("%v %q %q", r.code, r.message, r.challenge)
}
