package customs_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/internal/testserver"
)

// countingHandler counts the requests that reach it and whether it read
// their bodies.
type countingHandler struct {
	next  http.Handler
	calls atomic.Int32
}

func (h *countingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.calls.Add(1)
	h.next.ServeHTTP(w, r)
}

func TestMiddlewareRefusesBeforeTheHandler(t *testing.T) {
	t.Parallel()
	c := newTestCustoms(t)
	inner := &countingHandler{next: newConnectMux(c)}
	url, hc := serveHTTP(t, c.Middleware(inner), testserver.HTTP1)

	tests := []struct {
		name, path, auth string
		status           int
		code             string
		reached          bool
	}{
		{"no credentials", "/test.v1.Echo/Echo", "", 401, "unauthenticated", false},
		{"bad credentials", "/test.v1.Echo/Echo", "Bearer eve", 401, "unauthenticated", false},
		{"two schemes", "/test.v1.Echo/Echo", "Bearer alice, Basic x", 401, "unauthenticated", false},
		{"throttled", "/test.v1.Echo/Echo", "Bearer throttled", 429, "resource_exhausted", false},
		{"provider down", "/test.v1.Echo/Echo", "Bearer down", 503, "unavailable", false},
		{"panic", "/test.v1.Echo/Echo", "Bearer panic", 500, "internal", false},
		{"scope missing", "/test.v1.Echo/Admin", "Bearer alice", 403, "permission_denied", false},
		{"no rule", "/other.v1.Uncovered/Get", "Bearer alice", 403, "permission_denied", false},
		{"not a procedure", "/test.v1.Echo/Echo/../Ping", "", 403, "permission_denied", false},
		{"encoded slash", "/test.v1.Echo%2FEcho", "", 401, "unauthenticated", false},
		{"authenticated", "/test.v1.Echo/Echo", "Bearer alice", 200, "", true},
		{"open", "/test.v1.Echo/Ping", "", 200, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := inner.calls.Load()
			res, body := testserver.PostJSON(t, hc, url+tt.path, tt.auth, `"hi"`)
			if res.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d; body %s", res.StatusCode, tt.status, body)
			}
			if reached := inner.calls.Load() > before; reached != tt.reached {
				t.Fatalf("handler reached = %v, want %v", reached, tt.reached)
			}
			if tt.code == "" {
				return
			}
			var wire struct{ Code, Message string }
			if err := json.Unmarshal([]byte(body), &wire); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if wire.Code != tt.code || strings.Contains(body, "eve") || strings.Contains(body, "alice") {
				t.Fatalf("body = %s, want code %q and no credentials", body, tt.code)
			}
			if tt.status == 401 && res.Header.Get("Www-Authenticate") != `Bearer realm="test"` {
				t.Fatalf("WWW-Authenticate = %q", res.Header.Values("Www-Authenticate"))
			}
		})
	}
}

// Customs.Middleware authenticates once: the interceptor behind it trusts
// the identity it put in the context.
func TestMiddlewareAuthenticatesOnce(t *testing.T) {
	t.Parallel()
	var runs atomic.Int32
	s := newTokenStrategy()
	counting := customs.StrategyFunc("token", func(ctx context.Context, call customs.Call) (customs.Identity, error) {
		runs.Add(1)
		return s.Authenticate(ctx, call)
	})
	c, err := customs.New(customs.WithStrategies(counting), customs.WithRules(testRules()...))
	if err != nil {
		t.Fatal(err)
	}
	url, hc := serveHTTP(t, c.Middleware(newConnectMux(c)), testserver.HTTP1)
	res, body := testserver.PostJSON(t, hc, url+"/test.v1.Echo/Echo", "Bearer alice", `"hi"`)
	if res.StatusCode != 200 || !strings.Contains(body, "alice:hi") {
		t.Fatalf("call = %d %s", res.StatusCode, body)
	}
	if n := runs.Load(); n != 1 {
		t.Fatalf("strategy ran %d times, want 1", n)
	}
}

// An identity put in the context by anything but this Customs, such as
// NewContext in a test or another Customs, does not open a protected method.
func TestForeignIdentityIsNotTrusted(t *testing.T) {
	t.Parallel()
	c := newTestCustoms(t)
	other := newTestCustoms(t)
	forge := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := customs.NewContext(r.Context(), &user{Name: "forged"}, "token")
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
	for name, h := range map[string]http.Handler{
		"NewContext":     forge(newConnectMux(c)),
		"other Customs":  other.Middleware(newConnectMux(c)),
		"forged then mw": forge(c.Middleware(newConnectMux(c))),
	} {
		t.Run(name, func(t *testing.T) {
			url, hc := serveHTTP(t, h, testserver.HTTP1)
			auth := ""
			if name == "other Customs" {
				auth = "Bearer admin" // passes other's middleware; c must check again
			}
			res, body := testserver.PostJSON(t, hc, url+"/test.v1.Echo/Echo", auth, `"hi"`)
			if name == "other Customs" {
				if res.StatusCode != 200 || !strings.Contains(body, "admin:hi") {
					t.Fatalf("call = %d %s", res.StatusCode, body)
				}
				return
			}
			if res.StatusCode != 401 || strings.Contains(body, "forged") {
				t.Fatalf("forged identity: status %d body %s", res.StatusCode, body)
			}
		})
	}
}

