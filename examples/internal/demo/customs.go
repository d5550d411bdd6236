package demo

import (
	"log/slog"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/password"
	"github.com/customs-go/customs/strategies/basic"
	"github.com/customs-go/customs/strategies/local"
)

// Service names of the demo, for health checks and reflection.
const (
	AuthService   = "demo.auth.v1.AuthService"
	PublicService = "demo.public.v1.PublicService"
	BankService   = "demo.bank.v1.BankService"
)

// NewCustoms returns the Customs both example servers use. Login takes a
// username and password in the request (Local); every method under
// demo.bank.* needs Basic credentials; the public, health and reflection
// services are open; anything else is denied.
//
// The demo users' passwords are hashed with argon2id here, at start-up,
// and only the hashes are kept, in memory.
func NewCustoms(logger *slog.Logger) (*customs.Customs, error) {
	hasher, err := password.NewHasher()
	if err != nil {
		return nil, err
	}
	users, err := NewUsers(hasher, Accounts())
	if err != nil {
		return nil, err
	}
	b, err := basic.New(users.Validate, basic.WithRealm("demo"))
	if err != nil {
		return nil, err
	}
	l, err := local.New(users.Validate)
	if err != nil {
		return nil, err
	}
	return customs.New(
		customs.WithStrategies(b, l),
		customs.WithRules(
			customs.Protect("/"+AuthService+"/Login", "local"),
			customs.Protect("demo.bank.*", "basic"), // a safe zone
			customs.Open(PublicService),
			customs.Open(customs.HealthService),
			customs.Open(customs.ReflectionService),
			customs.Open(customs.ReflectionServiceV1Alpha),
		),
		customs.WithLogger(logger),
	)
}
