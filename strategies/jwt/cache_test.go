package jwt_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/strategies/jwt"
)

func TestCacheSkipsVerificationOfReusedToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      []jwt.Option
		wantCalls int64
	}{
		{"cache", nil, 1},
		{"without_cache", []jwt.Option{jwt.WithoutCache()}, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			signer := newTestSigner(t, clock)
			var calls int64Counter
			s := newStrategy(t, &calls, append([]jwt.Option{jwt.WithSignerKeys(signer), jwt.WithClock(clock.Now)}, tc.opts...)...)
			h := newHarness(t, protect(t, customs.Protect("test.v1.Echo", "jwt"), nil, s))
			tok, _ := signer.Issue(context.Background(), jwt.Grant{Subject: "alice"})
			for range 2 {
				for stack, got := range h.both(context.Background(), bearer(tok.AccessToken)) {
					if got.code != codes.OK || got.body != "alice" {
						t.Fatalf("%s: %v %q", stack, got.code, got.body)
					}
				}
			}
			if calls.get() != tc.wantCalls {
				t.Errorf("token verified %d times, want %d", calls.get(), tc.wantCalls)
			}
		})
	}
}

func TestCacheExpiresWithToken(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	signer := newTestSigner(t, clock)
	var calls int64Counter
	s := newStrategy(t, &calls, jwt.WithSignerKeys(signer), jwt.WithClock(clock.Now))
	h := newHarness(t, protect(t, customs.Protect("test.v1.Echo", "jwt"), nil, s))
	tok, _ := signer.Issue(context.Background(), jwt.Grant{Subject: "alice"})
	h.grpcUnary(context.Background(), bearer(tok.AccessToken))
	clock.Advance(jwt.DefaultAccessTTL - time.Second)
	h.grpcUnary(context.Background(), bearer(tok.AccessToken))
	if calls.get() != 1 {
		t.Fatalf("%d verifications before exp, want 1", calls.get())
	}
	clock.Advance(30 * time.Second) // past exp, within the leeway
	if got := h.grpcUnary(context.Background(), bearer(tok.AccessToken)); got.code != codes.OK || calls.get() != 2 {
		t.Errorf("within leeway: %v after %d verifications, want OK after 2", got.code, calls.get())
	}
	clock.Advance(time.Minute)
	if got := h.grpcUnary(context.Background(), bearer(tok.AccessToken)); got.code != codes.Unauthenticated {
		t.Errorf("past leeway: %v", got.code)
	}
}

func TestCacheRedoneAfterKeyRotation(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	signer := newTestSigner(t, clock)
	var calls int64Counter
	s := newStrategy(t, &calls, jwt.WithSignerKeys(signer), jwt.WithClock(clock.Now))
	h := newHarness(t, protect(t, customs.Protect("test.v1.Echo", "jwt"), nil, s))
	tok, _ := signer.Issue(context.Background(), jwt.Grant{Subject: "alice"})
	h.grpcUnary(context.Background(), bearer(tok.AccessToken))
	next, _ := jwt.GenerateSigningKey("signer-2", "EdDSA")
	if err := signer.Rotate(next); err != nil {
		t.Fatal(err)
	}
	if got := h.grpcUnary(context.Background(), bearer(tok.AccessToken)); got.code != codes.OK || calls.get() != 2 {
		t.Errorf("after rotation: %v after %d verifications, want OK after 2", got.code, calls.get())
	}
}

func TestExtractors(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	signer := newTestSigner(t, clock)
	tok, _ := signer.Issue(context.Background(), jwt.Grant{Subject: "alice"})
	tests := []struct {
		name   string
		from   []jwt.Extractor
		header map[string][]string
		want   codes.Code
	}{
		{"metadata_ignored_by_default", nil, map[string][]string{"X-Token": {tok.AccessToken}}, codes.Unauthenticated},
		{"metadata_opt_in", []jwt.Extractor{jwt.FromMetadata("x-token")}, map[string][]string{"X-Token": {tok.AccessToken}}, codes.OK},
		{"metadata_twice", []jwt.Extractor{jwt.FromMetadata("x-token")}, map[string][]string{"X-Token": {tok.AccessToken, tok.AccessToken}}, codes.Unauthenticated},
		{"cookie_ignored_by_default", nil, map[string][]string{"Cookie": {"at=" + tok.AccessToken}}, codes.Unauthenticated},
		{"cookie_opt_in", []jwt.Extractor{jwt.FromCookie("at")}, map[string][]string{"Cookie": {"theme=dark; at=" + tok.AccessToken}}, codes.OK},
		{"cookie_twice", []jwt.Extractor{jwt.FromCookie("at")}, map[string][]string{"Cookie": {"at=" + tok.AccessToken + "; at=x"}}, codes.Unauthenticated},
		{"header_then_cookie", []jwt.Extractor{jwt.FromAuthorization(), jwt.FromCookie("at")},
			map[string][]string{"Authorization": {"Basic eDp5"}, "Cookie": {"at=" + tok.AccessToken}}, codes.OK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := []jwt.Option{jwt.WithSignerKeys(signer), jwt.WithClock(clock.Now)}
			if tc.from != nil {
				opts = append(opts, jwt.WithTokenFrom(tc.from...))
			}
			s := newStrategy(t, nil, opts...)
			id, err := s.Authenticate(context.Background(), customs.NewCall(echoProc, tc.header, nil))
			if code := customs.GRPCCode(err); code != tc.want {
				t.Fatalf("got %v (%v), want %v", code, err, tc.want)
			}
			if err == nil && id.User.(*testUser).Name != "alice" {
				t.Errorf("user %v", id.User)
			}
		})
	}
}
