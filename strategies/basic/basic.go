// Package basic is the HTTP Basic authentication strategy (RFC 7617) for
// Customs: `authorization: Basic base64(user:password)`, checked by the
// application's validate callback.
//
// Pair it with the password package to store argon2id hashes and to spend
// the same time on unknown users as on known ones.
package basic

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/internal/challenge"
)

// DefaultName is the strategy's name in rules unless [WithName] says
// otherwise.
const DefaultName = "basic"

// MaxCredentialsSize is the longest decoded user-id:password pair accepted,
// in bytes. Longer credentials are refused before the callback runs.
const MaxCredentialsSize = 4 << 10

// ValidateFunc checks a user-id and password and returns the user. It
// returns an error wrapping customs.ErrInvalidCredentials (or any error:
// unknown errors count as invalid credentials) when they do not match, and
// must not put the password in the error. It must be safe for concurrent
// use.
type ValidateFunc[U any] func(ctx context.Context, username, password string) (U, error)

// Strategy authenticates Basic credentials. Build it with [New].
type Strategy[U any] struct {
	name      string
	challenge string
	validate  ValidateFunc[U]
}

// Option configures a [Strategy].
type Option func(*options)

type options struct {
	name  string
	realm string
}

// WithName sets the strategy's name in rules; the default is "basic".
func WithName(name string) Option {
	return func(o *options) { o.name = name }
}

// WithRealm sets the realm of the challenge; the default is "customs".
func WithRealm(realm string) Option {
	return func(o *options) { o.realm = realm }
}

// New returns a Basic strategy that checks credentials with validate. It
// returns an error for a nil callback or a realm that cannot be quoted.
func New[U any](validate ValidateFunc[U], opts ...Option) (*Strategy[U], error) {
	o := options{name: DefaultName, realm: "customs"}
	for _, opt := range opts {
		opt(&o)
	}
	if validate == nil {
		return nil, fmt.Errorf("basic: nil validate func: %w", customs.ErrConfig)
	}
	if !challenge.Quotable(o.realm) {
		return nil, fmt.Errorf("basic: realm must be printable ASCII without quotes or backslashes: %w", customs.ErrConfig)
	}
	return &Strategy[U]{
		name:      o.name,
		challenge: `Basic realm="` + o.realm + `", charset="UTF-8"`,
		validate:  validate,
	}, nil
}

// Name returns the strategy's name in rules.
func (s *Strategy[U]) Name() string { return s.name }

// Challenge returns the WWW-Authenticate challenge of RFC 7617.
func (s *Strategy[U]) Challenge() string { return s.challenge }

// Authenticate reads Basic credentials from the Authorization header and
// checks them with the validate callback. Other schemes pass to the next
// strategy.
func (s *Strategy[U]) Authenticate(ctx context.Context, call customs.Call) (customs.Identity, error) {
	scheme, creds, err := call.Header().Authorization()
	if err != nil {
		return customs.Identity{}, err
	}
	if !strings.EqualFold(scheme, "Basic") {
		return customs.Identity{}, customs.ErrNoCredentials
	}
	username, password, err := Parse(creds)
	if err != nil {
		return customs.Identity{}, err
	}
	user, err := s.validate(ctx, username, password)
	if err != nil {
		return customs.Identity{}, err
	}
	return customs.Identity{User: user}, nil
}

// Parse decodes the token68 of a Basic Authorization value into a user-id
// and password (RFC 7617 section 2). It splits on the first colon, and
// refuses bad base64, missing colons, empty user-ids, invalid UTF-8 and
// control characters with an error wrapping
// customs.ErrMalformedCredentials that never quotes the input.
func Parse(token string) (username, password string, err error) {
	// DecodedLen counts padding as data and would refuse a pair of exactly
	// the cap: bound the token first, and the decoded pair after.
	if len(token) > base64.StdEncoding.EncodedLen(MaxCredentialsSize) {
		return "", "", fmt.Errorf("%w: basic credentials too long", customs.ErrMalformedCredentials)
	}
	// The decoder skips CR and LF, which token68 does not allow.
	if strings.ContainsAny(token, "\r\n") {
		return "", "", fmt.Errorf("%w: basic credentials are not base64", customs.ErrMalformedCredentials)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(token)
	if err != nil {
		return "", "", fmt.Errorf("%w: basic credentials are not base64", customs.ErrMalformedCredentials)
	}
	if len(raw) > MaxCredentialsSize {
		return "", "", fmt.Errorf("%w: basic credentials too long", customs.ErrMalformedCredentials)
	}
	pair := string(raw)
	username, password, ok := strings.Cut(pair, ":")
	switch {
	case !ok:
		return "", "", fmt.Errorf("%w: basic credentials without a colon", customs.ErrMalformedCredentials)
	case username == "":
		return "", "", fmt.Errorf("%w: basic credentials with an empty user-id", customs.ErrMalformedCredentials)
	case !utf8.ValidString(pair):
		return "", "", fmt.Errorf("%w: basic credentials are not UTF-8", customs.ErrMalformedCredentials)
	case hasControl(pair):
		return "", "", fmt.Errorf("%w: basic credentials contain control characters", customs.ErrMalformedCredentials)
	}
	return username, password, nil
}

// hasControl reports whether s contains a control character (RFC 5234 CTL,
// or a C1 control).
func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return true
		}
	}
	return false
}
