package basic_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/grpc/codes"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/internal/testserver"
	"github.com/customs-go/customs/password"
	"github.com/customs-go/customs/strategies/basic"
)

const (
	realm       = "test realm"
	bearerToken = "let-me-in-token"
)

// The behaviour of the validate callback of these tests, by user-id.
const (
	knownUser     = "Aladdin"
	knownPassword = "open sesame"
	throttledUser = "Throttled"
	offlineUser   = "Offline"
	panickingUser = "Panicker"
)

// basicAuth is the Authorization value for a user-id and password.
func basicAuth(user, password string) string {
	return "Basic " + enc(user+":"+password)
}

// fastHasher is an argon2id hasher cheap enough for tests.
func fastHasher(tb testing.TB) *password.Hasher {
	tb.Helper()
	h, err := password.NewHasher(password.WithParams(password.Params{
		Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32,
	}))
	if err != nil {
		tb.Fatalf("NewHasher: %v", err)
	}
	return h
}

// newCustoms builds what an application would: Basic over an argon2id user
// store, then a Bearer strategy, protecting test.v1.Echo, logging to logs.
func newCustoms(tb testing.TB, logs *testserver.SyncBuffer) *customs.Customs {
	tb.Helper()
	h := fastHasher(tb)
	hash, err := h.Hash(knownPassword)
	if err != nil {
		tb.Fatalf("Hash: %v", err)
	}
	store := map[string]string{knownUser: hash}
	b, err := basic.New(func(_ context.Context, name, pw string) (*user, error) {
		switch name {
		case throttledUser:
			return nil, fmt.Errorf("%w: five failures in a minute", customs.ErrTooManyAttempts)
		case offlineUser:
			return nil, fmt.Errorf("%w: user store down", customs.ErrUnavailable)
		case panickingUser:
			panic("validate saw the password " + pw)
		}
		stored, ok := store[name]
		if !ok {
			_ = h.VerifyMissing(pw)
			return nil, fmt.Errorf("%w: no such user", customs.ErrInvalidCredentials)
		}
		if err := h.Verify(stored, pw); err != nil {
			return nil, fmt.Errorf("%w: %w", customs.ErrInvalidCredentials, err)
		}
		return &user{Name: name}, nil
	}, basic.WithRealm(realm))
	if err != nil {
		tb.Fatalf("basic.New: %v", err)
	}
	other := customs.StrategyFunc("other", func(_ context.Context, call customs.Call) (customs.Identity, error) {
		scheme, token, err := call.Header().Authorization()
		switch {
		case err != nil:
			return customs.Identity{}, err
		case !strings.EqualFold(scheme, "Bearer"):
			return customs.Identity{}, customs.ErrNoCredentials
		case token != bearerToken:
			return customs.Identity{}, fmt.Errorf("%w: unknown token", customs.ErrInvalidCredentials)
		}
		return customs.Identity{User: &user{Name: "Bob"}}, nil
	})
	c, err := customs.New(
		customs.WithStrategies(b, other),
		customs.WithRules(customs.Protect("test.v1.Echo", basic.DefaultName, "other")),
		customs.WithLogger(testserver.DebugLogger(logs)),
	)
	if err != nil {
		tb.Fatalf("customs.New: %v", err)
	}
	return c
}

// callers starts every server stack over c and returns a client of each.
func callers(tb testing.TB, c *customs.Customs) map[string]caller {
	tb.Helper()
	intercepted := testserver.StartHTTP(tb, echoHandler(c))
	guarded := testserver.StartHTTP(tb, c.Middleware(echoHandler(c)))
	http1, h2c := testserver.HTTPClient(tb, testserver.HTTP1), testserver.HTTPClient(tb, testserver.H2C)
	return map[string]caller{
		"grpc-go/bufconn":             grpcCaller(tb, c, testserver.Bufconn),
		"grpc-go/tcp":                 grpcCaller(tb, c, testserver.TCP),
		"connect/http1":               connectCaller(http1, intercepted),
		"connect/h2c":                 connectCaller(h2c, intercepted),
		"connect-grpc/h2c":            connectCaller(h2c, intercepted, connect.WithGRPC()),
		"connect-grpcweb/http1":       connectCaller(http1, intercepted, connect.WithGRPCWeb()),
		"middleware/connect/http1":    connectCaller(http1, guarded),
		"middleware/connect-grpc/h2c": connectCaller(h2c, guarded, connect.WithGRPC()),
	}
}

