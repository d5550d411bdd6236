package jwt

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/customs-go/customs"
)

// Limits on the parts of a token, checked before any decoding.
const (
	maxHeaderSize    = 4 << 10 // encoded header, bytes
	maxSignatureSize = 1400    // encoded signature: an 8192-bit RSA signature
)

// RefreshTokenType is the typ header of the refresh tokens a [Signer]
// issues. A [Strategy] never accepts it.
const RefreshTokenType = "refresh+jwt"

// header is the part of a JOSE header this package reads. Key material in
// the header (jwk, jku, x5u, x5c) is never read: keys come from the
// configuration only.
type header struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Typ  string          `json:"typ"`
	Crit json.RawMessage `json:"crit"`
}

// rawToken is a token split and bounded, with its header decoded. Its
// payload stays encoded until the signature is verified.
type rawToken struct {
	signed    string // header.payload, the JWS signing input
	payload   string
	signature string
	header    header
}

// parseToken checks the shape of a compact JWS: its size, three non-empty
// segments of base64url without padding, and a JSON header object. Errors
// wrap customs.ErrMalformedCredentials and never quote the token.
func parseToken(token string, maxSize int) (rawToken, error) {
	var t rawToken
	if len(token) > maxSize {
		return t, malformed("token too long")
	}
	dot1, dot2 := -1, -1
	for i := 0; i < len(token); i++ {
		c := token[i]
		switch {
		case c == '.' && dot1 < 0:
			dot1 = i
		case c == '.' && dot2 < 0:
			dot2 = i
		case c == '.':
			return t, malformed("token has more than three segments")
		case !isBase64URL(c):
			return t, malformed("token is not base64url")
		}
	}
	switch {
	case dot2 < 0:
		return t, malformed("token has fewer than three segments")
	case dot1 == 0 || dot2 == dot1+1 || dot2 == len(token)-1:
		return t, malformed("token has an empty segment")
	case dot1 > maxHeaderSize:
		return t, malformed("token header too long")
	case len(token)-dot2-1 > maxSignatureSize:
		return t, malformed("token signature too long")
	}
	t.signed, t.payload, t.signature = token[:dot2], token[dot1+1:dot2], token[dot2+1:]
	raw, err := decodeSegment(token[:dot1])
	if err != nil {
		return t, malformed("token header is not base64url")
	}
	if err := json.Unmarshal(raw, &t.header); err != nil {
		return t, malformed("token header is not a JSON object")
	}
	return t, nil
}

func isBase64URL(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// decodeSegment decodes canonical unpadded base64url.
func decodeSegment(s string) ([]byte, error) {
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

// verifier checks tokens: shape, header, signature, then claims.
type verifier struct {
	keys    keySource
	clock   func() time.Time
	rules   claimRules
	types   []string // accepted typ values, "" for none
	maxSize int
	revoked RevocationStore
}

// checkHeader applies the header rules: a supported alg, an accepted typ,
// no crit, a bounded kid.
func (v *verifier) checkHeader(h *header) error {
	if _, ok := algorithms[h.Alg]; !ok {
		return invalid("token algorithm not accepted")
	}
	if h.Crit != nil {
		return invalid("token has critical header parameters")
	}
	if len(h.Kid) > MaxKeyIDSize {
		return malformed("token kid too long")
	}
	for _, typ := range v.types {
		if strings.EqualFold(h.Typ, typ) {
			return nil
		}
	}
	return invalid("token type not accepted")
}

// verifySignature finds the token's key and checks the signature. It
// returns the key set the key belongs to.
func (v *verifier) verifySignature(ctx context.Context, t *rawToken) (*keySet, error) {
	key, set, err := v.keys.find(ctx, t.header.Kid, t.header.Alg)
	if err != nil {
		return nil, err
	}
	sig, err := decodeSegment(t.signature)
	if err != nil {
		return nil, malformed("token signature is not base64url")
	}
	if err := key.method.Verify(t.signed, sig, key.material); err != nil {
		return nil, invalid("bad token signature")
	}
	return set, nil
}

// verified is the outcome of a successful verification.
type verified[C ClaimSet] struct {
	claims  C
	base    Claims
	payload []byte
	set     *keySet
}

// verifyToken verifies token at now and decodes its claims into a C. The
// claims are decoded only after the signature checks out, so an expired
// token with a bad signature is reported as badly signed.
func verifyToken[C ClaimSet](ctx context.Context, v *verifier, token string, now time.Time) (verified[C], error) {
	var out verified[C]
	t, err := parseToken(token, v.maxSize)
	if err != nil {
		return out, err
	}
	if err := v.checkHeader(&t.header); err != nil {
		return out, err
	}
	if out.set, err = v.verifySignature(ctx, &t); err != nil {
		return out, err
	}
	if out.payload, err = decodeSegment(t.payload); err != nil {
		return out, malformed("token payload is not base64url")
	}
	if len(out.payload) == 0 || out.payload[0] != '{' {
		return out, invalid("token claims are not a JSON object")
	}
	if err := json.Unmarshal(out.payload, &out.claims); err != nil {
		return out, invalid("token claims are not a valid JSON object")
	}
	out.base = out.claims.base()
	if err := v.rules.check(&out.base, now); err != nil {
		return out, err
	}
	return out, v.checkRevoked(ctx, out.base.ID)
}

// checkRevoked consults the revocation store, if any.
func (v *verifier) checkRevoked(ctx context.Context, jti string) error {
	if v.revoked == nil || jti == "" {
		return nil
	}
	revoked, err := v.revoked.Revoked(ctx, jti)
	switch {
	case err != nil:
		return unavailable("revocation store", err)
	case revoked:
		return fmt.Errorf("jwt: %w: %w", errRevoked, customs.ErrInvalidCredentials)
	}
	return nil
}
