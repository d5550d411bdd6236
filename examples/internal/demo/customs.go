package demo

import (
	"context"
	"log/slog"
	"time"

	"github.com/customs-go/customs"
	authv1 "github.com/customs-go/customs/examples/gen/demo/auth/v1"
	bankv1 "github.com/customs-go/customs/examples/gen/demo/bank/v1"
	publicv1 "github.com/customs-go/customs/examples/gen/demo/public/v1"
	"github.com/customs-go/customs/password"
	"github.com/customs-go/customs/strategies/basic"
	"github.com/customs-go/customs/strategies/jwt"
	"github.com/customs-go/customs/strategies/local"
)

// Service names of the demo, for health checks and reflection.
const (
	AuthService   = "demo.auth.v1.AuthService"
	PublicService = "demo.public.v1.PublicService"
	BankService   = "demo.bank.v1.BankService"
)

// Issuer is the iss and aud of the tokens the demo issues and accepts.
const Issuer = "customs-demo"

// App is the demo application: the Customs that protects its services, and
// what the handlers need to issue tokens.
type App struct {
	// Customs applies the demo's rules; give its interceptors to the server.
	Customs *customs.Customs

	svc service
	key jwt.SigningKey
}

// Option configures [New].
type Option func(*config)

type config struct {
	params password.Params
}

// WithPasswordParams hashes the demo passwords with p instead of the OWASP
// parameters, so that tests under the race detector stay quick. The example
// binaries keep the defaults.
func WithPasswordParams(p password.Params) Option {
	return func(c *config) { c.params = p }
}

// New returns the application both example servers use. Its rules come
// from the customs.v1 options of the demo protos: Login takes a username
// and password in the request (Local), Refresh and PublicService are open,
// and BankService needs a JWT access token or Basic credentials. Only the
// health and reflection services, whose protos are not ours, get rules in
// Go. Anything else is denied.
//
// The demo users' passwords are hashed with argon2id here, at start-up,
// and only the hashes are kept, in memory. The key that signs the tokens
// is made here too and never stored: tokens do not survive a restart.
func New(logger *slog.Logger, opts ...Option) (*App, error) {
	cfg := config{params: password.OWASP()}
	for _, opt := range opts {
		opt(&cfg)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	hasher, err := password.NewHasher(password.WithParams(cfg.params))
	if err != nil {
		return nil, err
	}
	users, err := NewUsers(hasher, Accounts())
	if err != nil {
		return nil, err
	}
	key, err := jwt.GenerateSigningKey("demo-1", "EdDSA")
	if err != nil {
		return nil, err
	}
	signer, err := newSigner(key, time.Now, jwt.WithRefreshCheck(users.StillValid))
	if err != nil {
		return nil, err
	}
	c, err := newCustoms(logger, users, signer)
	if err != nil {
		return nil, err
	}
	return &App{Customs: c, svc: service{signer: signer, logger: logger}, key: key}, nil
}

// newSigner returns a signer of the demo's tokens, with the given clock.
func newSigner(key jwt.SigningKey, clock func() time.Time, opts ...jwt.Option) (*jwt.Signer, error) {
	opts = append(opts, jwt.WithIssuer(Issuer), jwt.WithAudience(Issuer), jwt.WithClock(clock))
	return jwt.NewSigner(key, opts...)
}

// newCustoms builds the strategies and the rules.
func newCustoms(logger *slog.Logger, users *Users, signer *jwt.Signer) (*customs.Customs, error) {
	b, err := basic.New(users.Validate, basic.WithRealm("demo"))
	if err != nil {
		return nil, err
	}
	l, err := local.New(users.Validate)
	if err != nil {
		return nil, err
	}
	j, err := jwt.New(users.FromClaims, jwt.WithSignerKeys(signer),
		jwt.WithIssuer(Issuer), jwt.WithAudience(Issuer), jwt.WithRealm("demo"))
	if err != nil {
		return nil, err
	}
	return customs.New(
		customs.WithStrategies(j, b, l),
		customs.WithProtoRules(
			authv1.File_demo_auth_v1_auth_proto,
			bankv1.File_demo_bank_v1_bank_proto,
			publicv1.File_demo_public_v1_public_proto,
		),
		customs.WithRules(
			customs.Open(customs.HealthService),
			customs.Open(customs.ReflectionService),
			customs.Open(customs.ReflectionServiceV1Alpha),
		),
		customs.WithLogger(logger),
	)
}

// ExpiredAccessToken returns an access token for user that expired an hour
// ago, signed with the server's own key, so that -demo can show it refused.
// A client could not forge one: it is made by a second signer whose clock
// runs in the past.
func (a *App) ExpiredAccessToken(ctx context.Context, user string) (string, error) {
	past := time.Now().Add(-time.Hour - jwt.DefaultAccessTTL)
	signer, err := newSigner(a.key, func() time.Time { return past })
	if err != nil {
		return "", err
	}
	tokens, err := signer.Issue(ctx, jwt.Grant{Subject: user})
	return tokens.AccessToken, err
}
