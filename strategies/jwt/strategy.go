package jwt

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/internal/challenge"
)

// UserFunc turns the claims of a verified token into the application's
// user. It returns an error (wrapping customs.ErrInvalidCredentials, say)
// to refuse the token. With the cache on, it runs once per token while the
// token stays cached, not on every call. It must be safe for concurrent
// use.
type UserFunc[C ClaimSet, U any] func(ctx context.Context, claims C) (U, error)

// Strategy authenticates calls that carry a JWT access token. Build it with
// [New]; it is safe for concurrent use.
type Strategy[C ClaimSet, U any] struct {
	name       string
	realm      string
	challenge  string
	bad        string // challenge of a refused token
	user       UserFunc[C, U]
	v          *verifier
	cache      *cache
	extractors []Extractor
}

// New returns a JWT strategy that verifies tokens with the configured keys
// (exactly one of [WithKeys], [WithJWKS] and [WithSignerKeys]) and turns
// their claims into users with user. It validates the whole configuration
// and returns an error wrapping customs.ErrConfig; it does not wait for a
// JWKS, which is fetched in the background.
func New[C ClaimSet, U any](user UserFunc[C, U], opts ...Option) (*Strategy[C, U], error) {
	o, err := build("strategy", forStrategy, opts)
	if err != nil {
		return nil, err
	}
	if user == nil {
		return nil, fmt.Errorf("jwt: nil user func: %w", customs.ErrConfig)
	}
	if err := o.checkStrategy(); err != nil {
		return nil, err
	}
	keys, err := o.keySource()
	if err != nil {
		return nil, err
	}
	s := &Strategy[C, U]{
		name:       o.name,
		realm:      o.realm,
		challenge:  `Bearer realm="` + o.realm + `"`,
		bad:        `Bearer realm="` + o.realm + `", error="invalid_token"`,
		user:       user,
		cache:      newCache(o.cacheSize),
		extractors: o.extractors,
		v: &verifier{
			keys:    keys,
			clock:   o.clock,
			types:   o.types,
			maxSize: o.maxTokenSize,
			revoked: o.revoked,
			rules: claimRules{
				leeway:      o.leeway,
				maxLifetime: o.maxLifetime,
				issuer:      o.issuer,
				audiences:   o.audiences,
			},
		},
	}
	if len(s.extractors) == 0 {
		s.extractors = []Extractor{FromAuthorization()}
	}
	return s, nil
}

// checkStrategy validates the options of a strategy.
func (o *options) checkStrategy() error {
	bad := func(why string) error { return fmt.Errorf("jwt: %s: %w", why, customs.ErrConfig) }
	switch {
	case o.clock == nil:
		return bad("nil clock")
	case !challenge.Quotable(o.realm):
		return bad("realm must be printable ASCII without quotes or backslashes")
	case o.leeway < 0 || o.leeway > MaxLeeway:
		return bad(fmt.Sprintf("leeway must be within 0 and %s", MaxLeeway))
	case o.maxLifetime < 0:
		return bad("negative maximum lifetime")
	case o.maxTokenSize <= 0 || o.maxTokenSize > MaxTokenSize:
		return bad(fmt.Sprintf("maximum token size must be within 1 and %d", MaxTokenSize))
	case o.cacheSize < 0:
		return bad("negative cache size")
	case len(o.types) == 0:
		return bad("no token type accepted")
	case slices.ContainsFunc(o.types, isRefreshType):
		return bad("refresh tokens cannot be accepted as access tokens")
	case slices.Contains(o.audiences, ""):
		return bad("empty audience")
	}
	for _, ex := range o.extractors {
		if ex == nil {
			return bad("nil extractor")
		}
	}
	return nil
}

func isRefreshType(typ string) bool { return strings.EqualFold(typ, RefreshTokenType) }

