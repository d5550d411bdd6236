package customs_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/internal/testserver"
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
	case "nilptr": // a lookup that found nothing and forgot the error
		var nobody *user
		return customs.Identity{User: nobody}, nil
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

// echo answers a unary call with reply.
func echo(ctx context.Context, in proto.Message) (string, error) {
	v, _ := in.(*wrapperspb.StringValue)
	return reply(ctx, v.GetValue()), nil
}

// countTo returns a stream that sends n replies, or ticks until ctx ends
// when n is 0.
func countTo(n int) testserver.Stream {
	return func(ctx context.Context, _ proto.Message, send func(string) error) error {
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
}

// The test services, served by both stacks.
var (
	echoService = testserver.Service{Name: "test.v1.Echo", Methods: []testserver.Method{
		{Name: "Echo", Unary: echo},
		{Name: "Ping", Unary: echo},
		{Name: "Admin", Unary: echo},
		{Name: "Count", Stream: countTo(3)},
		{Name: "Watch", Stream: countTo(0)},
	}}
	uncoveredService = testserver.Service{Name: "other.v1.Uncovered", Methods: []testserver.Method{
		{Name: "Get", Unary: echo},
	}}
)

// newGRPCServer registers the test services with c's interceptors (none
// when c is nil).
func newGRPCServer(c *customs.Customs) *grpc.Server {
	return testserver.NewGRPCServer(c, echoService, uncoveredService)
}

// newConnectMux mounts the test procedures with c's interceptor (none when
// c is nil).
func newConnectMux(c *customs.Customs) *http.ServeMux {
	return testserver.NewConnectHandler(c, echoService, uncoveredService)
}

// serveGRPC serves the test services behind c on network and returns a
// client of them.
func serveGRPC(t testing.TB, c *customs.Customs, network testserver.Network) testserver.Client {
	t.Helper()
	return testserver.GRPCClient(testserver.StartGRPC(t, newGRPCServer(c), network))
}

// serveHTTP starts h on a loopback server and returns its URL and a client
// that speaks p.
func serveHTTP(t testing.TB, h http.Handler, p testserver.Protocol) (string, *http.Client) {
	t.Helper()
	return testserver.StartHTTP(t, h), testserver.HTTPClient(t, p)
}

// stack is one way of calling the test services: grpc-go or connect-go,
// over some transport and protocol.
type stack struct {
	name   string
	client testserver.Client
}

// unary calls procedure with "hi" and returns the reply, the code and the
// challenges.
func (s stack) unary(ctx context.Context, procedure, auth string) (string, codes.Code, []string) {
	res := s.client.Unary(ctx, procedure, wrapperspb.String("hi"), auth)
	return res.Last(), res.Code, res.Challenges
}

// stream opens the server stream procedure with "hi" and returns the
// replies that arrived and the code it ended with.
func (s stack) stream(ctx context.Context, procedure, auth string) ([]string, codes.Code) {
	res := s.client.Stream(ctx, procedure, wrapperspb.String("hi"), auth)
	return res.Replies, res.Code
}

// connectStack calls base through connect-go clients with the given options.
func connectStack(name, base string, hc *http.Client, opts ...connect.ClientOption) stack {
	return stack{name: name, client: testserver.ConnectClient(hc, base, opts...)}
}

// allStacks serves c on every stack: grpc-go over bufconn and TCP, and
// connect-go over HTTP/1.1 and h2c with each of its protocols, with and
// without the HTTP middleware.
func allStacks(t testing.TB, c *customs.Customs) []stack {
	t.Helper()
	stacks := []stack{
		{"grpc-go/bufconn", serveGRPC(t, c, testserver.Bufconn)},
		{"grpc-go/tcp", serveGRPC(t, c, testserver.TCP)},
	}
	mux := newConnectMux(c)
	u1, hc1 := serveHTTP(t, mux, testserver.HTTP1)
	u2, hc2 := serveHTTP(t, mux, testserver.H2C)
	um, hcm := serveHTTP(t, c.Middleware(mux), testserver.H2C)
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
