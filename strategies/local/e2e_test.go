package local_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/internal/testserver"
	"github.com/customs-go/customs/password"
	"github.com/customs-go/customs/strategies/local"
)

// Users of the store behind the strategies, with user names and passwords
// at and just over the size cap.
var (
	cappedName = strings.Repeat("n", local.MaxFieldSize)
	longName   = strings.Repeat("m", local.MaxFieldSize+1)
	cappedPass = strings.Repeat("p", local.MaxFieldSize)
	longPass   = strings.Repeat("q", local.MaxFieldSize+1)
	store      = map[string]string{
		"alice":         "wonderland",
		"42":            "pw-of-42",
		cappedName:      "capped-name-pw",
		longName:        "long-name-pw",
		"capped-pw":     cappedPass,
		"long-pw":       longPass,
		"alt-only-user": "alt-only-pw",
	}
)

// newCustoms builds what an application would: Local over an argon2id user
// store protecting test.v1.Auth, and a Local with other field names for
// LoginAlt.
func newCustoms(tb testing.TB, logs *testserver.SyncBuffer) *customs.Customs {
	tb.Helper()
	h, err := password.NewHasher(
		password.WithParams(password.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}),
		password.WithMaxLength(2*local.MaxFieldSize),
	)
	if err != nil {
		tb.Fatalf("NewHasher: %v", err)
	}
	hashes := make(map[string]string, len(store))
	for name, pw := range store {
		if hashes[name], err = h.Hash(pw); err != nil {
			tb.Fatalf("Hash: %v", err)
		}
	}
	validate := func(_ context.Context, name, pw string) (*user, error) {
		hash, ok := hashes[name]
		if !ok {
			_ = h.VerifyMissing(pw)
			return nil, fmt.Errorf("%w: no such user", customs.ErrInvalidCredentials)
		}
		if err := h.Verify(hash, pw); err != nil {
			return nil, fmt.Errorf("%w: %w", customs.ErrInvalidCredentials, err)
		}
		return &user{Name: name}, nil
	}
	std, err := local.New(validate)
	if err != nil {
		tb.Fatalf("local.New: %v", err)
	}
	alt, err := local.New(validate, local.WithName("alt"), local.WithFields("login", "secret"))
	if err != nil {
		tb.Fatalf("local.New: %v", err)
	}
	c, err := customs.New(
		customs.WithStrategies(std, alt),
		customs.WithRules(
			customs.Protect(authService, local.DefaultName),
			customs.Protect(altProc, "alt"),
		),
		customs.WithLogger(testserver.DebugLogger(logs)),
	)
	if err != nil {
		tb.Fatalf("customs.New: %v", err)
	}
	return c
}

func TestEndToEnd(t *testing.T) {
	t.Parallel()
	m := testMessages(t)
	logs := new(testserver.SyncBuffer)
	c := newCustoms(t, logs)
	login := func(username, password string) proto.Message {
		return newMessage(m.login, map[string]any{"username": username, "password": password})
	}
	intercepted := testserver.StartHTTP(t, testserver.NewConnectHandler(c, testService(m)))
	guarded := testserver.StartHTTP(t, c.Middleware(testserver.NewConnectHandler(c, testService(m))))
	http1, h2c := testserver.HTTPClient(t, testserver.HTTP1), testserver.HTTPClient(t, testserver.H2C)
	stacks := map[string]caller{
		"grpc-go/bufconn":              grpcCaller(t, c, m),
		"connect/http1":                connectCaller(http1, intercepted),
		"connect-grpc/h2c":             connectCaller(h2c, intercepted, connect.WithGRPC()),
		"connect-grpcweb/http1":        connectCaller(http1, intercepted, connect.WithGRPCWeb()),
		"middleware/connect/http1":     connectCaller(http1, guarded),
		"middleware/connect-grpc/h2c":  connectCaller(h2c, guarded, connect.WithGRPC()),
		"middleware/connect-json/h2c":  connectCaller(h2c, guarded, connect.WithProtoJSON()),
		"interceptor/connect-json/h2c": connectCaller(h2c, intercepted, connect.WithProtoJSON()),
	}
	tests := []struct {
		name      string
		procedure string
		msg       proto.Message
		code      codes.Code
		reply     string // for OK
	}{
		{"right credentials", loginProc, login("alice", "wonderland"), codes.OK, "alice via local"},
		{"wrong password", loginProc, login("alice", "looking-glass"), codes.Unauthenticated, ""},
		{"unknown user", loginProc, login("bob", "wonderland"), codes.Unauthenticated, ""},
		{"empty username", loginProc, login("", "wonderland"), codes.Unauthenticated, ""},
		{"missing fields", loginProc, newMessage(m.login, nil), codes.Unauthenticated, ""},
		{"message without the fields", pingProc, wrapperspb.String("alice"), codes.Unauthenticated, ""},
		{"username at size cap", loginProc, login(cappedName, "capped-name-pw"), codes.OK, cappedName + " via local"},
		{"username over size cap", loginProc, login(longName, "long-name-pw"), codes.Unauthenticated, ""},
		{"password at size cap", loginProc, login("capped-pw", cappedPass), codes.OK, "capped-pw via local"},
		{"password over size cap", loginProc, login("long-pw", longPass), codes.Unauthenticated, ""},
		{"custom fields", altProc, newMessage(m.alt, map[string]any{"login": "alt-only-user", "secret": "alt-only-pw"}),
			codes.OK, "alt-only-user via alt"},
		{"custom fields wrong secret", altProc, newMessage(m.alt, map[string]any{"login": "alice", "secret": "x"}),
			codes.Unauthenticated, ""},
		{"non-string username", oddProc,
			newMessage(m.odd, map[string]any{"username": int64(42), "password": "pw-of-42"}),
			codes.Unauthenticated, ""},
		{"stream refused", watchProc, login("alice", "wonderland"), codes.Unauthenticated, ""},
	}
	t.Run("calls", func(t *testing.T) {
		for stack, call := range stacks {
			for _, tt := range tests {
				t.Run(stack+"/"+tt.name, func(t *testing.T) {
					t.Parallel()
					got := call(t, tt.procedure, tt.msg)
					if got.code != tt.code || tt.code == codes.OK && got.message != tt.reply {
						t.Fatalf("got %v %.40q, want %v %.40q", got.code, got.message, tt.code, tt.reply)
					}
					for _, pw := range store {
						if strings.Contains(got.message, pw) {
							t.Fatalf("the client was told %.40q, which holds a password", got.message)
						}
					}
				})
			}
		}
	})
	log := logs.String()
	for _, want := range []string{"outcome=refused", "outcome=authenticated", "procedure=" + watchProc} {
		if !strings.Contains(log, want) {
			t.Fatalf("log has no %q: nothing was logged to check:\n%s", want, log)
		}
	}
	for _, pw := range append(slices.Collect(maps.Values(store)), "looking-glass") {
		if strings.Contains(log, pw) {
			t.Errorf("log holds the password %.40q", pw)
		}
	}
}

