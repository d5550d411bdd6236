package jwt_test

import (
	"context"
	"encoding/json"
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

func TestSignerRoundTrip(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	signer := newTestSigner(t, clock)
	s := newStrategy(t, nil, jwt.WithSignerKeys(signer), jwt.WithClock(clock.Now))
	h := newHarness(t, protect(t, customs.Protect("test.v1.Echo", "jwt").RequireScopes("read"), nil, s))
	tok, err := signer.Issue(context.Background(), jwt.Grant{
		Subject: "alice", Scopes: []string{"read", "write"}, Claims: map[string]string{"tenant": "@acme"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := clock.Now().Add(jwt.DefaultAccessTTL); !tok.Expiry.Equal(want) || tok.TokenType != "Bearer" {
		t.Errorf("expiry %v type %q, want %v Bearer", tok.Expiry, tok.TokenType, want)
	}
	if !tok.RefreshExpiry.Equal(clock.Now().Add(jwt.DefaultRefreshTTL)) {
		t.Errorf("refresh expiry %v", tok.RefreshExpiry)
	}
	for stack, got := range h.both(context.Background(), bearer(tok.AccessToken)) {
		if got.code != codes.OK || got.body != "alice@acme" {
			t.Errorf("%s: %v %q", stack, got.code, got.body)
		}
	}
	c, err := s.Verify(context.Background(), tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != testIssuer || c.ID == "" || c.IssuedAt == nil || c.NotBefore == nil || c.Scope != "read write" {
		t.Errorf("claims %+v", c)
	}
	if strings.Contains(tok.String(), tok.AccessToken) {
		t.Error("Tokens.String shows the token")
	}
}

func TestSignerGrantErrors(t *testing.T) {
	t.Parallel()
	signer := newTestSigner(t, newFakeClock())
	tests := []struct {
		name  string
		grant jwt.Grant
	}{
		{"no_subject", jwt.Grant{}},
		{"reserved_claim", jwt.Grant{Subject: "a", Claims: map[string]any{"exp": 1}}},
		{"claims_not_object", jwt.Grant{Subject: "a", Claims: []int{1}}},
		{"bad_scope", jwt.Grant{Subject: "a", Scopes: []string{"a b"}}},
		{"empty_audience", jwt.Grant{Subject: "a", Audience: []string{""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := signer.Issue(context.Background(), tc.grant); err == nil {
				t.Error("Issue succeeded")
			}
		})
	}
}

func TestRefreshRotatesAndRefusesReuse(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	var checked atomic.Int32
	signer := newTestSigner(t, clock, jwt.WithRefreshCheck(func(_ context.Context, g jwt.Grant) (jwt.Grant, error) {
		checked.Add(1)
		if g.Subject == "disabled" {
			return g, customs.ErrInvalidCredentials
		}
		return g, nil
	}))
	s := newStrategy(t, nil, jwt.WithSignerKeys(signer), jwt.WithClock(clock.Now))
	first, err := signer.Issue(context.Background(), jwt.Grant{Subject: "alice", Scopes: []string{"read"}, Claims: map[string]string{"tenant": "@x"}})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(20 * time.Minute) // the access token has expired
	if _, err := s.Verify(context.Background(), first.AccessToken); !errors.Is(err, customs.ErrInvalidCredentials) {
		t.Fatalf("expired access token: %v", err)
	}
	second, err := signer.Refresh(context.Background(), first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if second.RefreshToken == first.RefreshToken || second.AccessToken == "" {
		t.Fatal("refresh did not rotate the tokens")
	}
	c, err := s.Verify(context.Background(), second.AccessToken)
	if err != nil || c.Subject != "alice" || c.Tenant != "@x" || c.Scope != "read" {
		t.Fatalf("refreshed claims %+v, %v", c, err)
	}
	if _, err := signer.Refresh(context.Background(), first.RefreshToken); !errors.Is(err, customs.ErrInvalidCredentials) {
		t.Errorf("reused refresh token: %v", err)
	}
	if _, err := signer.Refresh(context.Background(), second.AccessToken); !errors.Is(err, customs.ErrInvalidCredentials) {
		t.Errorf("access token used as refresh token: %v", err)
	}
	clock.Advance(jwt.DefaultRefreshTTL)
	if _, err := signer.Refresh(context.Background(), second.RefreshToken); !errors.Is(err, customs.ErrInvalidCredentials) {
		t.Errorf("expired refresh token: %v", err)
	}
	if checked.Load() != 1 {
		t.Errorf("refresh check ran %d times, want 1", checked.Load())
	}
	disabled, _ := signer.Issue(context.Background(), jwt.Grant{Subject: "disabled"})
	if _, err := signer.Refresh(context.Background(), disabled.RefreshToken); !errors.Is(err, customs.ErrInvalidCredentials) {
		t.Errorf("refresh check ignored: %v", err)
	}
}

func TestRefreshConcurrentReuse(t *testing.T) {
	t.Parallel()
	signer := newTestSigner(t, newFakeClock())
	tok, err := signer.Issue(context.Background(), jwt.Grant{Subject: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := signer.Refresh(context.Background(), tok.RefreshToken); err == nil {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d refreshes succeeded with one token, want 1", wins.Load())
	}
}

func TestRevokeLogoutRespectedByCache(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	store, err := jwt.NewMemoryRevocations(jwt.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	signer := newTestSigner(t, clock, jwt.WithRevocations(store))
	var calls int64Counter
	s := newStrategy(t, &calls, jwt.WithSignerKeys(signer), jwt.WithClock(clock.Now), jwt.WithRevocations(store))
	h := newHarness(t, protect(t, customs.Protect("test.v1.Echo", "jwt"), nil, s))
	tok, _ := signer.Issue(context.Background(), jwt.Grant{Subject: "alice"})
	for range 3 {
		if got := h.grpcUnary(context.Background(), bearer(tok.AccessToken)); got.code != codes.OK {
			t.Fatalf("before logout: %v", got.code)
		}
	}
	if calls.get() != 1 {
		t.Fatalf("user func ran %d times for one cached token, want 1", calls.get())
	}
	if err := signer.Revoke(context.Background(), tok.AccessToken); err != nil {
		t.Fatal(err)
	}
	for stack, got := range h.both(context.Background(), bearer(tok.AccessToken)) {
		if got.code != codes.Unauthenticated {
			t.Errorf("%s: revoked token: %v", stack, got.code)
		}
	}
	if err := signer.Revoke(context.Background(), tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := signer.Refresh(context.Background(), tok.RefreshToken); err == nil {
		t.Error("revoked refresh token exchanged")
	}
	if err := signer.Revoke(context.Background(), tok.AccessToken); err != nil {
		t.Errorf("second revoke: %v", err)
	}
}

func TestRotationAndJWKSHandler(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	signer := newTestSigner(t, clock)
	hs := httptest.NewServer(signer.JWKSHandler())
	t.Cleanup(hs.Close)
	remote := newStrategy(t, nil, jwt.WithJWKS(hs.URL), jwt.WithClock(clock.Now), jwt.WithoutCache())
	local := newStrategy(t, nil, jwt.WithSignerKeys(signer), jwt.WithClock(clock.Now))
	old, _ := signer.Issue(context.Background(), jwt.Grant{Subject: "alice"})
	for name, s := range map[string]*jwt.Strategy[testClaims, *testUser]{"remote": remote, "local": local} {
		if _, err := s.Verify(context.Background(), old.AccessToken); err != nil {
			t.Fatalf("%s before rotation: %v", name, err)
		}
	}
	next, err := jwt.GenerateSigningKey("signer-2", "EdDSA")
	if err != nil {
		t.Fatal(err)
	}
	if err := signer.Rotate(next); err != nil {
		t.Fatal(err)
	}
	clock.Advance(6 * time.Minute) // past the unknown-kid refresh interval
	fresh, _ := signer.Issue(context.Background(), jwt.Grant{Subject: "bob"})
	if kid := headerOf(t, fresh.AccessToken)["kid"]; kid != "signer-2" {
		t.Fatalf("new token kid %v", kid)
	}
	for name, s := range map[string]*jwt.Strategy[testClaims, *testUser]{"remote": remote, "local": local} {
		if _, err := s.Verify(context.Background(), fresh.AccessToken); err != nil {
			t.Errorf("%s: token of the new key: %v", name, err)
		}
		if _, err := s.Verify(context.Background(), old.AccessToken); err != nil {
			t.Errorf("%s: token of the previous key: %v", name, err)
		}
	}
	if n := len(signer.PublicKeys()); n != 2 {
		t.Errorf("%d public keys after rotation, want 2", n)
	}
	clock.Advance(jwt.DefaultRefreshTTL + jwt.MaxLeeway)
	if n := len(signer.PublicKeys()); n != 1 {
		t.Errorf("%d public keys after the old key's tokens expired, want 1", n)
	}
}

func TestJWKSHandlerNeverPublishesSecrets(t *testing.T) {
	t.Parallel()
	key, err := jwt.GenerateSigningKey("hs", "HS256")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jwt.NewSigner(key, jwt.WithIssuer(testIssuer))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	signer.JWKSHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/jwks", nil))
	var set struct{ Keys []map[string]any }
	if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil || len(set.Keys) != 0 {
		t.Errorf("published %s, %v", rec.Body, err)
	}
	rec = httptest.NewRecorder()
	signer.JWKSHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/jwks", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}

func headerOf(tb testing.TB, token string) map[string]any {
	tb.Helper()
	raw, err := decodeSeg(strings.Split(token, ".")[0])
	if err != nil {
		tb.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		tb.Fatal(err)
	}
	return h
}
