package jwt_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"testing"
	"time"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/strategies/jwt"
)

func TestKeyConfigErrors(t *testing.T) {
	t.Parallel()
	k := keys(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		make func() error
	}{
		{"hmac_secret_31_bytes", func() error { _, err := jwt.SecretKey("", "HS256", make([]byte, 31)); return err }},
		{"hs512_secret_32_bytes", func() error { _, err := jwt.SecretKey("", "HS512", make([]byte, 32)); return err }},
		{"alg_none", func() error { _, err := jwt.SecretKey("", "none", make([]byte, 64)); return err }},
		{"secret_for_rs256", func() error { _, err := jwt.SecretKey("", "RS256", make([]byte, 64)); return err }},
		{"rsa_1024", func() error { _, err := jwt.PublicKey("", "RS256", &small.PublicKey); return err }},
		{"rsa_for_es256", func() error { _, err := jwt.PublicKey("", "ES256", &k.rsa.PublicKey); return err }},
		{"p384_for_es256", func() error { _, err := jwt.PublicKey("", "ES256", &p384.PublicKey); return err }},
		{"ed25519_for_hs256", func() error { _, err := jwt.PublicKey("", "HS256", k.ed.Public()); return err }},
		{"long_kid", func() error { _, err := jwt.PublicKey(string(make([]byte, 200)), "EdDSA", k.ed.Public()); return err }},
		{"pem_garbage", func() error { _, err := jwt.ParsePublicKeyPEM("", "RS256", []byte("nope")); return err }},
		{"signing_key_without_kid", func() error { _, err := jwt.NewSigningKey("", "EdDSA", k.ed); return err }},
		{"signing_key_wrong_type", func() error { _, err := jwt.NewSigningKey("a", "EdDSA", "secret"); return err }},
		{"jwk_oct_without_alg", func() error { _, err := jwt.ParseJWK([]byte(`{"kty":"oct","k":"c2VjcmV0"}`)); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := tc.make(); !errors.Is(err, customs.ErrConfig) {
				t.Errorf("got %v, want ErrConfig", err)
			}
		})
	}
}

func TestStrategyConfigErrors(t *testing.T) {
	t.Parallel()
	k := keys(t)
	static := jwt.WithKeys(verifyKeys(t, k)...)
	signer := newTestSigner(t, newFakeClock())
	user := func(context.Context, jwt.Claims) (string, error) { return "u", nil }
	tests := []struct {
		name string
		opts []jwt.Option
	}{
		{"no_keys", nil},
		{"two_key_sources", []jwt.Option{static, jwt.WithSignerKeys(signer)}},
		{"zero_key", []jwt.Option{jwt.WithKeys(jwt.Key{})}},
		{"duplicate_key", []jwt.Option{static, static}},
		{"leeway_above_cap", []jwt.Option{static, jwt.WithLeeway(jwt.MaxLeeway + time.Second)}},
		{"negative_leeway", []jwt.Option{static, jwt.WithLeeway(-time.Second)}},
		{"token_size_above_cap", []jwt.Option{static, jwt.WithMaxTokenSize(jwt.MaxTokenSize + 1)}},
		{"refresh_type_accepted", []jwt.Option{static, jwt.WithTokenTypes("at+jwt", "REFRESH+JWT")}},
		{"no_type", []jwt.Option{static, jwt.WithTokenTypes()}},
		{"bad_realm", []jwt.Option{static, jwt.WithRealm(`a"b`)}},
		{"signer_option", []jwt.Option{static, jwt.WithAccessTTL(time.Minute)}},
		{"nil_option", []jwt.Option{static, nil}},
		{"nil_extractor", []jwt.Option{static, jwt.WithTokenFrom(nil)}},
		{"empty_audience", []jwt.Option{static, jwt.WithAudience("")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := jwt.New(user, tc.opts...); !errors.Is(err, customs.ErrConfig) {
				t.Errorf("got %v, want ErrConfig", err)
			}
		})
	}
	if _, err := jwt.New[jwt.Claims, string](nil, static); !errors.Is(err, customs.ErrConfig) {
		t.Errorf("nil user func: %v", err)
	}
}

func TestSignerConfigErrors(t *testing.T) {
	t.Parallel()
	key, err := jwt.NewSigningKey("a", "EdDSA", keys(t).ed)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		key  jwt.SigningKey
		opts []jwt.Option
	}{
		{"no_issuer", key, nil},
		{"zero_key", jwt.SigningKey{}, []jwt.Option{jwt.WithIssuer("i")}},
		{"refresh_not_longer", key, []jwt.Option{jwt.WithIssuer("i"), jwt.WithRefreshTTL(jwt.DefaultAccessTTL)}},
		{"zero_access_ttl", key, []jwt.Option{jwt.WithIssuer("i"), jwt.WithAccessTTL(0)}},
		{"strategy_option", key, []jwt.Option{jwt.WithIssuer("i"), jwt.WithLeeway(time.Second)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := jwt.NewSigner(tc.key, tc.opts...); !errors.Is(err, customs.ErrConfig) {
				t.Errorf("got %v, want ErrConfig", err)
			}
		})
	}
}

func TestKeysNeverShowMaterial(t *testing.T) {
	t.Parallel()
	secret := []byte("0123456789abcdef0123456789abcdef-very-secret")
	sk, err := jwt.NewSigningKey("kid", "HS256", secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{sk.String(), sk.Public().String(), sk.LogValue().String()} {
		if contains(s, "very-secret") {
			t.Errorf("%q shows the secret", s)
		}
	}
	if sk.Public().PublicKey() != nil {
		t.Error("an HMAC key has a public key")
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
