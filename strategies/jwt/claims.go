package jwt

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/customs-go/customs"
	gjwt "github.com/golang-jwt/jwt/v5"
)

// Claims are the claims this package reads and writes: the registered
// claims of RFC 7519 and the scopes of RFC 9068 (scope, a space-separated
// string) and of common issuers (scp, a string or an array). Embed it in
// the application's own claims type:
//
//	type AppClaims struct {
//		jwt.Claims
//		Tenant string `json:"tenant"`
//	}
type Claims struct {
	gjwt.RegisteredClaims
	// Scope is the space-separated scope claim.
	Scope string `json:"scope,omitempty"`
	// Scp is the scp claim some issuers send instead.
	Scp ScopeList `json:"scp,omitempty"`
}

// ClaimSet is the constraint of the claims type a [Strategy] decodes: a
// struct that embeds [Claims] (or Claims itself). Claims of an unverified
// token are never decoded into it.
type ClaimSet interface {
	gjwt.Claims
	base() Claims
}

func (c Claims) base() Claims { return c }

// Scopes returns the scopes of the scope and scp claims, or nil when there
// are none. The slice is new on every call.
func (c Claims) Scopes() []string {
	var out []string
	if c.Scope != "" {
		out = strings.Fields(c.Scope)
	}
	for _, s := range c.Scp {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// ScopeList is a list of scopes that decodes from a JSON array of strings
// or from one space-separated string.
type ScopeList []string

// UnmarshalJSON decodes a string or an array of strings.
func (l *ScopeList) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		*l = strings.Fields(s)
		return nil
	}
	var a []string
	if err := json.Unmarshal(data, &a); err != nil {
		return errors.New("jwt: scp is neither a string nor an array of strings")
	}
	*l = a
	return nil
}

// claimRules are the checks made on the claims of a verified token.
type claimRules struct {
	leeway      time.Duration
	maxLifetime time.Duration
	issuer      string
	audiences   []string
}

// check validates the registered claims at now.
func (r *claimRules) check(c *Claims, now time.Time) error {
	if c.ExpiresAt == nil {
		return invalid("token without exp")
	}
	if !now.Before(c.ExpiresAt.Add(r.leeway)) {
		return fmt.Errorf("jwt: %w: %w", errExpired, customs.ErrInvalidCredentials)
	}
	if c.NotBefore != nil && now.Add(r.leeway).Before(c.NotBefore.Time) {
		return invalid("token not valid yet")
	}
	if c.IssuedAt != nil && now.Add(r.leeway).Before(c.IssuedAt.Time) {
		return invalid("token issued in the future")
	}
	if r.maxLifetime > 0 {
		if c.IssuedAt == nil {
			return invalid("token without iat")
		}
		if c.ExpiresAt.Sub(c.IssuedAt.Time) > r.maxLifetime {
			return invalid("token lifetime too long")
		}
	}
	if r.issuer != "" && c.Issuer != r.issuer {
		return invalid("token from another issuer")
	}
	if len(r.audiences) > 0 && !anyAudience(c.Audience, r.audiences) {
		return invalid("token for another audience")
	}
	return nil
}

func anyAudience(have gjwt.ClaimStrings, want []string) bool {
	for _, a := range have {
		if slices.Contains(want, a) {
			return true
		}
	}
	return false
}

// Causes of refusal that the package itself branches on.
var (
	errExpired = errors.New("token expired")
	errRevoked = errors.New("token revoked")
)

// invalid returns an error wrapping ErrInvalidCredentials.
func invalid(why string) error {
	return fmt.Errorf("jwt: %s: %w", why, customs.ErrInvalidCredentials)
}

// malformed returns an error wrapping ErrMalformedCredentials.
func malformed(why string) error {
	return fmt.Errorf("jwt: %s: %w", why, customs.ErrMalformedCredentials)
}
