package jwt

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/customs-go/customs"
	gjwt "github.com/golang-jwt/jwt/v5"
)

// AccessTokenType is the typ header of the access tokens a [Signer]
// issues (RFC 9068).
const AccessTokenType = "at+jwt"

// reservedClaims are the claims a Signer writes itself; a [Grant] cannot
// set them.
var reservedClaims = []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "scope", "scp"}

// Grant says what tokens a [Signer] issues: to whom, for which audiences,
// with which scopes and extra claims.
type Grant struct {
	// Subject is the sub claim, the user's stable ID. It is required.
	Subject string
	// Audience overrides the Signer's audiences ([WithAudience]).
	Audience []string
	// Scopes go in the scope claim, space-separated.
	Scopes []string
	// Claims holds extra claims: anything that marshals to a JSON object,
	// like a struct or a map. It cannot set the registered claims, scope or
	// scp. A refresh token carries them, and they come back as a
	// map[string]json.RawMessage in the grant of [Signer.Refresh].
	Claims any
}

// Tokens are what a [Signer] issues. Its String and LogValue hide the
// tokens.
type Tokens struct {
	AccessToken string
	// TokenType is "Bearer".
	TokenType string
	// Expiry is the access token's exp.
	Expiry time.Time
	// RefreshToken is "" when the Signer issues no refresh tokens.
	RefreshToken  string
	RefreshExpiry time.Time
}

// String describes the tokens without them.
func (t Tokens) String() string {
	return fmt.Sprintf("jwt.Tokens{expiry:%s refresh:%t}", t.Expiry.Format(time.RFC3339), t.RefreshToken != "")
}

// LogValue describes the tokens without them.
func (t Tokens) LogValue() slog.Value {
	return slog.GroupValue(slog.Time("expiry", t.Expiry), slog.Bool("refresh", t.RefreshToken != ""))
}

// RefreshFunc checks a grant before [Signer.Refresh] issues new tokens for
// it, and may change it (scopes of a user whose role changed, say). It
// returns an error to refuse. It must be safe for concurrent use.
type RefreshFunc func(ctx context.Context, g Grant) (Grant, error)

// Signer issues access and refresh tokens, rotates its keys and publishes
// their public halves as a JWKS. Build it with [NewSigner]; it is safe for
// concurrent use.
type Signer struct {
	issuer     string
	audiences  []string
	clock      func() time.Time
	accessTTL  time.Duration
	refreshTTL time.Duration
	noRefresh  bool
	revoked    RevocationStore
	onRefresh  RefreshFunc
	refresh    *verifier // checks refresh tokens
	anyToken   *verifier // checks access and refresh tokens, for Revoke

	mu   sync.Mutex // serialises changes of ring
	ring atomic.Pointer[keyRing]
}

// keyRing is the signer's keys at one time.
type keyRing struct {
	current SigningKey
	retired []retiredKey
	set     *keySet // public halves of all keys
	jwks    []byte  // published form of set, without secrets
	pruneAt time.Time
}

type retiredKey struct {
	key   SigningKey
	until time.Time // when every token it signed has expired
}

// NewSigner returns a Signer that signs with key. It requires
// [WithIssuer]; it accepts the options marked Signer. Without
// [WithRevocations] it keeps revoked refresh tokens in a
// [MemoryRevocations] of its own.
func NewSigner(key SigningKey, opts ...Option) (*Signer, error) {
	o, err := build("signer", forSigner, opts)
	if err != nil {
		return nil, err
	}
	if err := o.checkSigner(key); err != nil {
		return nil, err
	}
	if o.revoked == nil {
		if o.revoked, err = NewMemoryRevocations(WithClock(o.clock)); err != nil {
			return nil, err
		}
	}
	s := &Signer{
		issuer: o.issuer, audiences: o.audiences, clock: o.clock,
		accessTTL: o.accessTTL, refreshTTL: o.refreshTTL, noRefresh: o.noRefresh,
		revoked: o.revoked, onRefresh: o.onRefresh,
	}
	s.refresh = s.verifier(RefreshTokenType)
	s.anyToken = s.verifier(RefreshTokenType, AccessTokenType)
	now := o.clock()
	retired := make([]retiredKey, 0, len(o.previous))
	for _, k := range o.previous {
		retired = append(retired, retiredKey{k, now.Add(s.longestTTL())})
	}
	ring, err := newKeyRing(key, retired, now)
	if err != nil {
		return nil, err
	}
	s.ring.Store(ring)
	return s, nil
}

