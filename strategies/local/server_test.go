package local_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/customs-go/customs"
)

// The hand-made service of these tests, test.v1.Auth. Every method answers
// with who called.
const (
	authService = "test.v1.Auth"
	loginProc   = "/test.v1.Auth/Login"    // LoginRequest, rule "local"
	altProc     = "/test.v1.Auth/LoginAlt" // AltLoginRequest, rule "alt"
	oddProc     = "/test.v1.Auth/LoginOdd" // OddLoginRequest, rule "local"
	pingProc    = "/test.v1.Auth/Ping"     // google.protobuf.StringValue, rule "local"
	watchProc   = "/test.v1.Auth/Watch"    // LoginRequest, server stream, rule "local"
)

// user is the application's user type.
type user struct{ Name string }

// messages are the request types of test.v1.Auth, built at run time from a
// descriptor made in the test, so that no generated code is needed.
type messages struct {
	login    protoreflect.MessageDescriptor // string username = 1; string password = 2;
	alt      protoreflect.MessageDescriptor // string login = 1; string secret = 2;
	odd      protoreflect.MessageDescriptor // int64 username = 1; string password = 2;
	list     protoreflect.MessageDescriptor // repeated string username = 1; string password = 2;
	nameOnly protoreflect.MessageDescriptor // string username = 1;
}

var buildMessages = sync.OnceValues(func() (messages, error) {
	type fieldProto = descriptorpb.FieldDescriptorProto
	field := func(name string, number int32, typ descriptorpb.FieldDescriptorProto_Type, repeated bool) *fieldProto {
		label := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL
		if repeated {
			label = descriptorpb.FieldDescriptorProto_LABEL_REPEATED
		}
		return &fieldProto{
			Name:     proto.String(name),
			JsonName: proto.String(name),
			Number:   proto.Int32(number),
			Type:     typ.Enum(),
			Label:    label.Enum(),
		}
	}
	const str, i64 = descriptorpb.FieldDescriptorProto_TYPE_STRING, descriptorpb.FieldDescriptorProto_TYPE_INT64
	message := func(name string, fields ...*fieldProto) *descriptorpb.DescriptorProto {
		return &descriptorpb.DescriptorProto{Name: proto.String(name), Field: fields}
	}
	file, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name:    proto.String("test/v1/auth.proto"),
		Package: proto.String("test.v1"),
		Syntax:  proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			message("LoginRequest", field("username", 1, str, false), field("password", 2, str, false)),
			message("AltLoginRequest", field("login", 1, str, false), field("secret", 2, str, false)),
			message("OddLoginRequest", field("username", 1, i64, false), field("password", 2, str, false)),
			message("ListLoginRequest", field("username", 1, str, true), field("password", 2, str, false)),
			message("NameOnlyRequest", field("username", 1, str, false)),
		},
	}, nil)
	if err != nil {
		return messages{}, err
	}
	all := file.Messages()
	return messages{all.Get(0), all.Get(1), all.Get(2), all.Get(3), all.Get(4)}, nil
})

// testMessages returns the request types of test.v1.Auth.
func testMessages(tb testing.TB) messages {
	tb.Helper()
	m, err := buildMessages()
	if err != nil {
		tb.Fatalf("building descriptors: %v", err)
	}
	return m
}

// newMessage returns a message of type md with the given fields set.
func newMessage(md protoreflect.MessageDescriptor, fields map[string]any) *dynamicpb.Message {
	m := dynamicpb.NewMessage(md)
	for name, v := range fields {
		fd := md.Fields().ByName(protoreflect.Name(name))
		if list, ok := v.([]string); ok {
			l := m.Mutable(fd).List()
			for _, s := range list {
				l.Append(protoreflect.ValueOfString(s))
			}
			continue
		}
		m.Set(fd, protoreflect.ValueOf(v))
	}
	return m
}