func TestEndToEnd(t *testing.T) {
	t.Parallel()
	logs := new(testserver.SyncBuffer)
	c := newCustoms(t, logs)
	challenge := fmt.Sprintf(`Basic realm=%q, charset="UTF-8"`, realm)
	tests := []struct {
		name   string
		stream bool
		auth   []string
		code   codes.Code
		reply  string   // for OK
		secret []string // must reach neither the client nor the log
	}{
		{"right credentials", false, []string{basicAuth(knownUser, knownPassword)},
			codes.OK, knownUser + " via basic", []string{knownPassword}},
		{"right credentials on a stream", true, []string{basicAuth(knownUser, knownPassword)},
			codes.OK, knownUser + " via basic", []string{knownPassword}},
		{"lower-case scheme", false, []string{"basic " + enc(knownUser+":"+knownPassword)},
			codes.OK, knownUser + " via basic", []string{knownPassword}},
		{"wrong password", false, []string{basicAuth(knownUser, "wrong-sesame-pw")},
			codes.Unauthenticated, "", []string{"wrong-sesame-pw"}},
		{"wrong password on a stream", true, []string{basicAuth(knownUser, "wrong-stream-pw")},
			codes.Unauthenticated, "", []string{"wrong-stream-pw"}},
		{"unknown user", false, []string{basicAuth("Nobody", knownPassword)},
			codes.Unauthenticated, "", []string{knownPassword}},
		{"no header", false, nil, codes.Unauthenticated, "", nil},
		{"no header on a stream", true, nil, codes.Unauthenticated, "", nil},
		{"malformed credentials", false, []string{"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ"},
			codes.Unauthenticated, "", nil},
		{"two values", false, []string{basicAuth(knownUser, knownPassword), basicAuth(knownUser, knownPassword)},
			codes.Unauthenticated, "", []string{knownPassword}},
		{"bearer left to the next strategy", false, []string{"Bearer " + bearerToken},
			codes.OK, "Bob via other", []string{bearerToken}},
		{"bearer refused by the next strategy", false, []string{"Bearer not-" + bearerToken},
			codes.Unauthenticated, "", []string{"not-" + bearerToken}},
		{"throttled", false, []string{basicAuth(throttledUser, "throttled-pw")},
			codes.ResourceExhausted, "", []string{"throttled-pw"}},
		{"store unavailable", false, []string{basicAuth(offlineUser, "offline-pw")},
			codes.Unavailable, "", []string{"offline-pw"}},
		{"callback panics", false, []string{basicAuth(panickingUser, "panicking-pw")},
			codes.Internal, "", []string{"panicking-pw"}},
	}
	var secrets []string
	t.Run("calls", func(t *testing.T) {
		for stack, call := range callers(t, c) {
			for _, tt := range tests {
				secrets = append(secrets, tt.secret...)
				for _, a := range tt.auth {
					_, token, _ := strings.Cut(a, " ")
					secrets = append(secrets, a, token)
				}
				t.Run(stack+"/"+tt.name, func(t *testing.T) {
					t.Parallel()
					got := call(t, tt.stream, tt.auth)
					if got.code != tt.code {
						t.Fatalf("got %v, want code %v", got, tt.code)
					}
					if tt.code == codes.OK {
						if got.message != tt.reply {
							t.Fatalf("got %v, want reply %q", got, tt.reply)
						}
						return
					}
					if len(got.challenge) != 1 || got.challenge[0] != challenge {
						t.Errorf("challenges = %q, want [%q]", got.challenge, challenge)
					}
					for _, s := range append(tt.secret, tt.auth...) {
						if strings.Contains(got.message, s) {
							t.Errorf("the client was told %q, which holds a credential", got.message)
						}
					}
				})
			}
		}
	})
	log := logs.String()
	for _, want := range []string{"outcome=refused", "outcome=authenticated", "procedure=" + streamProcedure} {
		if !strings.Contains(log, want) {
			t.Fatalf("log has no %q: nothing was logged to check:\n%s", want, log)
		}
	}
	for _, s := range secrets {
		if strings.Contains(log, s) {
			t.Errorf("log holds the credential %q", s)
		}
	}
}

// TestHTTPStatus checks the status and challenge a plain HTTP client gets
// from the Connect protocol, with and without the middleware.
func TestHTTPStatus(t *testing.T) {
	t.Parallel()
	c := newCustoms(t, new(testserver.SyncBuffer))
	servers := map[string]string{
		"interceptor": testserver.StartHTTP(t, echoHandler(c)),
		"middleware":  testserver.StartHTTP(t, c.Middleware(echoHandler(c))),
	}
	tests := []struct {
		name   string
		auth   string
		status int
	}{
		{"right credentials", basicAuth(knownUser, knownPassword), http.StatusOK},
		{"no header", "", http.StatusUnauthorized},
		{"wrong password", basicAuth(knownUser, "wrong"), http.StatusUnauthorized},
		{"throttled", basicAuth(throttledUser, "x"), http.StatusTooManyRequests},
		{"store unavailable", basicAuth(offlineUser, "x"), http.StatusServiceUnavailable},
		{"callback panics", basicAuth(panickingUser, "x"), http.StatusInternalServerError},
	}
	for server, url := range servers {
		for _, h2c := range []bool{false, true} {
			for _, tt := range tests {
				testHTTPStatus(t, fmt.Sprintf("%s/h2c=%v/%s", server, h2c, tt.name), h2c, url, tt.auth, tt.status)
			}
		}
	}
}

func testHTTPStatus(t *testing.T, name string, h2c bool, url, auth string, status int) {
	t.Helper()
	challenge := fmt.Sprintf(`Basic realm=%q, charset="UTF-8"`, realm)
	p := testserver.HTTP1
	if h2c {
		p = testserver.H2C
	}
	hc := testserver.HTTPClient(t, p)
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		res, _ := testserver.PostJSON(t, hc, url+echoProcedure, auth, `"hi"`)
		if h2c != (res.ProtoMajor == 2) {
			t.Fatalf("answered over %s, want h2c = %v", res.Proto, h2c)
		}
		if res.StatusCode != status {
			t.Fatalf("status = %d, want %d", res.StatusCode, status)
		}
		got := res.Header.Values("Www-Authenticate")
		if status == http.StatusOK {
			if len(got) != 0 {
				t.Fatalf("challenged an accepted call: %q", got)
			}
			return
		}
		if len(got) != 1 || got[0] != challenge {
			t.Fatalf("Www-Authenticate = %q, want [%q]", got, challenge)
		}
	})
}