func (o *options) checkSigner(key SigningKey) error {
	bad := func(why string) error { return fmt.Errorf("jwt: %s: %w", why, customs.ErrConfig) }
	switch {
	case key.public.method == nil:
		return bad("zero SigningKey")
	case o.issuer == "":
		return bad("a signer needs WithIssuer")
	case o.clock == nil:
		return bad("nil clock")
	case o.accessTTL <= 0:
		return bad("access token life must be positive")
	case !o.noRefresh && o.refreshTTL <= o.accessTTL:
		return bad("refresh tokens must live longer than access tokens")
	case slices.Contains(o.audiences, ""):
		return bad("empty audience")
	}
	for _, k := range o.previous {
		if k.public.method == nil {
			return bad("zero previous SigningKey")
		}
	}
	return nil
}

// verifier returns a verifier of the signer's own tokens of the given
// types.
func (s *Signer) verifier(types ...string) *verifier {
	return &verifier{
		keys: s, clock: s.clock, types: types, maxSize: MaxTokenSize, revoked: s.revoked,
		rules: claimRules{issuer: s.issuer},
	}
}

func (s *Signer) longestTTL() time.Duration {
	return max(s.accessTTL, s.refreshTTL) + MaxLeeway
}

func newKeyRing(current SigningKey, retired []retiredKey, now time.Time) (*keyRing, error) {
	r := &keyRing{current: current}
	public := []Key{current.public}
	for _, k := range retired {
		if now.Before(k.until) {
			r.retired = append(r.retired, k)
			public = append(public, k.key.public)
			if r.pruneAt.IsZero() || k.until.Before(r.pruneAt) {
				r.pruneAt = k.until
			}
		}
	}
	var err error
	if r.set, err = newKeySet(public); err != nil {
		return nil, err
	}
	if r.jwks, err = marshalJWKS(r.set.keys); err != nil {
		return nil, err
	}
	return r, nil
}

// Rotate makes key the signing key. The key it replaces still verifies,
// and stays published, until every token it signed has expired.
// Verifiers that use the JWKS learn of the new key when a token names it,
// within [WithUnknownKeyRefresh] of their last fetch.
func (s *Signer) Rotate(key SigningKey) error {
	if key.public.method == nil {
		return fmt.Errorf("jwt: zero SigningKey: %w", customs.ErrConfig)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	old := s.ring.Load()
	retired := append(slices.Clone(old.retired), retiredKey{old.current, now.Add(s.longestTTL())})
	ring, err := newKeyRing(key, retired, now)
	if err != nil {
		return err
	}
	s.ring.Store(ring)
	return nil
}

// keys returns the ring in force, first dropping retired keys past use.
func (s *Signer) keys() *keyRing {
	ring := s.ring.Load()
	if ring.pruneAt.IsZero() || s.clock().Before(ring.pruneAt) {
		return ring
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ring = s.ring.Load()
	if fresh, err := newKeyRing(ring.current, ring.retired, s.clock()); err == nil {
		s.ring.Store(fresh)
		ring = fresh
	}
	return ring
}

func (s *Signer) find(_ context.Context, kid, alg string) (*Key, *keySet, error) {
	set := s.keys().set
	k, _, err := set.lookup(kid, alg)
	return k, set, err
}

func (s *Signer) current() *keySet { return s.ring.Load().set }

// PublicKeys returns the verification keys of the signer: the current key
// and those retired but still in use.
func (s *Signer) PublicKeys() []Key { return slices.Clone(s.keys().set.keys) }

// JWKSHandler returns an http.Handler that publishes the signer's public
// keys as a JSON Web Key Set, for [WithJWKS] in other services. HMAC
// secrets are never published.
func (s *Signer) JWKSHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(s.keys().jwks)
	})
}

