package customs_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/customs-go/customs"
)

func TestCallsOnEveryStack(t *testing.T) {
	t.Parallel()
	c := newTestCustoms(t)
	cases := []struct {
		name      string
		procedure string
		auth      string
		code      codes.Code
		reply     string
		challenge string
	}{
		{"authenticated", "/test.v1.Echo/Echo", "Bearer alice", codes.OK, "alice:hi", ""},
		{"scheme is case-insensitive", "/test.v1.Echo/Echo", "bearer bob", codes.OK, "bob:hi", ""},
		{"no credentials", "/test.v1.Echo/Echo", "", codes.Unauthenticated, "", `Bearer realm="test"`},
		{"other scheme", "/test.v1.Echo/Echo", "Basic YTpi", codes.Unauthenticated, "", `Bearer realm="test"`},
		{"bad credentials", "/test.v1.Echo/Echo", "Bearer mallory", codes.Unauthenticated, "", `Bearer realm="test"`},
		{"precise challenge", "/test.v1.Echo/Echo", "Bearer expired", codes.Unauthenticated, "", `Bearer realm="test", error="invalid_token"`},
		{"malformed credentials", "/test.v1.Echo/Echo", "Bearer a b", codes.Unauthenticated, "", `Bearer realm="test"`},
		{"open method", "/test.v1.Echo/Ping", "", codes.OK, "anonymous:hi", ""},
		{"open method ignores credentials", "/test.v1.Echo/Ping", "Bearer mallory", codes.OK, "anonymous:hi", ""},
		{"scope held", "/test.v1.Echo/Admin", "Bearer admin", codes.OK, "admin:hi", ""},
		{"scope missing", "/test.v1.Echo/Admin", "Bearer alice", codes.PermissionDenied, "", ""},
		{"no rule", "/other.v1.Uncovered/Get", "Bearer alice", codes.PermissionDenied, "", ""},
		{"throttled", "/test.v1.Echo/Echo", "Bearer throttled", codes.ResourceExhausted, "", ""},
		{"provider down", "/test.v1.Echo/Echo", "Bearer down", codes.Unavailable, "", ""},
		{"strategy denies", "/test.v1.Echo/Echo", "Bearer denied", codes.PermissionDenied, "", ""},
		{"strategy panics", "/test.v1.Echo/Echo", "Bearer panic", codes.Internal, "", ""},
		{"strategy breaks contract", "/test.v1.Echo/Echo", "Bearer nouser", codes.Internal, "", ""},
		{"strategy returns a nil user pointer", "/test.v1.Echo/Echo", "Bearer nilptr", codes.Internal, "", ""},
	}
	for _, st := range allStacks(t, c) {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					got, code, challenges := st.unary(t.Context(), tc.procedure, tc.auth)
					if code != tc.code || got != tc.reply {
						t.Fatalf("call = %q, %v; want %q, %v", got, code, tc.reply, tc.code)
					}
					if tc.challenge != "" && (len(challenges) != 1 || challenges[0] != tc.challenge) {
						t.Fatalf("challenges = %q, want [%q]", challenges, tc.challenge)
					}
				})
			}
		})
	}
}

func TestStreamsOnEveryStack(t *testing.T) {
	t.Parallel()
	c := newTestCustoms(t)
	for _, st := range allStacks(t, c) {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			got, code := st.stream(t.Context(), "/test.v1.Echo/Count", "Bearer alice")
			if code != codes.OK || strings.Join(got, ",") != "alice:tick,alice:tick,alice:tick" {
				t.Fatalf("authenticated stream = %q, %v", got, code)
			}
			got, code = st.stream(t.Context(), "/test.v1.Echo/Count", "")
			if code != codes.Unauthenticated || len(got) != 0 {
				t.Fatalf("anonymous stream = %q, %v; want Unauthenticated and no message", got, code)
			}
			_, code = st.stream(t.Context(), "/test.v1.Echo/Count", "Bearer panic")
			if code != codes.Internal {
				t.Fatalf("panicking strategy on a stream: %v, want Internal", code)
			}
		})
	}
}

func TestStreamEndsWhenCredentialsExpire(t *testing.T) {
	t.Parallel()
	c := newTestCustoms(t)
	for _, st := range allStacks(t, c) {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			start := time.Now()
			got, code := st.stream(ctx, "/test.v1.Echo/Watch", "Bearer short")
			if code != codes.Unauthenticated {
				t.Fatalf("expiring stream ended with %v after %d messages, want Unauthenticated", code, len(got))
			}
			if len(got) == 0 || time.Since(start) > 5*time.Second {
				t.Fatalf("stream sent %d messages in %v: it should run until the credentials expire", len(got), time.Since(start))
			}
		})
	}
}

func TestStreamExpiryCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	c := newTestCustoms(t, customs.WithoutStreamExpiry())
	st := allStacks(t, c)[0]
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	got, code := st.stream(ctx, "/test.v1.Echo/Watch", "Bearer short")
	if code != codes.DeadlineExceeded || len(got) < 10 {
		t.Fatalf("stream = %d messages, %v; want it to outlive the credentials until the client's deadline", len(got), code)
	}
}