// whoami describes the caller the handler sees.
func whoami(ctx context.Context) (*wrapperspb.StringValue, error) {
	u, ok := customs.UserFrom[*user](ctx)
	id, _ := customs.IdentityFrom(ctx)
	if !ok {
		return nil, errors.New("handler: no typed user in the context")
	}
	return wrapperspb.String(u.Name + " via " + id.Strategy), nil
}

// grpcAuthService returns test.v1.Auth for grpc-go, written by hand.
func grpcAuthService(m messages) *grpc.ServiceDesc {
	unary := func(procedure string, newRequest func() proto.Message) grpc.MethodDesc {
		return grpc.MethodDesc{
			MethodName: procedure[strings.LastIndexByte(procedure, '/')+1:],
			Handler: func(_ any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
				in := newRequest()
				if err := dec(in); err != nil {
					return nil, err
				}
				h := func(ctx context.Context, _ any) (any, error) { return whoami(ctx) }
				if ic == nil {
					return h(ctx, in)
				}
				return ic(ctx, in, &grpc.UnaryServerInfo{FullMethod: procedure}, h)
			},
		}
	}
	dynamic := func(md protoreflect.MessageDescriptor) func() proto.Message {
		return func() proto.Message { return dynamicpb.NewMessage(md) }
	}
	return &grpc.ServiceDesc{
		ServiceName: authService,
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{
			unary(loginProc, dynamic(m.login)),
			unary(altProc, dynamic(m.alt)),
			unary(oddProc, dynamic(m.odd)),
			unary(pingProc, func() proto.Message { return new(wrapperspb.StringValue) }),
		},
		Streams: []grpc.StreamDesc{{
			StreamName:    "Watch",
			ServerStreams: true,
			Handler: func(_ any, ss grpc.ServerStream) error {
				if err := ss.RecvMsg(dynamicpb.NewMessage(m.login)); err != nil {
					return err
				}
				out, err := whoami(ss.Context())
				if err != nil {
					return err
				}
				return ss.SendMsg(out)
			},
		}},
	}
}

// connectAuthHandler serves test.v1.Auth over Connect, gRPC and gRPC-Web.
func connectAuthHandler(m messages, opts ...connect.HandlerOption) http.Handler {
	mux := http.NewServeMux()
	// dynamic adds an initializer that gives new requests their type.
	dynamic := func(md protoreflect.MessageDescriptor) []connect.HandlerOption {
		return append(slices.Clip(opts), connect.WithRequestInitializer(func(_ connect.Spec, msg any) error {
			*msg.(*dynamicpb.Message) = *dynamicpb.NewMessage(md)
			return nil
		}))
	}
	mux.Handle(loginProc, connect.NewUnaryHandler(loginProc, answer[dynamicpb.Message], dynamic(m.login)...))
	mux.Handle(altProc, connect.NewUnaryHandler(altProc, answer[dynamicpb.Message], dynamic(m.alt)...))
	mux.Handle(oddProc, connect.NewUnaryHandler(oddProc, answer[dynamicpb.Message], dynamic(m.odd)...))
	mux.Handle(pingProc, connect.NewUnaryHandler(pingProc, answer[wrapperspb.StringValue], opts...))
	mux.Handle(watchProc, connect.NewServerStreamHandler(watchProc, watch, dynamic(m.login)...))
	return mux
}

// answer is the Connect handler of the unary methods.
func answer[Req any](
	ctx context.Context,
	_ *connect.Request[Req],
) (*connect.Response[wrapperspb.StringValue], error) {
	out, err := whoami(ctx)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(out), nil
}

// watch is the Connect handler of Watch.
func watch(
	ctx context.Context,
	_ *connect.Request[dynamicpb.Message],
	s *connect.ServerStream[wrapperspb.StringValue],
) error {
	out, err := whoami(ctx)
	if err != nil {
		return err
	}
	return s.Send(out)
}

