package jwt_test

import (
	"context"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc/codes"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/strategies/jwt"
)

// eventLog keeps the refusal causes an operator would see.
type eventLog struct {
	mu   sync.Mutex
	errs []string
}

func (l *eventLog) hook(_ context.Context, ev customs.Event) {
	if ev.Err != nil {
		l.mu.Lock()
		l.errs = append(l.errs, ev.Err.Error())
		l.mu.Unlock()
	}
}

func (l *eventLog) contains(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.errs {
		if strings.Contains(e, s) {
			return true
		}
	}
	return false
}

// tamper returns token with the payload of other: a valid header and
// signature over different claims.
func tamper(token, other string) string {
	p := strings.Split(token, ".")
	q := strings.Split(other, ".")
	return p[0] + "." + q[1] + "." + p[2]
}

func segment(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestVerificationOnRealServers(t *testing.T) {
	t.Parallel()
	k := keys(t)
	clock := newFakeClock()
	now := clock.Now()
	ok := func(mod func(gjwt.MapClaims)) gjwt.MapClaims {
		c := claimsAt(now)
		if mod != nil {
			mod(c)
		}
		return c
	}
	es := func(hdr map[string]any, claims gjwt.MapClaims) string {
		if hdr == nil {
			hdr = map[string]any{}
		}
		if _, set := hdr["kid"]; !set {
			hdr["kid"] = "es"
		}
		return mint(t, "ES256", k.ec, hdr, claims)
	}
	valid := es(nil, ok(nil))
	expired := ok(func(c gjwt.MapClaims) { c["exp"] = now.Add(-2 * time.Minute).Unix() })
	rsaPEMish := x509PublicBytes(t, &k.rsa.PublicKey)
	store, err := jwt.NewMemoryRevocations(jwt.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Revoke(context.Background(), "revoked-jti", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	signer := newTestSigner(t, clock)
	tokens, err := signer.Issue(context.Background(), jwt.Grant{Subject: "alice", Scopes: []string{"read"}})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		auth      string
		opts      []jwt.Option
		rule      *customs.Rule
		want      codes.Code
		body      string
		challenge string // in a www-authenticate value
		detail    string // in the operator's cause
	}{
		{name: "valid_es256", auth: bearer(valid), want: codes.OK, body: "alice"},
		{name: "valid_hs256", auth: bearer(mint(t, "HS256", k.secret, map[string]any{"kid": "hs"}, ok(nil))), want: codes.OK, body: "alice"},
		{name: "valid_rs256", auth: bearer(mint(t, "RS256", k.rsa, map[string]any{"kid": "rs"}, ok(nil))), want: codes.OK, body: "alice"},
		{name: "valid_ps256", auth: bearer(mint(t, "PS256", k.rsa, map[string]any{"kid": "ps"}, ok(nil))), want: codes.OK, body: "alice"},
		{name: "valid_eddsa", auth: bearer(mint(t, "EdDSA", k.ed, map[string]any{"kid": "ed"}, ok(nil))), want: codes.OK, body: "alice"},
		{name: "custom_claims", auth: bearer(es(nil, ok(func(c gjwt.MapClaims) { c["tenant"] = "@acme" }))), want: codes.OK, body: "alice@acme"},
		{name: "no_token", want: codes.Unauthenticated, challenge: `Bearer realm="test"`},
		{name: "basic_scheme_passes", auth: "Basic YWxpY2U6cHc=", want: codes.Unauthenticated, detail: "no credentials"},
		{name: "lowercase_bearer", auth: "bearer " + valid, want: codes.OK, body: "alice"},
		{name: "callback_refuses", auth: bearer(es(nil, ok(func(c gjwt.MapClaims) { c["sub"] = "mallory" }))), want: codes.Unauthenticated},
		{name: "alg_none", auth: bearer(mint(t, "none", gjwt.UnsafeAllowNoneSignatureType, map[string]any{"kid": "es"}, ok(nil))),
			want: codes.Unauthenticated, detail: "malformed"},
		{name: "alg_none_forged_signature", auth: bearer(segment(`{"alg":"none","kid":"es","typ":"at+jwt"}`) + "." + strings.Split(valid, ".")[1] + "." + strings.Split(valid, ".")[2]),
			want: codes.Unauthenticated, challenge: `error="invalid_token"`, detail: "algorithm not accepted"},
		{name: "hs256_with_rsa_public_key_as_secret", auth: bearer(mint(t, "HS256", rsaPEMish, map[string]any{"kid": "rs"}, ok(nil))),
			want: codes.Unauthenticated, detail: "algorithm does not match"},
		{name: "alg_of_another_family_for_kid", auth: bearer(mint(t, "RS256", k.rsa, map[string]any{"kid": "es"}, ok(nil))),
			want: codes.Unauthenticated, detail: "algorithm does not match"},
		{name: "rs256_token_for_ps256_key", auth: bearer(mint(t, "RS256", k.rsa, map[string]any{"kid": "ps"}, ok(nil))),
			want: codes.Unauthenticated, detail: "algorithm does not match"},
		{name: "wrong_key", auth: bearer(mint(t, "ES256", k.attackerEC, map[string]any{"kid": "es"}, ok(nil))),
			want: codes.Unauthenticated, challenge: `error="invalid_token"`, detail: "bad token signature"},
		{name: "tampered_claims", auth: bearer(tamper(valid, es(nil, ok(func(c gjwt.MapClaims) { c["sub"] = "root" })))),
			want: codes.Unauthenticated, detail: "bad token signature"},
		{name: "embedded_jwk_ignored", auth: bearer(mint(t, "ES256", k.attackerEC, map[string]any{"kid": "evil",
			"jwk": map[string]any{"kty": "EC", "crv": "P-256"}, "jku": "https://evil.test/jwks", "x5u": "https://evil.test/c"}, ok(nil))),
			want: codes.Unauthenticated, detail: "unknown key"},
		{name: "unknown_kid", auth: bearer(mint(t, "ES256", k.ec, map[string]any{"kid": "nope"}, ok(nil))),
			want: codes.Unauthenticated, detail: "unknown key"},
		{name: "no_kid_single_key_of_alg", auth: bearer(mint(t, "ES256", k.ec, map[string]any{"kid": nil}, ok(nil))),
			want: codes.OK, body: "alice"}, // one ES256 key: it is chosen
		{name: "expired", auth: bearer(es(nil, expired)), want: codes.Unauthenticated, detail: "token expired"},
		{name: "expired_and_badly_signed", auth: bearer(mint(t, "ES256", k.attackerEC, map[string]any{"kid": "es"}, expired)),
			want: codes.Unauthenticated, detail: "bad token signature"},
		{name: "expired_within_leeway", auth: bearer(es(nil, ok(func(c gjwt.MapClaims) { c["exp"] = now.Add(-30 * time.Second).Unix() }))),
			want: codes.OK, body: "alice"},
		{name: "expired_without_leeway", auth: bearer(es(nil, ok(func(c gjwt.MapClaims) { c["exp"] = now.Add(-30 * time.Second).Unix() }))),
			opts: []jwt.Option{jwt.WithLeeway(0)}, want: codes.Unauthenticated, detail: "token expired"},
		{name: "no_exp", auth: bearer(es(nil, ok(func(c gjwt.MapClaims) { delete(c, "exp") }))), want: codes.Unauthenticated, detail: "without exp"},
		{name: "nbf_future", auth: bearer(es(nil, ok(func(c gjwt.MapClaims) { c["nbf"] = now.Add(5 * time.Minute).Unix() }))),
			want: codes.Unauthenticated, detail: "not valid yet"},
		{name: "iat_future", auth: bearer(es(nil, ok(func(c gjwt.MapClaims) { c["iat"] = now.Add(5 * time.Minute).Unix() }))),
			want: codes.Unauthenticated, detail: "issued in the future"},
		{name: "wrong_issuer", auth: bearer(es(nil, ok(func(c gjwt.MapClaims) { c["iss"] = "https://evil.test" }))),
			want: codes.Unauthenticated, detail: "another issuer"},
		{name: "wrong_audience", auth: bearer(es(nil, ok(func(c gjwt.MapClaims) { c["aud"] = []string{"other"} }))),
			want: codes.Unauthenticated, detail: "another audience"},
		{name: "one_of_several_audiences", auth: bearer(es(nil, ok(func(c gjwt.MapClaims) { c["aud"] = []string{"other", "second"} }))),
			opts: []jwt.Option{jwt.WithAudience("second")}, want: codes.OK, body: "alice"},
		{name: "lifetime_too_long", auth: bearer(valid), opts: []jwt.Option{jwt.WithMaxLifetime(5 * time.Minute)},
			want: codes.Unauthenticated, detail: "lifetime too long"},
		{name: "lifetime_within_max", auth: bearer(valid), opts: []jwt.Option{jwt.WithMaxLifetime(time.Hour)}, want: codes.OK, body: "alice"},
		{name: "typ_jwt_refused", auth: bearer(es(map[string]any{"typ": "JWT"}, ok(nil))), want: codes.Unauthenticated, detail: "type not accepted"},
		{name: "typ_missing_refused", auth: bearer(es(map[string]any{"typ": nil}, ok(nil))), want: codes.Unauthenticated, detail: "type not accepted"},
		{name: "typ_jwt_with_plain", auth: bearer(es(map[string]any{"typ": "JWT"}, ok(nil))), opts: []jwt.Option{jwt.WithPlainJWT()}, want: codes.OK, body: "alice"},
		{name: "typ_application_at_jwt", auth: bearer(es(map[string]any{"typ": "application/at+jwt"}, ok(nil))), want: codes.OK, body: "alice"},
		{name: "refresh_token_refused", auth: bearer(tokens.RefreshToken), opts: []jwt.Option{jwt.WithPlainJWT()},
			want: codes.Unauthenticated, detail: "type not accepted"},
		{name: "crit_header", auth: bearer(es(map[string]any{"crit": []string{"exp"}, "exp": 1}, ok(nil))),
			want: codes.Unauthenticated, detail: "critical header"},
		{name: "revoked", auth: bearer(es(nil, ok(func(c gjwt.MapClaims) { c["jti"] = "revoked-jti" }))),
			opts: []jwt.Option{jwt.WithRevocations(store)}, want: codes.Unauthenticated, detail: "revoked"},
		{name: "too_long", auth: bearer(es(nil, ok(func(c gjwt.MapClaims) { c["pad"] = strings.Repeat("x", 1500) }))),
			opts: []jwt.Option{jwt.WithMaxTokenSize(1024)}, want: codes.Unauthenticated, detail: "too long"},
		{name: "four_segments", auth: bearer(valid + ".x"), want: codes.Unauthenticated, detail: "more than three segments"},
		{name: "two_segments", auth: bearer(valid[:strings.LastIndexByte(valid, '.')]), want: codes.Unauthenticated, detail: "fewer than three"},
		{name: "bad_alphabet", auth: bearer(strings.Replace(valid, ".", "+.", 1)), want: codes.Unauthenticated, detail: "not base64url"},
		{name: "padded_segment", auth: bearer(strings.Replace(valid, ".", "=.", 1)), want: codes.Unauthenticated, detail: "malformed"},
		{name: "kid_too_long", auth: bearer(es(map[string]any{"kid": strings.Repeat("k", 200)}, ok(nil))), want: codes.Unauthenticated, detail: "kid too long"},
		{name: "header_not_json", auth: bearer(segment("not json") + "." + strings.SplitN(valid, ".", 2)[1]), want: codes.Unauthenticated, detail: "not a JSON object"},
		{name: "scope_required_missing", auth: bearer(valid), rule: ptr(customs.Protect("test.v1.Echo", "jwt").RequireScopes("read")),
			want: codes.PermissionDenied, challenge: `Bearer realm="test", error="insufficient_scope", scope="read"`},
		{name: "scope_required_present", auth: bearer(es(nil, ok(func(c gjwt.MapClaims) { c["scope"] = "write read" }))),
			rule: ptr(customs.Protect("test.v1.Echo", "jwt").RequireScopes("read")), want: codes.OK, body: "alice"},
		{name: "scp_array", auth: bearer(es(nil, ok(func(c gjwt.MapClaims) { c["scp"] = []string{"read"} }))),
			rule: ptr(customs.Protect("test.v1.Echo", "jwt").RequireScopes("read")), want: codes.OK, body: "alice"},
		{name: "foreign_signer_refused", auth: bearer(tokens.AccessToken),
			want: codes.Unauthenticated, detail: "unknown key"}, // signed by the signer's key, which this strategy does not trust
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := append([]jwt.Option{jwt.WithKeys(verifyKeys(t, k)...), jwt.WithClock(clock.Now)}, tc.opts...)
			s := newStrategy(t, nil, opts...)
			rule := customs.Protect("test.v1.Echo", "jwt")
			if tc.rule != nil {
				rule = *tc.rule
			}
			var log eventLog
			h := newHarness(t, protect(t, rule, []customs.Option{customs.WithEventHook(log.hook)}, s))
			for stack, got := range h.both(context.Background(), tc.auth) {
				if got.code != tc.want || got.body != tc.body {
					t.Errorf("%s: got %v %q, want %v %q", stack, got.code, got.body, tc.want, tc.body)
				}
				if tc.challenge != "" && !hasChallenge(got.challenges, tc.challenge) {
					t.Errorf("%s: challenges %q lack %q", stack, got.challenges, tc.challenge)
				}
				if tc.want == codes.Unauthenticated && !hasChallenge(got.challenges, `Bearer realm="test"`) {
					t.Errorf("%s: challenges %q lack the Bearer challenge", stack, got.challenges)
				}
			}
			if tc.detail != "" && !log.contains(tc.detail) {
				t.Errorf("operator detail %q lacks %q", log.errs, tc.detail)
			}
			for _, e := range log.errs {
				if tc.auth != "" && strings.Contains(e, strings.TrimPrefix(tc.auth, "Bearer ")) {
					t.Errorf("operator detail contains the token")
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func decodeSeg(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
