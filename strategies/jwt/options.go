package jwt

import (
	"fmt"
	"net/http"
	"time"

	"github.com/customs-go/customs"
)

// Defaults and limits. Limits are hard: an option asking for more is a
// configuration error.
const (
	// DefaultName is the strategy's name in rules unless [WithName] says
	// otherwise.
	DefaultName = "jwt"
	// DefaultLeeway is the clock skew tolerated on exp, nbf and iat.
	DefaultLeeway = 60 * time.Second
	// MaxLeeway is the largest leeway [WithLeeway] accepts.
	MaxLeeway = 5 * time.Minute
	// DefaultMaxTokenSize is the longest token verified, in bytes.
	DefaultMaxTokenSize = 8 << 10
	// MaxTokenSize is the largest size [WithMaxTokenSize] accepts.
	MaxTokenSize = 64 << 10
	// MaxKeyIDSize is the longest kid accepted, in bytes.
	MaxKeyIDSize = 128
	// DefaultCacheSize is the number of verified tokens kept by default.
	DefaultCacheSize = 10000
	// DefaultAccessTTL is the life of an access token a [Signer] issues.
	DefaultAccessTTL = 15 * time.Minute
	// DefaultRefreshTTL is the life of a refresh token a [Signer] issues.
	DefaultRefreshTTL = 24 * time.Hour
)

// Option configures a [Strategy], a [Signer] or a [MemoryRevocations]. Each
// option says which of them it applies to; giving one to a constructor it
// does not apply to is a configuration error rather than silently ignored.
type Option func(*options)

// use says which constructors an option applies to.
type use uint8

const (
	forStrategy use = 1 << iota
	forSigner
	forStore
)

type options struct {
	applied []appliedOption

	name      string
	realm     string
	clock     func() time.Time
	issuer    string
	audiences []string
	revoked   RevocationStore

	// Strategy.
	keys         []Key
	signerKeys   *Signer
	jwksURL      string
	leeway       time.Duration
	maxLifetime  time.Duration
	types        []string
	extractors   []Extractor
	cacheSize    int
	maxTokenSize int
	jwks         jwksOptions

	// Signer.
	accessTTL  time.Duration
	refreshTTL time.Duration
	noRefresh  bool
	previous   []SigningKey
	onRefresh  RefreshFunc

	// MemoryRevocations.
	maxRevocations int
}

type appliedOption struct {
	name string
	use  use
}

// jwksOptions configure the remote key set of [WithJWKS].
type jwksOptions struct {
	client         *http.Client
	minRefresh     time.Duration
	maxRefresh     time.Duration
	unknownKid     time.Duration
	fetchTimeout   time.Duration
	maxBytes       int64
	maxKeys        int
	defaultRefresh time.Duration
}

func defaultOptions() options {
	return options{
		name:         DefaultName,
		realm:        "customs",
		clock:        time.Now,
		leeway:       DefaultLeeway,
		types:        []string{"at+jwt", "application/at+jwt"},
		cacheSize:    DefaultCacheSize,
		maxTokenSize: DefaultMaxTokenSize,
		accessTTL:    DefaultAccessTTL,
		refreshTTL:   DefaultRefreshTTL,
		jwks: jwksOptions{
			client:         http.DefaultClient,
			minRefresh:     5 * time.Minute,
			maxRefresh:     24 * time.Hour,
			defaultRefresh: time.Hour,
			unknownKid:     5 * time.Minute,
			fetchTimeout:   10 * time.Second,
			maxBytes:       512 << 10,
			maxKeys:        64,
		},
		maxRevocations: 1 << 20,
	}
}

func (o *options) mark(name string, u use) { o.applied = append(o.applied, appliedOption{name, u}) }

// build applies opts and checks that each applies to the constructor.
func build(who string, u use, opts []Option) (options, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if opt == nil {
			return o, fmt.Errorf("jwt: nil option: %w", customs.ErrConfig)
		}
		opt(&o)
	}
	for _, a := range o.applied {
		if a.use&u == 0 {
			return o, fmt.Errorf("jwt: option %s does not apply to a %s: %w", a.name, who, customs.ErrConfig)
		}
	}
	return o, nil
}

// WithName sets the strategy's name in rules; the default is "jwt".
// Strategy only.
func WithName(name string) Option {
	return func(o *options) { o.mark("WithName", forStrategy); o.name = name }
}

