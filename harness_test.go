package customs_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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

// user is the application's user type in these tests.
type user struct {
	Name string
}

// tokenStrategy accepts "Bearer <name>" for the names it knows, and turns a
// few magic names into the failures the error table lists.
type tokenStrategy struct {
	users map[string]*user
}

func newTokenStrategy() *tokenStrategy {
	return &tokenStrategy{users: map[string]*user{
		"alice": {Name: "alice"},
		"bob":   {Name: "bob"},
		"admin": {Name: "admin"},
		"short": {Name: "short"},
	}}
}

func (s *tokenStrategy) Name() string      { return "token" }
func (s *tokenStrategy) Challenge() string { return `Bearer realm="test"` }

func (s *tokenStrategy) Authenticate(_ context.Context, call customs.Call) (customs.Identity, error) {
	scheme, token, err := call.Header().Authorization()
	if err != nil {
		return customs.Identity{}, err
	}
	if !strings.EqualFold(scheme, "Bearer") {
		return customs.Identity{}, customs.ErrNoCredentials
	}
	switch token {
	case "panic":
		panic("secret-in-panic")
	case "throttled":
		return customs.Identity{}, customs.ErrTooManyAttempts
	case "down":
		return customs.Identity{}, errors.Join(customs.ErrUnavailable, errors.New("idp timeout"))
	case "denied":
		return customs.Identity{}, customs.ErrPermissionDenied
	case "expired":
		return customs.Identity{}, customs.Challenge(customs.ErrCredentialsExpired, `Bearer realm="test", error="invalid_token"`)
	case "nouser":
		return customs.Identity{}, nil
	}
	u, ok := s.users[token]
	if !ok {
		return customs.Identity{}, customs.ErrInvalidCredentials
	}
	id := customs.Identity{User: u}
	switch token {
	case "admin":
		id.Scopes = []string{"admin", "read"}
	case "short":
		id.Expiry = time.Now().Add(300 * time.Millisecond)
	default:
		id.Scopes = []string{"read"}
	}
	return id, nil
}

// testRules protect test.v1.* with the token strategy, open Ping, require
// the admin scope on Admin, and leave other.v1.* uncovered.
func testRules() []customs.Rule {
	return []customs.Rule{
		customs.Protect("test.v1.*", "token"),
		customs.Open("/test.v1.Echo/Ping"),
		customs.Protect("/test.v1.Echo/Admin", "token").RequireScopes("admin"),
	}
}

func newTestCustoms(t testing.TB, opts ...customs.Option) *customs.Customs {
	t.Helper()
	opts = append([]customs.Option{
		customs.WithStrategies(newTokenStrategy()),
		customs.WithRules(testRules()...),
	}, opts...)
	c, err := customs.New(opts...)
	if err != nil {
		t.Fatalf("customs.New: %v", err)
	}
	return c
}

// reply is what every test handler answers: who called, and with what.
func reply(ctx context.Context, in string) string {
	name := "anonymous"
	if u, ok := customs.UserFrom[*user](ctx); ok {
		name = u.Name
	}
	return name + ":" + in
}

// countTo sends n replies, or ticks until ctx ends when n is 0.
func countTo(ctx context.Context, n int, send func(string) error) error {
	for i := 0; n == 0 || i < n; i++ {
		if err := send(reply(ctx, "tick")); err != nil {
			return err
		}
		if n == 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}

// grpc-go services, registered by hand so the tests need no generated code.

func unaryMethod(service, name string) grpc.MethodDesc {
	full := "/" + service + "/" + name
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(_ any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			h := func(ctx context.Context, req any) (any, error) {
				return wrapperspb.String(reply(ctx, req.(*wrapperspb.StringValue).GetValue())), nil
			}
			if ic == nil {
				return h(ctx, in)
			}
			return ic(ctx, in, &grpc.UnaryServerInfo{FullMethod: full}, h)
		},
	}
}

func streamMethod(name string, n int) grpc.StreamDesc {
	return grpc.StreamDesc{
		StreamName:    name,
		ServerStreams: true,
		Handler: func(_ any, ss grpc.ServerStream) error {
			in := new(wrapperspb.StringValue)
			if err := ss.RecvMsg(in); err != nil {
				return err
			}
			return countTo(ss.Context(), n, func(s string) error { return ss.SendMsg(wrapperspb.String(s)) })
		},
	}
}