// Issue signs an access token for g and, unless [WithoutRefreshTokens], a
// refresh token that [Signer.Refresh] exchanges for new tokens.
func (s *Signer) Issue(ctx context.Context, g Grant) (Tokens, error) {
	claims, err := s.grantClaims(g)
	if err != nil {
		return Tokens{}, err
	}
	ring, now := s.keys(), s.clock()
	var t Tokens
	t.TokenType = "Bearer"
	if t.AccessToken, t.Expiry, err = s.sign(ring, claims, AccessTokenType, now, s.accessTTL); err != nil {
		return Tokens{}, err
	}
	if !s.noRefresh {
		if t.RefreshToken, t.RefreshExpiry, err = s.sign(ring, claims, RefreshTokenType, now, s.refreshTTL); err != nil {
			return Tokens{}, err
		}
	}
	return t, nil
}

// grantClaims returns the claims of g that do not depend on the token.
func (s *Signer) grantClaims(g Grant) (map[string]any, error) {
	m := map[string]any{}
	if g.Claims != nil {
		raw, err := json.Marshal(g.Claims)
		if err != nil {
			return nil, fmt.Errorf("jwt: grant claims: %w", err)
		}
		var extra map[string]json.RawMessage
		if err := json.Unmarshal(raw, &extra); err != nil {
			return nil, fmt.Errorf("jwt: grant claims are not a JSON object: %w", err)
		}
		for k, v := range extra {
			if slices.Contains(reservedClaims, k) {
				return nil, fmt.Errorf("jwt: grant claims set the reserved claim %q", k)
			}
			m[k] = v
		}
	}
	if g.Subject == "" {
		return nil, fmt.Errorf("jwt: grant without subject")
	}
	aud := g.Audience
	if len(aud) == 0 {
		aud = s.audiences
	}
	if len(aud) == 0 || slices.Contains(aud, "") {
		return nil, fmt.Errorf("jwt: grant without audience, and no WithAudience")
	}
	for _, sc := range g.Scopes {
		if sc == "" || strings.ContainsAny(sc, " \t\"\\") {
			return nil, fmt.Errorf("jwt: bad scope in grant")
		}
	}
	m["iss"], m["sub"], m["aud"] = s.issuer, g.Subject, aud
	if len(g.Scopes) > 0 {
		m["scope"] = strings.Join(g.Scopes, " ")
	}
	return m, nil
}

// sign adds the time claims and a new jti to claims, and signs them with
// the ring's current key.
func (s *Signer) sign(ring *keyRing, claims map[string]any, typ string, now time.Time, ttl time.Duration) (string, time.Time, error) {
	jti, err := newID()
	if err != nil {
		return "", time.Time{}, err
	}
	exp := now.Add(ttl).Truncate(time.Second)
	m := make(gjwt.MapClaims, len(claims)+4)
	for k, v := range claims {
		m[k] = v
	}
	m["iat"], m["nbf"], m["exp"], m["jti"] = now.Unix(), now.Unix(), exp.Unix(), jti
	k := ring.current
	t := gjwt.NewWithClaims(k.public.method, m)
	t.Header["typ"], t.Header["kid"] = typ, k.public.id
	signed, err := t.SignedString(k.private)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("jwt: signing: %w", err)
	}
	return signed, exp, nil
}

// newID returns a random token ID of 128 bits.
func newID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("jwt: random jti: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