// keySource builds the one key source configured.
func (o *options) keySource() (keySource, error) {
	n := 0
	for _, set := range []bool{len(o.keys) > 0, o.jwksURL != "", o.signerKeys != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, fmt.Errorf("jwt: configure exactly one of WithKeys, WithJWKS and WithSignerKeys: %w", customs.ErrConfig)
	}
	switch {
	case o.signerKeys != nil:
		return o.signerKeys, nil
	case o.jwksURL != "":
		return newRemoteKeys(o.jwksURL, o.jwks, o.clock)
	}
	for _, k := range o.keys {
		if k.method == nil {
			return nil, fmt.Errorf("jwt: zero Key: %w", customs.ErrConfig)
		}
	}
	set, err := newKeySet(o.keys)
	if err != nil {
		return nil, err
	}
	return staticKeys{set}, nil
}

// Name returns the strategy's name in rules.
func (s *Strategy[C, U]) Name() string { return s.name }

// Challenge returns the WWW-Authenticate challenge of RFC 6750.
func (s *Strategy[C, U]) Challenge() string { return s.challenge }

// ScopeChallenge returns the RFC 6750 challenge of a token that lacks the
// required scopes.
func (s *Strategy[C, U]) ScopeChallenge(required []string) string {
	return `Bearer realm="` + s.realm + `", error="insufficient_scope", scope="` +
		strings.Join(required, " ") + `"`
}

// Authenticate finds the call's token, verifies it (or finds it in the
// cache) and returns the user of the callback, with the token's scopes and
// its expiry plus the leeway. A call without a token passes to the next
// strategy.
func (s *Strategy[C, U]) Authenticate(ctx context.Context, call customs.Call) (customs.Identity, error) {
	token, err := s.extract(call.Header())
	if err != nil {
		return customs.Identity{}, err
	}
	now := s.v.clock()
	if s.cache != nil {
		if e, ok := s.cache.get(token, now, s.v.keys.current()); ok {
			if err := s.v.checkRevoked(ctx, e.jti); err != nil {
				return customs.Identity{}, s.refuse(err)
			}
			return e.id, nil
		}
	}
	return s.authenticate(ctx, token, now)
}

// authenticate is the path of a token not in the cache.
func (s *Strategy[C, U]) authenticate(ctx context.Context, token string, now time.Time) (customs.Identity, error) {
	out, err := verifyToken[C](ctx, s.v, token, now)
	if err != nil {
		return customs.Identity{}, s.refuse(err)
	}
	user, err := s.user(ctx, out.claims)
	if err != nil {
		return customs.Identity{}, err
	}
	exp := out.base.ExpiresAt.Time
	id := customs.Identity{User: user, Scopes: out.base.Scopes(), Expiry: exp.Add(s.v.rules.leeway)}
	notYet := out.base.NotBefore != nil && now.Before(out.base.NotBefore.Time)
	if s.cache != nil && now.Before(exp) && !notYet {
		s.cache.put(token, &entry{id: id, expires: exp, jti: out.base.ID, set: out.set}, now)
	}
	return id, nil
}

// extract runs the extractors in order.
func (s *Strategy[C, U]) extract(h customs.Header) (string, error) {
	for _, ex := range s.extractors {
		token, err := ex(h)
		if err == nil || !errors.Is(err, customs.ErrNoCredentials) {
			return token, err
		}
	}
	return "", customs.ErrNoCredentials
}

// refuse attaches the invalid_token challenge to a refusal of the token.
func (s *Strategy[C, U]) refuse(err error) error {
	if errors.Is(err, customs.ErrUnavailable) {
		return err
	}
	return customs.Challenge(err, s.bad)
}

// Verify verifies a token as Authenticate does, without the cache and the
// user callback, and returns its claims: for tokens that arrive outside an
// RPC, in an HTTP handler say. Errors wrap the customs sentinels.
func (s *Strategy[C, U]) Verify(ctx context.Context, token string) (C, error) {
	out, err := verifyToken[C](ctx, s.v, token, s.v.clock())
	if err != nil {
		var zero C
		return zero, err
	}
	return out.claims, nil
}