func TestUserFromWrongType(t *testing.T) {
	t.Parallel()
	ctx := customs.NewContext(context.Background(), &user{Name: "alice"}, "token")
	if _, ok := customs.UserFrom[user](ctx); ok {
		t.Fatal("UserFrom[user] found a *user")
	}
	u, ok := customs.UserFrom[*user](ctx)
	if !ok || u.Name != "alice" {
		t.Fatalf("UserFrom[*user] = %v, %v", u, ok)
	}
	id, ok := customs.IdentityFrom(ctx)
	if !ok || id.Strategy != "token" {
		t.Fatalf("IdentityFrom = %+v, %v", id, ok)
	}
	if _, ok := customs.UserFrom[*user](context.Background()); ok {
		t.Fatal("UserFrom found a user in an empty context")
	}
}

// passphrase is a message strategy, like Local: the request's value is the
// credential.
type passphrase struct{}

func (passphrase) Name() string  { return "passphrase" }
func (passphrase) ReadsMessage() {}

func (passphrase) Authenticate(_ context.Context, call customs.Call) (customs.Identity, error) {
	msg, ok := call.Message().(*wrapperspb.StringValue)
	switch {
	case !ok || msg.GetValue() == "":
		return customs.Identity{}, customs.ErrNoCredentials
	case msg.GetValue() != "open-sesame":
		return customs.Identity{}, customs.ErrInvalidCredentials
	}
	return customs.Identity{User: &user{Name: "ali"}}, nil
}

// When a rule has a message strategy, Middleware leaves the decision to the
// interceptor: one decision is reported per call, by the interceptor.
func TestMiddlewareDefersMessageStrategies(t *testing.T) {
	t.Parallel()
	var events []customs.Event
	var mu sync.Mutex
	c, err := customs.New(
		customs.WithStrategies(newTokenStrategy(), passphrase{}),
		customs.WithRules(customs.Protect("test.v1.*", "token", "passphrase")),
		customs.WithEventHook(func(_ context.Context, ev customs.Event) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, ev)
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	url, hc := serveHTTP(t, c.Middleware(newConnectMux(c)), testserver.HTTP1)
	tests := []struct {
		body, auth string
		status     int
		outcome    customs.Outcome
		strategy   string
	}{
		{`"open-sesame"`, "", 200, customs.OutcomeAuthenticated, "passphrase"},
		{`"open-sesame"`, "Bearer alice", 200, customs.OutcomeAuthenticated, "token"},
		{`"wrong"`, "", 401, customs.OutcomeRefused, "passphrase"},
		{`""`, "", 401, customs.OutcomeRefused, ""},
	}
	for _, tt := range tests {
		mu.Lock()
		events = nil
		mu.Unlock()
		res, body := testserver.PostJSON(t, hc, url+"/test.v1.Echo/Echo", tt.auth, tt.body)
		if res.StatusCode != tt.status {
			t.Fatalf("%s: status %d, want %d (%s)", tt.body, res.StatusCode, tt.status, body)
		}
		mu.Lock()
		if len(events) != 1 || events[0].Outcome != tt.outcome || events[0].Strategy != tt.strategy {
			t.Errorf("%s %q: events = %+v, want one %v by %q", tt.body, tt.auth, events, tt.outcome, tt.strategy)
		}
		mu.Unlock()
	}
}

// An identity decided for one procedure does not open another, even when a
// handler between Middleware and the interceptor reroutes the request.
func TestDecidedIdentityIsPerProcedure(t *testing.T) {
	t.Parallel()
	c := newTestCustoms(t)
	reroute := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/test.v1.Echo/Admin"
		newConnectMux(c).ServeHTTP(w, r2)
	})
	url, hc := serveHTTP(t, c.Middleware(reroute), testserver.HTTP1)
	res, body := testserver.PostJSON(t, hc, url+"/test.v1.Echo/Echo", "Bearer alice", `"hi"`)
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("rerouted to Admin without the admin scope: %d %s", res.StatusCode, body)
	}
}

// For a rule with a message strategy, Middleware leaves every strategy to
// the interceptor: a failing header strategy runs once, not twice.
func TestMiddlewareRunsMessageRulesOnce(t *testing.T) {
	t.Parallel()
	var runs atomic.Int32
	s := newTokenStrategy()
	counting := customs.StrategyFunc("token", func(ctx context.Context, call customs.Call) (customs.Identity, error) {
		runs.Add(1)
		return s.Authenticate(ctx, call)
	})
	c, err := customs.New(
		customs.WithStrategies(counting, passphrase{}),
		customs.WithRules(customs.Protect("test.v1.*", "token", "passphrase")),
	)
	if err != nil {
		t.Fatal(err)
	}
	url, hc := serveHTTP(t, c.Middleware(newConnectMux(c)), testserver.HTTP1)
	if res, _ := testserver.PostJSON(t, hc, url+"/test.v1.Echo/Echo", "Bearer eve", `"wrong"`); res.StatusCode != 401 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if n := runs.Load(); n != 1 {
		t.Fatalf("header strategy ran %d times for one call", n)
	}
}
