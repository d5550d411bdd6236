package jwt_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/strategies/jwt"
)

// FuzzParseToken feeds arbitrary tokens to the whole verification path. It
// must never panic, and must accept nothing but tokens signed by the keys.
func FuzzParseToken(f *testing.F) {
	k := keys(f)
	clock := newFakeClock()
	s := newStrategy(f, nil, jwt.WithKeys(verifyKeys(f, k)...), jwt.WithClock(clock.Now), jwt.WithPlainJWT())
	valid := mint(f, "ES256", k.ec, map[string]any{"kid": "es"}, claimsAt(clock.Now()))
	for _, seed := range []string{
		valid, valid + ".", "", ".", "..", "a.b.c", "eyJhbGciOiJub25lIn0.e30.",
		mint(f, "HS256", k.secret, map[string]any{"kid": "hs"}, claimsAt(clock.Now())),
		segment(`{"alg":"ES256","kid":"es","crit":null}`) + ".e30.AA",
		segment(`{"alg":"HS256","kid":"hs"}`) + "." + segment(`{"exp":1e400,"aud":[1]}`) + ".AA",
		segment(`{"alg":"HS256","kid":"hs"}`) + "." + segment(`null`) + ".AA",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := s.Verify(context.Background(), token)
		if err == nil && token != valid && c.Subject == "" {
			t.Errorf("accepted a token without subject")
		}
		if err != nil && !errors.Is(err, customs.ErrInvalidCredentials) && !errors.Is(err, customs.ErrMalformedCredentials) {
			t.Errorf("unexpected error class: %v", err)
		}
	})
}

// FuzzParseJWKS feeds arbitrary key sets and keys to the parsers. They must
// never panic, and every key they return must be usable.
func FuzzParseJWKS(f *testing.F) {
	signer := newTestSigner(f, newFakeClock())
	for _, seed := range []string{
		`{"keys":[]}`, `{"keys":null}`, `[]`, `{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`,
		`{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`,
		`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`,
		`{"keys":[{"kty":"oct","k":"AAAA","alg":"HS256"}]}`,
		`{"keys":[{"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"}]}`,
	} {
		f.Add([]byte(seed))
	}
	rec := httptest.NewRecorder()
	signer.JWKSHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	f.Add(rec.Body.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := jwt.ParseJWKS(data, 8)
		if err == nil && len(keys) == 0 {
			t.Error("no keys and no error")
		}
		for _, k := range keys {
			if k.Algorithm() == "" || k.PublicKey() == nil {
				t.Errorf("unusable key %v", k)
			}
		}
		if k, err := jwt.ParseJWK(data); err == nil && k.Algorithm() == "" {
			t.Errorf("key without algorithm")
		}
	})
}