// grpcServer serves test.v1.Auth behind c's interceptors over bufconn and
// returns a connection to it.
func grpcServer(tb testing.TB, c *customs.Customs, m messages) *grpc.ClientConn {
	tb.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(
		grpc.UnaryInterceptor(c.UnaryServerInterceptor()),
		grpc.StreamInterceptor(c.StreamServerInterceptor()),
	)
	srv.RegisterService(grpcAuthService(m), nil)
	go func() { _ = srv.Serve(lis) }()
	tb.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("passthrough:///bufconn",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
	)
	if err != nil {
		tb.Fatalf("grpc.NewClient: %v", err)
	}
	tb.Cleanup(func() { _ = conn.Close() })
	return conn
}

// httpServer serves h over HTTP/1.1 and, with prior knowledge, h2c.
func httpServer(tb testing.TB, h http.Handler) string {
	tb.Helper()
	s := httptest.NewUnstartedServer(h)
	s.Config.Protocols = new(http.Protocols)
	s.Config.Protocols.SetHTTP1(true)
	s.Config.Protocols.SetUnencryptedHTTP2(true)
	s.Start()
	tb.Cleanup(s.Close)
	return s.URL
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

// reply is what a client saw of one call: a code (grpc-go and Connect codes
// share values) and the answer or error message.
type reply struct {
	code    codes.Code
	message string
}

// caller makes one call of procedure with request message in.
type caller func(tb testing.TB, procedure string, in proto.Message) reply

func grpcCaller(conn *grpc.ClientConn) caller {
	return func(tb testing.TB, procedure string, in proto.Message) reply {
		tb.Helper()
		out := new(wrapperspb.StringValue)
		if procedure != watchProc {
			return grpcReply(out, conn.Invoke(tb.Context(), procedure, in, out))
		}
		s, err := conn.NewStream(tb.Context(), &grpc.StreamDesc{ServerStreams: true}, procedure)
		if err != nil {
			tb.Fatalf("NewStream: %v", err)
		}
		if err := s.SendMsg(in); err != nil {
			tb.Fatalf("SendMsg: %v", err)
		}
		if err := s.CloseSend(); err != nil {
			tb.Fatalf("CloseSend: %v", err)
		}
		err = s.RecvMsg(out)
		if err == nil {
			if err = s.RecvMsg(new(wrapperspb.StringValue)); errors.Is(err, io.EOF) {
				err = nil
			}
		}
		return grpcReply(out, err)
	}
}

func grpcReply(out *wrapperspb.StringValue, err error) reply {
	if err != nil {
		st := status.Convert(err)
		return reply{st.Code(), st.Message()}
	}
	return reply{codes.OK, out.GetValue()}
}

func connectCaller(hc *http.Client, baseURL string, opts ...connect.ClientOption) caller {
	return func(tb testing.TB, procedure string, in proto.Message) reply {
		tb.Helper()
		switch in := in.(type) {
		case *dynamicpb.Message:
			return connectCall(tb, hc, baseURL+procedure, in, opts)
		case *wrapperspb.StringValue:
			return connectCall(tb, hc, baseURL+procedure, in, opts)
		}
		tb.Fatalf("no Connect client for a %T", in)
		return reply{}
	}
}

// connectCall calls url with a Connect client for request type Req, as a
// server stream when url is that of Watch.
func connectCall[Req any](tb testing.TB, hc *http.Client, url string, in *Req, opts []connect.ClientOption) reply {
	tb.Helper()
	client := connect.NewClient[Req, wrapperspb.StringValue](hc, url, opts...)
	req := connect.NewRequest(in)
	if !strings.HasSuffix(url, watchProc) {
		res, err := client.CallUnary(tb.Context(), req)
		if err != nil {
			return connectReply(err)
		}
		return reply{codes.OK, res.Msg.GetValue()}
	}
	s, err := client.CallServerStream(tb.Context(), req)
	if err != nil {
		return connectReply(err)
	}
	defer s.Close()
	var got reply
	for s.Receive() {
		got = reply{codes.OK, s.Msg().GetValue()}
	}
	if err := s.Err(); err != nil {
		return connectReply(err)
	}
	return got
}

func connectReply(err error) reply {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return reply{codes.Unknown, err.Error()}
	}
	return reply{codes.Code(ce.Code()), ce.Message()}
}