func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	c := newTestCustoms(t)
	stacks := allStacks(t, c)
	var wg sync.WaitGroup
	errs := make(chan string, 1000)
	for i := range 40 {
		wg.Go(func() {
			st := stacks[i%len(stacks)]
			for j := range 10 {
				auth, want, code := "Bearer alice", "alice:hi", codes.OK
				switch j % 3 {
				case 1:
					auth, want, code = "Bearer bob", "bob:hi", codes.OK
				case 2:
					auth, want, code = "Bearer eve", "", codes.Unauthenticated
				}
				got, gotCode, _ := st.unary(t.Context(), "/test.v1.Echo/Echo", auth)
				if got != want || gotCode != code {
					errs <- st.name + ": " + got + " " + gotCode.String()
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestEventsAndLogsHoldNoCredentials(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var events []customs.Event
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestCustoms(t,
		customs.WithLogger(logger),
		customs.WithEventHook(func(_ context.Context, ev customs.Event) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, ev)
		}),
	)
	st := allStacks(t, c)[0]
	for _, auth := range []string{"Bearer alice", "Bearer mallory-secret", "Bearer panic", ""} {
		st.unary(t.Context(), "/test.v1.Echo/Echo", auth)
	}
	st.unary(t.Context(), "/test.v1.Echo/Ping", "")
	st.unary(t.Context(), "/other.v1.Uncovered/Get", "")

	mu.Lock()
	defer mu.Unlock()
	want := []struct {
		outcome  customs.Outcome
		strategy string
		rule     string
	}{
		{customs.OutcomeAuthenticated, "token", "test.v1.*"},
		{customs.OutcomeRefused, "token", "test.v1.*"},
		{customs.OutcomeRefused, "token", "test.v1.*"},
		{customs.OutcomeRefused, "", "test.v1.*"},
		{customs.OutcomeOpen, "", "/test.v1.Echo/Ping"},
		{customs.OutcomeRefused, "", ""},
	}
	if len(events) != len(want) {
		t.Fatalf("got %d events, want %d", len(events), len(want))
	}
	for i, w := range want {
		ev := events[i]
		if ev.Outcome != w.outcome || ev.Strategy != w.strategy || ev.Rule != w.rule || ev.Peer == "" {
			t.Errorf("event %d = %+v, want %+v", i, ev, w)
		}
		if (ev.Outcome == customs.OutcomeRefused) != (ev.Err != nil) {
			t.Errorf("event %d: outcome %v with error %v", i, ev.Outcome, ev.Err)
		}
	}
	if !strings.Contains(events[2].Err.Error(), "panicked") {
		t.Errorf("panic event reason = %v", events[2].Err)
	}
	out := logs.String()
	for _, secret := range []string{"mallory-secret", "secret-in-panic", "Bearer"} {
		if strings.Contains(out, secret) {
			t.Errorf("logs contain %q:\n%s", secret, out)
		}
	}
	if strings.Count(out, "\n") != len(want) || !strings.Contains(out, `"procedure":"/test.v1.Echo/Echo"`) {
		t.Errorf("logs do not record every decision:\n%s", out)
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestAttemptLimit(t *testing.T) {
	t.Parallel()
	c := newTestCustoms(t, customs.WithAttemptLimit(3, time.Minute))
	for _, st := range []stack{allStacks(t, c)[1], allStacks(t, c)[2]} { // grpc-go over TCP, Connect
		t.Run(st.name, func(t *testing.T) {
			for range 5 { // calls without credentials do not count
				if _, code, _ := st.unary(t.Context(), "/test.v1.Echo/Echo", ""); code != codes.Unauthenticated {
					t.Fatalf("anonymous call: %v", code)
				}
			}
			if _, code, _ := st.unary(t.Context(), "/test.v1.Echo/Echo", "Bearer alice"); code != codes.OK {
				t.Fatalf("anonymous calls used up the budget: %v", code)
			}
		})
	}
	limited := newTestCustoms(t, customs.WithAttemptLimit(3, time.Minute))
	st := allStacks(t, limited)[1]
	for i := range 3 {
		if _, code, _ := st.unary(t.Context(), "/test.v1.Echo/Echo", "Bearer mallory"); code != codes.Unauthenticated {
			t.Fatalf("guess %d: %v", i, code)
		}
	}
	if _, code, _ := st.unary(t.Context(), "/test.v1.Echo/Echo", "Bearer alice"); code != codes.ResourceExhausted {
		t.Fatalf("after 3 failures, right credentials: %v, want ResourceExhausted", code)
	}
	if _, code, _ := st.unary(t.Context(), "/test.v1.Echo/Ping", ""); code != codes.OK {
		t.Fatalf("open method while throttled: %v", code)
	}
	if _, err := customs.New(customs.WithAttemptLimit(0, time.Minute), customs.WithRules(customs.Open("*"))); !errors.Is(err, customs.ErrConfig) {
		t.Fatalf("New with a zero limit: %v", err)
	}
}

// A rejected credential counts towards the limit even when another strategy
// of the rule failed worse on the same call.
func TestAttemptLimitCountsRejectionsBehindWorseFailures(t *testing.T) {
	t.Parallel()
	down := customs.StrategyFunc("idp", func(context.Context, customs.Call) (customs.Identity, error) {
		return customs.Identity{}, customs.ErrUnavailable
	})
	c, err := customs.New(
		customs.WithStrategies(down, newTokenStrategy()),
		customs.WithRules(customs.Protect("test.v1.*", "idp", "token")),
		customs.WithAttemptLimit(2, time.Minute),
	)
	if err != nil {
		t.Fatal(err)
	}
	st := allStacks(t, c)[1] // grpc-go over TCP: one peer address
	for range 2 {
		if _, code, _ := st.unary(t.Context(), "/test.v1.Echo/Echo", "Bearer mallory"); code != codes.Unavailable {
			t.Fatalf("guess: %v, want Unavailable", code)
		}
	}
	if _, code, _ := st.unary(t.Context(), "/test.v1.Echo/Echo", "Bearer mallory"); code != codes.ResourceExhausted {
		t.Fatalf("third guess: %v, want ResourceExhausted", code)
	}
}