// TestMiddlewareWithoutInterceptor checks that Middleware refuses, rather
// than lets through, calls that only a Connect interceptor could decide when
// its Customs has made none.
func TestMiddlewareWithoutInterceptor(t *testing.T) {
	t.Parallel()
	m := testMessages(t)
	c := newCustoms(t, new(testserver.SyncBuffer))
	var reached atomic.Bool
	inner := testserver.NewConnectHandler(nil, testService(m))
	url := testserver.StartHTTP(t, c.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Store(true)
		inner.ServeHTTP(w, r)
	})))
	alice := newMessage(m.login, map[string]any{"username": "alice", "password": "wonderland"})
	t.Run("connect client", func(t *testing.T) {
		got := connectCaller(testserver.HTTPClient(t, testserver.HTTP1), url)(t, loginProc, alice)
		if got.code != codes.Internal {
			t.Fatalf("got %v %q, want %v", got.code, got.message, codes.Internal)
		}
	})
	t.Run("grpc client", func(t *testing.T) {
		got := connectCaller(testserver.HTTPClient(t, testserver.H2C), url, connect.WithGRPC())(t, loginProc, alice)
		if got.code != codes.Internal {
			t.Fatalf("got %v %q, want %v", got.code, got.message, codes.Internal)
		}
	})
	t.Run("plain http", func(t *testing.T) {
		res, _ := testserver.PostJSON(t, testserver.HTTPClient(t, testserver.HTTP1), url+loginProc, "",
			`{"username":"alice","password":"wonderland"}`)
		if res.StatusCode != http.StatusInternalServerError {
			t.Fatalf("status = %d, want %d", res.StatusCode, http.StatusInternalServerError)
		}
	})
	if reached.Load() {
		t.Fatal("the handler ran without anyone checking the credentials")
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	m := testMessages(t)
	validate := func(context.Context, string, string) (*user, error) { return &user{}, nil }
	loc, err := local.New(validate)
	if err != nil {
		t.Fatal(err)
	}
	header := customs.StrategyFunc("header", func(context.Context, customs.Call) (customs.Identity, error) {
		return customs.Identity{}, customs.ErrNoCredentials
	})
	stream := []customs.Method{{Procedure: "/test.v1.Echo/Stream", Stream: true}}
	unary := []customs.Method{{Procedure: "/test.v1.Echo/Echo"}}
	tests := []struct {
		name    string
		rule    customs.Rule
		methods []customs.Method
		misfit  []string
	}{
		{"local on a stream", customs.Protect("test.v1.Echo", local.DefaultName), stream, []string{stream[0].Procedure}},
		{"local after a header strategy", customs.Protect("test.v1.Echo", "header", local.DefaultName), stream,
			[]string{stream[0].Procedure}},
		{"local on a unary method", customs.Protect("test.v1.Echo", local.DefaultName), unary, nil},
		{"header strategy on a stream", customs.Protect("test.v1.Echo", "header"), stream, nil},
		{"registered grpc-go services", customs.Protect(authService, local.DefaultName),
			customs.GRPCMethods(registered(t, m)), []string{watchProc}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := customs.New(customs.WithStrategies(loc, header), customs.WithRules(tt.rule))
			if err != nil {
				t.Fatal(err)
			}
			err = c.Check(tt.methods)
			if tt.misfit == nil {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			var ce *customs.CoverageError
			if !errors.Is(err, customs.ErrConfig) || !errors.As(err, &ce) {
				t.Fatalf("Check = %v, want a CoverageError wrapping ErrConfig", err)
			}
			if fmt.Sprint(ce.Misfit) != fmt.Sprint(tt.misfit) || len(ce.Uncovered) != 0 {
				t.Fatalf("Misfit, Uncovered = %q, %q; want %q, none", ce.Misfit, ce.Uncovered, tt.misfit)
			}
		})
	}
}

// registered returns a grpc-go server, never started, with test.v1.Auth.
func registered(tb testing.TB, m messages) *grpc.Server {
	tb.Helper()
	srv := testserver.NewGRPCServer(nil, testService(m))
	tb.Cleanup(srv.Stop)
	return srv
}