var (
	echoDesc = grpc.ServiceDesc{
		ServiceName: "test.v1.Echo",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{
			unaryMethod("test.v1.Echo", "Echo"),
			unaryMethod("test.v1.Echo", "Ping"),
			unaryMethod("test.v1.Echo", "Admin"),
		},
		Streams: []grpc.StreamDesc{streamMethod("Count", 3), streamMethod("Watch", 0)},
	}
	uncoveredDesc = grpc.ServiceDesc{
		ServiceName: "other.v1.Uncovered",
		HandlerType: (*any)(nil),
		Methods:     []grpc.MethodDesc{unaryMethod("other.v1.Uncovered", "Get")},
	}
)

// newGRPCServer registers the test services with c's interceptors (none
// when c is nil).
func newGRPCServer(c *customs.Customs) *grpc.Server {
	var opts []grpc.ServerOption
	if c != nil {
		opts = append(opts,
			grpc.ChainUnaryInterceptor(c.UnaryServerInterceptor()),
			grpc.ChainStreamInterceptor(c.StreamServerInterceptor()),
		)
	}
	s := grpc.NewServer(opts...)
	s.RegisterService(&echoDesc, struct{}{})
	s.RegisterService(&uncoveredDesc, struct{}{})
	return s
}

// serveGRPC starts a grpc-go server over bufconn or loopback TCP and
// returns a client connection to it.
func serveGRPC(t testing.TB, c *customs.Customs, tcp bool) *grpc.ClientConn {
	t.Helper()
	s := newGRPCServer(c)
	var lis net.Listener
	target := "passthrough:///bufnet"
	dial := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if tcp {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lis, target = l, l.Addr().String()
	} else {
		bl := bufconn.Listen(1 << 20)
		lis = bl
		dial = append(dial, grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return bl.DialContext(ctx)
		}))
	}
	go func() { _ = s.Serve(lis) }()
	conn, err := grpc.NewClient(target, dial...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		s.Stop()
	})
	return conn
}

// Connect services, built from connect-go's generic handlers.

func connectUnary(procedure string, opts ...connect.HandlerOption) (string, http.Handler) {
	return procedure, connect.NewUnaryHandler(procedure,
		func(ctx context.Context, req *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
			return connect.NewResponse(wrapperspb.String(reply(ctx, req.Msg.GetValue()))), nil
		}, opts...)
}

func connectStream(procedure string, n int, opts ...connect.HandlerOption) (string, http.Handler) {
	return procedure, connect.NewServerStreamHandler(procedure,
		func(ctx context.Context, _ *connect.Request[wrapperspb.StringValue], s *connect.ServerStream[wrapperspb.StringValue]) error {
			return countTo(ctx, n, func(v string) error { return s.Send(wrapperspb.String(v)) })
		}, opts...)
}

// newConnectMux mounts the test procedures with c's interceptor (none when
// c is nil).
func newConnectMux(c *customs.Customs) *http.ServeMux {
	var opts []connect.HandlerOption
	if c != nil {
		opts = append(opts, connect.WithInterceptors(c.ConnectInterceptor()))
	}
	mux := http.NewServeMux()
	for _, p := range []string{"/test.v1.Echo/Echo", "/test.v1.Echo/Ping", "/test.v1.Echo/Admin", "/other.v1.Uncovered/Get"} {
		mux.Handle(connectUnary(p, opts...))
	}
	mux.Handle(connectStream("/test.v1.Echo/Count", 3, opts...))
	mux.Handle(connectStream("/test.v1.Echo/Watch", 0, opts...))
	return mux
}

// serveHTTP starts h on a loopback httptest server speaking HTTP/1.1, or
// HTTP/2 without TLS (h2c), and returns its URL and a matching client.
func serveHTTP(t testing.TB, h http.Handler, h2c bool) (string, *http.Client) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	srv.Config.Protocols = &p
	srv.Start()
	t.Cleanup(srv.Close)
	var cp http.Protocols
	if h2c {
		cp.SetUnencryptedHTTP2(true)
	} else {
		cp.SetHTTP1(true)
	}
	return srv.URL, &http.Client{Transport: &http.Transport{Protocols: &cp}}
}

