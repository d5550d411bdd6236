package jwt_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/strategies/jwt"
)

// jwksServer serves whatever its handler says, and counts requests.
type jwksServer struct {
	*httptest.Server
	hits    atomic.Int32
	mu      sync.Mutex
	handler http.HandlerFunc
}

func newJWKSServer(tb testing.TB, h http.HandlerFunc) *jwksServer {
	tb.Helper()
	s := &jwksServer{handler: h}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		h := s.handler
		s.mu.Unlock()
		h(w, r)
	}))
	tb.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(h http.HandlerFunc) {
	s.mu.Lock()
	s.handler = h
	s.mu.Unlock()
}

// serveSigner publishes a signer's keys with the given Cache-Control.
func serveSigner(signer *jwt.Signer, cacheControl string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		signer.JWKSHandler().ServeHTTP(rec, r)
		w.Header().Set("Cache-Control", cacheControl)
		_, _ = w.Write(rec.Body.Bytes())
	}
}

func respond(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

// eventually polls cond for up to two seconds.
func eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	tb.Fatalf("timed out waiting for %s", what)
}

func TestJWKSFaults(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	signer := newTestSigner(t, clock)
	tok, err := signer.Issue(context.Background(), jwt.Grant{Subject: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	goodBody := httptest.NewRecorder()
	signer.JWKSHandler().ServeHTTP(goodBody, httptest.NewRequest(http.MethodGet, "/", nil))
	huge := `{"keys":[],"pad":"` + strings.Repeat("x", 600<<10) + `"}`
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		url     string
		opts    []jwt.Option
	}{
		{name: "down", url: down.URL},
		{name: "status_500", handler: respond(http.StatusInternalServerError, goodBody.Body.String())},
		{name: "status_404", handler: respond(http.StatusNotFound, "")},
		{name: "malformed", handler: respond(http.StatusOK, `{"keys":[{"kty":`)},
		{name: "no_usable_key", handler: respond(http.StatusOK, `{"keys":[{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}]}`)},
		{name: "too_many_keys", handler: respond(http.StatusOK, `{"keys":[`+strings.Repeat(`{"kty":"x"},`, 100)+`{"kty":"x"}]}`)},
		{name: "huge", handler: respond(http.StatusOK, huge)},
		{name: "slow", handler: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(3 * time.Second):
			case <-r.Context().Done():
			}
			_, _ = w.Write(goodBody.Body.Bytes())
		}, opts: []jwt.Option{jwt.WithJWKSTimeout(300 * time.Millisecond)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := tc.url
			if tc.handler != nil {
				url = newJWKSServer(t, tc.handler).URL
			}
			opts := append([]jwt.Option{jwt.WithJWKS(url), jwt.WithClock(clock.Now)}, tc.opts...)
			s := newStrategy(t, nil, opts...)
			h := newHarness(t, protect(t, customs.Protect("test.v1.Echo", "jwt"), nil, s))
			for stack, got := range h.both(context.Background(), bearer(tok.AccessToken)) {
				if got.code != codes.Unavailable {
					t.Errorf("%s: got %v, want Unavailable", stack, got.code)
				}
			}
			if _, err := s.Verify(context.Background(), tok.AccessToken); !errors.Is(err, customs.ErrUnavailable) {
				t.Errorf("Verify: %v, want ErrUnavailable", err)
			}
		})
	}
}

func TestJWKSWaitBoundedByCallerDeadline(t *testing.T) {
	t.Parallel()
	signer := newTestSigner(t, newFakeClock())
	srv := newJWKSServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
		serveSigner(signer, "")(w, r)
	})
	s := newStrategy(t, nil, jwt.WithJWKS(srv.URL), jwt.WithClock(newFakeClock().Now))
	tok, _ := signer.Issue(context.Background(), jwt.Grant{Subject: "alice"})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Verify(ctx, tok.AccessToken)
	if !errors.Is(err, customs.ErrUnavailable) {
		t.Errorf("got %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("waited %v with a 100ms deadline", d)
	}
}

func TestJWKSKeepsLastGoodSet(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	signer := newTestSigner(t, clock)
	srv := newJWKSServer(t, serveSigner(signer, "max-age=600"))
	s := newStrategy(t, nil, jwt.WithJWKS(srv.URL), jwt.WithClock(clock.Now), jwt.WithoutCache())
	tok, _ := signer.Issue(context.Background(), jwt.Grant{Subject: "alice"})
	if _, err := s.Verify(context.Background(), tok.AccessToken); err != nil {
		t.Fatal(err)
	}
	srv.set(respond(http.StatusBadGateway, ""))
	clock.Advance(11 * time.Minute) // past max-age: a refresh is due
	before := srv.hits.Load()
	if _, err := s.Verify(context.Background(), tok.AccessToken); err != nil {
		t.Fatalf("during a failed refresh: %v", err)
	}
	eventually(t, "a refresh attempt", func() bool { return srv.hits.Load() > before })
	if _, err := s.Verify(context.Background(), tok.AccessToken); err != nil {
		t.Fatalf("after a failed refresh: %v", err)
	}
}