// WithRealm sets the realm of the Bearer challenge; the default is
// "customs". Strategy only.
func WithRealm(realm string) Option {
	return func(o *options) { o.mark("WithRealm", forStrategy); o.realm = realm }
}

// WithClock sets the clock used for every time check and for issuing, for
// tests. The default is time.Now. Note that Customs ends expiring streams by
// the wall clock. Strategy, Signer and MemoryRevocations.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.mark("WithClock", forStrategy|forSigner|forStore); o.clock = now }
}

// WithIssuer sets the issuer: the Strategy requires tokens to carry it as
// iss, and the Signer writes it. Strategy and Signer; required by a Signer.
func WithIssuer(iss string) Option {
	return func(o *options) { o.mark("WithIssuer", forStrategy|forSigner); o.issuer = iss }
}

// WithAudience sets the audiences: the Strategy accepts a token whose aud
// holds any of them, and the Signer writes all of them unless a [Grant]
// names its own. Strategy and Signer.
func WithAudience(aud ...string) Option {
	return func(o *options) {
		o.mark("WithAudience", forStrategy|forSigner)
		o.audiences = append(o.audiences, aud...)
	}
}

// WithRevocations sets the store of revoked token IDs (jti). The Strategy
// refuses revoked tokens, even cached ones, and the Signer records refresh
// tokens it has exchanged. A Signer uses a [MemoryRevocations] of its own by
// default; share one store between a Signer and the Strategies of the same
// process to make revocation visible to both. Strategy and Signer.
func WithRevocations(store RevocationStore) Option {
	return func(o *options) { o.mark("WithRevocations", forStrategy|forSigner); o.revoked = store }
}

// WithKeys adds static verification keys. Tokens choose among them by kid;
// a token without kid is accepted only when exactly one key has its alg.
// Strategy only.
func WithKeys(keys ...Key) Option {
	return func(o *options) { o.mark("WithKeys", forStrategy); o.keys = append(o.keys, keys...) }
}

// WithSignerKeys verifies tokens with the public keys of a [Signer] in the
// same process, following its rotations. Strategy only.
func WithSignerKeys(s *Signer) Option {
	return func(o *options) { o.mark("WithSignerKeys", forStrategy); o.signerKeys = s }
}

// WithJWKS verifies tokens with the keys published as a JSON Web Key Set at
// url, which must be https unless it is a loopback address. The set is
// fetched in the background and refreshed on a schedule; see the package
// documentation. Strategy only.
func WithJWKS(url string) Option {
	return func(o *options) { o.mark("WithJWKS", forStrategy); o.jwksURL = url }
}

// WithHTTPClient sets the client that fetches the JWKS; the default is
// http.DefaultClient. Strategy only.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) { o.mark("WithHTTPClient", forStrategy); o.jwks.client = c }
}

// WithJWKSRefresh bounds the JWKS refresh interval: the max-age of the
// response's Cache-Control is honoured within [min, max], and def is used
// when there is none. The defaults are 5 minutes, 24 hours and 1 hour; min
// must be at least 10 seconds. Strategy only.
func WithJWKSRefresh(minimum, maximum, def time.Duration) Option {
	return func(o *options) {
		o.mark("WithJWKSRefresh", forStrategy)
		o.jwks.minRefresh, o.jwks.maxRefresh, o.jwks.defaultRefresh = minimum, maximum, def
	}
}

// WithUnknownKeyRefresh sets how often at most a token with an unknown kid
// may make the JWKS be fetched again; the default is 5 minutes and the
// least is 10 seconds. Strategy only.
func WithUnknownKeyRefresh(d time.Duration) Option {
	return func(o *options) { o.mark("WithUnknownKeyRefresh", forStrategy); o.jwks.unknownKid = d }
}

// WithJWKSLimits caps the JWKS response body, in bytes (default 512 KiB),
// and the number of keys in it (default 64). Strategy only.
func WithJWKSLimits(maxBytes int64, maxKeys int) Option {
	return func(o *options) {
		o.mark("WithJWKSLimits", forStrategy)
		o.jwks.maxBytes, o.jwks.maxKeys = maxBytes, maxKeys
	}
}

// WithJWKSTimeout bounds one JWKS fetch; the default is 10 seconds. Callers
// wait at most until their own deadline. Strategy only.
func WithJWKSTimeout(d time.Duration) Option {
	return func(o *options) { o.mark("WithJWKSTimeout", forStrategy); o.jwks.fetchTimeout = d }
}