// stack is one way of calling the test services: grpc-go or connect-go,
// over some transport and protocol.
type stack struct {
	name   string
	unary  func(ctx context.Context, procedure, auth string) (string, codes.Code, []string)
	stream func(ctx context.Context, procedure, auth string) ([]string, codes.Code)
}

func grpcStack(t testing.TB, name string, conn *grpc.ClientConn) stack {
	t.Helper()
	outgoing := func(ctx context.Context, auth string) context.Context {
		if auth == "" {
			return ctx
		}
		return metadata.AppendToOutgoingContext(ctx, "authorization", auth)
	}
	return stack{
		name: name,
		unary: func(ctx context.Context, procedure, auth string) (string, codes.Code, []string) {
			out := new(wrapperspb.StringValue)
			var trailer metadata.MD
			err := conn.Invoke(outgoing(ctx, auth), procedure, wrapperspb.String("hi"), out, grpc.Trailer(&trailer))
			return out.GetValue(), status.Code(err), trailer.Get("www-authenticate")
		},
		stream: func(ctx context.Context, procedure, auth string) ([]string, codes.Code) {
			desc := &grpc.StreamDesc{ServerStreams: true}
			cs, err := conn.NewStream(outgoing(ctx, auth), desc, procedure)
			if err != nil {
				return nil, status.Code(err)
			}
			if err := cs.SendMsg(wrapperspb.String("hi")); err != nil {
				return nil, status.Code(err)
			}
			_ = cs.CloseSend()
			var got []string
			for {
				m := new(wrapperspb.StringValue)
				if err := cs.RecvMsg(m); err != nil {
					if errors.Is(err, io.EOF) {
						return got, codes.OK
					}
					return got, status.Code(err)
				}
				got = append(got, m.GetValue())
			}
		},
	}
}

func connectStack(name, base string, hc *http.Client, opts ...connect.ClientOption) stack {
	return stack{
		name: name,
		unary: func(ctx context.Context, procedure, auth string) (string, codes.Code, []string) {
			client := connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](hc, base+procedure, opts...)
			req := connect.NewRequest(wrapperspb.String("hi"))
			if auth != "" {
				req.Header().Set("Authorization", auth)
			}
			res, err := client.CallUnary(ctx, req)
			if err != nil {
				var ce *connect.Error
				var ch []string
				if errors.As(err, &ce) {
					ch = ce.Meta().Values("Www-Authenticate")
				}
				return "", codes.Code(connect.CodeOf(err)), ch
			}
			return res.Msg.GetValue(), codes.OK, nil
		},
		stream: func(ctx context.Context, procedure, auth string) ([]string, codes.Code) {
			client := connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](hc, base+procedure, opts...)
			req := connect.NewRequest(wrapperspb.String("hi"))
			if auth != "" {
				req.Header().Set("Authorization", auth)
			}
			s, err := client.CallServerStream(ctx, req)
			if err != nil {
				return nil, codes.Code(connect.CodeOf(err))
			}
			defer s.Close()
			var got []string
			for s.Receive() {
				got = append(got, s.Msg().GetValue())
			}
			if err := s.Err(); err != nil {
				return got, codes.Code(connect.CodeOf(err))
			}
			return got, codes.OK
		},
	}
}

// allStacks serves c on every stack: grpc-go over bufconn and TCP, and
// connect-go over HTTP/1.1 and h2c with each of its protocols, with and
// without the HTTP middleware.
func allStacks(t testing.TB, c *customs.Customs) []stack {
	t.Helper()
	stacks := []stack{
		grpcStack(t, "grpc-go/bufconn", serveGRPC(t, c, false)),
		grpcStack(t, "grpc-go/tcp", serveGRPC(t, c, true)),
	}
	mux := newConnectMux(c)
	u1, hc1 := serveHTTP(t, mux, false)
	u2, hc2 := serveHTTP(t, mux, true)
	um, hcm := serveHTTP(t, c.Middleware(mux), true)
	return append(stacks,
		connectStack("connect/http1", u1, hc1),
		connectStack("connect/h2c", u2, hc2),
		connectStack("connect/grpc", u2, hc2, connect.WithGRPC()),
		connectStack("connect/grpcweb", u1, hc1, connect.WithGRPCWeb()),
		connectStack("middleware/connect", um, hcm),
		connectStack("middleware/grpc", um, hcm, connect.WithGRPC()),
		connectStack("middleware/grpcweb", um, hcm, connect.WithGRPCWeb()),
	)
}
