package jwt

import (
	"fmt"
	"strings"

	"github.com/customs-go/customs"
)

// Extractor finds the token of a call in its headers or metadata. It
// returns an error wrapping customs.ErrNoCredentials when there is none
// where it looks, so that the next extractor, then the next strategy, is
// tried, and one wrapping customs.ErrMalformedCredentials when what it
// finds is ambiguous or broken. Errors must not contain the token. An
// Extractor must be safe for concurrent use.
type Extractor func(customs.Header) (string, error)

// FromAuthorization returns the extractor of `authorization: Bearer
// <token>` (RFC 6750 section 2.1), the default. Other schemes are left to
// other strategies.
func FromAuthorization() Extractor {
	return func(h customs.Header) (string, error) {
		scheme, token, err := h.Authorization()
		if err != nil {
			return "", err
		}
		if !strings.EqualFold(scheme, "Bearer") {
			return "", customs.ErrNoCredentials
		}
		return token, nil
	}
}

// FromMetadata returns an extractor of a token sent bare in the gRPC
// metadata key or HTTP header key, like "x-access-token". Several values
// are refused.
func FromMetadata(key string) Extractor {
	return func(h customs.Header) (string, error) {
		switch v := h.Values(key); len(v) {
		case 0:
			return "", customs.ErrNoCredentials
		case 1:
			if v[0] == "" {
				return "", customs.ErrNoCredentials
			}
			return v[0], nil
		default:
			return "", fmt.Errorf("jwt: %d values of %s: %w", len(v), key, customs.ErrMalformedCredentials)
		}
	}
}

// FromCookie returns an extractor of a token in the cookie named name, for
// browser Connect clients. A cookie sent twice is refused, since a
// subdomain may have set one of them. Set such a cookie Secure, HttpOnly
// and SameSite=Strict: a browser sends cookies with cross-site requests
// too.
func FromCookie(name string) Extractor {
	return func(h customs.Header) (string, error) {
		var token string
		found := false
		for _, line := range h.Values("Cookie") {
			for part := range strings.SplitSeq(line, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
				if !ok || k != name {
					continue
				}
				if found {
					return "", fmt.Errorf("jwt: cookie %s sent twice: %w", name, customs.ErrMalformedCredentials)
				}
				token, found = strings.Trim(v, `"`), true
			}
		}
		if !found || token == "" {
			return "", customs.ErrNoCredentials
		}
		return token, nil
	}
}