func TestJWKSScheduleFollowsMaxAge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		cacheControl string
		quiet, due   time.Duration // no fetch after quiet, a fetch after due
	}{
		{"max_age", "max-age=1200", 19 * time.Minute, 21 * time.Minute},
		{"max_age_below_floor", "max-age=1", 4 * time.Minute, 6 * time.Minute},
		{"no_max_age", "", 59 * time.Minute, 61 * time.Minute},
		{"max_age_above_ceiling", "public, max-age=999999999", 23 * time.Hour, 25 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			signer := newTestSigner(t, clock)
			srv := newJWKSServer(t, serveSigner(signer, tc.cacheControl))
			s := newStrategy(t, nil, jwt.WithJWKS(srv.URL), jwt.WithClock(clock.Now), jwt.WithoutCache())
			tok, _ := signer.Issue(context.Background(), jwt.Grant{Subject: "alice"})
			if _, err := s.Verify(context.Background(), tok.AccessToken); err != nil {
				t.Fatal(err)
			}
			clock.Advance(tc.quiet)
			tok, _ = signer.Issue(context.Background(), jwt.Grant{Subject: "alice"})
			_, _ = s.Verify(context.Background(), tok.AccessToken)
			time.Sleep(50 * time.Millisecond)
			if n := srv.hits.Load(); n != 1 {
				t.Fatalf("%d fetches before max-age, want 1", n)
			}
			clock.Advance(tc.due - tc.quiet)
			tok, _ = signer.Issue(context.Background(), jwt.Grant{Subject: "alice"})
			_, _ = s.Verify(context.Background(), tok.AccessToken)
			eventually(t, "a scheduled refresh", func() bool { return srv.hits.Load() == 2 })
		})
	}
}

func TestJWKSUnknownKidRefreshIsRateLimited(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	signer := newTestSigner(t, clock)
	srv := newJWKSServer(t, serveSigner(signer, "max-age=86400"))
	s := newStrategy(t, nil, jwt.WithJWKS(srv.URL), jwt.WithClock(clock.Now), jwt.WithoutCache())
	k := keys(t)
	stranger := func() string {
		c := claimsAt(clock.Now())
		return mint(t, "ES256", k.ec, map[string]any{"kid": "stranger"}, c)
	}
	if _, err := s.Verify(context.Background(), stranger()); !errors.Is(err, customs.ErrInvalidCredentials) {
		t.Fatalf("unknown kid: %v", err)
	}
	for range 5 {
		clock.Advance(30 * time.Second)
		_, _ = s.Verify(context.Background(), stranger())
	}
	if n := srv.hits.Load(); n != 1 {
		t.Fatalf("%d fetches for unknown kids within the interval, want 1", n)
	}
	// The issuer rotates: the new kid is found by one fetch once allowed.
	next, _ := jwt.GenerateSigningKey("signer-2", "ES256")
	if err := signer.Rotate(next); err != nil {
		t.Fatal(err)
	}
	tok, _ := signer.Issue(context.Background(), jwt.Grant{Subject: "alice"})
	if _, err := s.Verify(context.Background(), tok.AccessToken); err == nil {
		t.Fatal("new kid accepted without a fetch")
	}
	clock.Advance(3 * time.Minute)
	if _, err := s.Verify(context.Background(), tok.AccessToken); err != nil {
		t.Fatalf("rotated key: %v", err)
	}
	if n := srv.hits.Load(); n != 2 {
		t.Errorf("%d fetches, want 2", n)
	}
}

func TestJWKSRecoversAfterOutage(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	signer := newTestSigner(t, clock)
	srv := newJWKSServer(t, respond(http.StatusServiceUnavailable, ""))
	s := newStrategy(t, nil, jwt.WithJWKS(srv.URL), jwt.WithClock(clock.Now))
	tok, _ := signer.Issue(context.Background(), jwt.Grant{Subject: "alice"})
	if _, err := s.Verify(context.Background(), tok.AccessToken); !errors.Is(err, customs.ErrUnavailable) {
		t.Fatalf("during the outage: %v", err)
	}
	hits := srv.hits.Load()
	_, _ = s.Verify(context.Background(), tok.AccessToken)
	if srv.hits.Load() != hits {
		t.Error("fetched again without backing off")
	}
	srv.set(serveSigner(signer, ""))
	clock.Advance(2 * time.Second)
	if _, err := s.Verify(context.Background(), tok.AccessToken); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
}

func TestJWKSConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []jwt.Option
	}{
		{"plain_http_remote", []jwt.Option{jwt.WithJWKS("http://keys.example.com/jwks")}},
		{"no_host", []jwt.Option{jwt.WithJWKS("https:///jwks")}},
		{"refresh_floor", []jwt.Option{jwt.WithJWKS("https://k.test/"), jwt.WithJWKSRefresh(time.Second, time.Hour, time.Minute)}},
		{"unknown_kid_floor", []jwt.Option{jwt.WithJWKS("https://k.test/"), jwt.WithUnknownKeyRefresh(time.Second)}},
		{"limits", []jwt.Option{jwt.WithJWKS("https://k.test/"), jwt.WithJWKSLimits(0, 1)}},
		{"nil_client", []jwt.Option{jwt.WithJWKS("https://k.test/"), jwt.WithHTTPClient(nil)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := jwt.New(func(context.Context, jwt.Claims) (string, error) { return "", nil }, tc.opts...)
			if !errors.Is(err, customs.ErrConfig) {
				t.Errorf("got %v, want ErrConfig", err)
			}
		})
	}
}