// WithLeeway sets the clock skew tolerated on exp, nbf and iat; the default
// is [DefaultLeeway] and the most is [MaxLeeway]. Strategy only.
func WithLeeway(d time.Duration) Option {
	return func(o *options) { o.mark("WithLeeway", forStrategy); o.leeway = d }
}

// WithMaxLifetime refuses tokens whose exp is more than d after their iat,
// and tokens without iat. Strategy only.
func WithMaxLifetime(d time.Duration) Option {
	return func(o *options) { o.mark("WithMaxLifetime", forStrategy); o.maxLifetime = d }
}

// WithTokenTypes sets the typ header values accepted, compared without
// case; "" accepts tokens without typ. The default accepts the access
// tokens of RFC 9068, "at+jwt" and "application/at+jwt". The refresh token
// type of this package is never accepted. Strategy only.
func WithTokenTypes(types ...string) Option {
	return func(o *options) {
		o.mark("WithTokenTypes", forStrategy)
		o.types = append([]string(nil), types...)
	}
}

// WithPlainJWT also accepts tokens typed "JWT" or without typ, as many
// third-party issuers send them. Check the audience with [WithAudience] so
// that ID tokens meant for another party are not taken for access tokens.
// Strategy only.
func WithPlainJWT() Option {
	return func(o *options) {
		o.mark("WithPlainJWT", forStrategy)
		o.types = append(o.types, "JWT", "application/jwt", "")
	}
}

// WithTokenFrom sets where tokens are looked for, in order; the default is
// [FromAuthorization] alone. Strategy only.
func WithTokenFrom(extractors ...Extractor) Option {
	return func(o *options) {
		o.mark("WithTokenFrom", forStrategy)
		o.extractors = append([]Extractor(nil), extractors...)
	}
}

// WithCache sets the number of verified tokens kept, so that a token used
// again is not verified again; the default is [DefaultCacheSize]. Strategy
// only.
func WithCache(entries int) Option {
	return func(o *options) { o.mark("WithCache", forStrategy); o.cacheSize = entries }
}

// WithoutCache verifies every token on every call. Strategy only.
func WithoutCache() Option {
	return func(o *options) { o.mark("WithoutCache", forStrategy); o.cacheSize = 0 }
}

// WithMaxTokenSize sets the longest token verified, in bytes; the default
// is [DefaultMaxTokenSize] and the most is [MaxTokenSize]. Strategy only.
func WithMaxTokenSize(n int) Option {
	return func(o *options) { o.mark("WithMaxTokenSize", forStrategy); o.maxTokenSize = n }
}

// WithAccessTTL sets the life of access tokens; the default is
// [DefaultAccessTTL]. Signer only.
func WithAccessTTL(d time.Duration) Option {
	return func(o *options) { o.mark("WithAccessTTL", forSigner); o.accessTTL = d }
}

// WithRefreshTTL sets the life of refresh tokens; the default is
// [DefaultRefreshTTL]. It must be longer than the access tokens'. Signer
// only.
func WithRefreshTTL(d time.Duration) Option {
	return func(o *options) { o.mark("WithRefreshTTL", forSigner); o.refreshTTL = d }
}

// WithoutRefreshTokens makes [Signer.Issue] return access tokens only.
// Signer only.
func WithoutRefreshTokens() Option {
	return func(o *options) { o.mark("WithoutRefreshTokens", forSigner); o.noRefresh = true }
}

// WithPreviousKeys adds keys that signed tokens before the current one, for
// instance before a restart: their public halves still verify and are
// published, but they sign nothing. Signer only.
func WithPreviousKeys(keys ...SigningKey) Option {
	return func(o *options) {
		o.mark("WithPreviousKeys", forSigner)
		o.previous = append(o.previous, keys...)
	}
}

// WithRefreshCheck sets a callback that [Signer.Refresh] runs before it
// issues new tokens, to refuse a user who was disabled or to update the
// grant. Signer only.
func WithRefreshCheck(fn RefreshFunc) Option {
	return func(o *options) { o.mark("WithRefreshCheck", forSigner); o.onRefresh = fn }
}

// WithMaxRevocations caps the entries a [MemoryRevocations] holds; the
// default is about a million. MemoryRevocations only.
func WithMaxRevocations(n int) Option {
	return func(o *options) { o.mark("WithMaxRevocations", forStore); o.maxRevocations = n }
}
