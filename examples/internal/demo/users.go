// Package demo holds the pieces the Customs examples share: an in-memory
// user store with argon2id password hashes, the Customs and the token
// signer of the demo, one implementation of the demo services for grpc-go
// and connect-go, and the client-side scenario that the -demo flag runs
// against a live server.
package demo

import (
	"context"
	"errors"
	"fmt"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/password"
	"github.com/customs-go/customs/strategies/jwt"
)

// Account is a demo user as written in the documentation: a name, a
// password in clear, and the account's contents.
type Account struct {
	Name         string
	Password     string
	BalanceCents int64
	Transactions []Transaction
}

// Transaction is one line of an account's history.
type Transaction struct {
	ID          string
	AmountCents int64
	Description string
}

// Accounts returns the demo users: alice/wonderland and bob/builder.
func Accounts() []Account {
	return []Account{
		{
			Name: "alice", Password: "wonderland", BalanceCents: 123456,
			Transactions: []Transaction{
				{"t-1001", 250000, "salary"},
				{"t-1002", -4250, "tea party"},
				{"t-1003", -122294, "rabbit hole repairs"},
			},
		},
		{
			Name: "bob", Password: "builder", BalanceCents: 4200,
			Transactions: []Transaction{
				{"t-2001", 90000, "roof job"},
				{"t-2002", -85800, "new cement mixer"},
			},
		},
	}
}

// Currency is the currency of every demo account.
const Currency = "EUR"

// User is an authenticated demo user, as the strategies put it in the
// context and the handlers read it with customs.UserFrom[*User].
type User struct {
	Name         string
	BalanceCents int64
	Transactions []Transaction
}

// Users is the in-memory user store. It keeps argon2id hashes only, never
// the passwords. It is safe for concurrent use.
type Users struct {
	hasher *password.Hasher
	byName map[string]storedUser
}

type storedUser struct {
	user *User
	hash string
}

// NewUsers hashes the passwords of accounts with hasher and returns a store
// of them.
func NewUsers(hasher *password.Hasher, accounts []Account) (*Users, error) {
	u := &Users{hasher: hasher, byName: make(map[string]storedUser, len(accounts))}
	for _, a := range accounts {
		hash, err := hasher.Hash(a.Password)
		if err != nil {
			return nil, fmt.Errorf("demo: hashing the password of %s: %w", a.Name, err)
		}
		user := &User{Name: a.Name, BalanceCents: a.BalanceCents, Transactions: a.Transactions}
		u.byName[a.Name] = storedUser{user: user, hash: hash}
	}
	return u, nil
}

// Validate checks a username and password; it is the callback of both the
// Basic and the Local strategy. An unknown user costs as much time as a
// wrong password, so timing does not tell which names exist.
func (u *Users) Validate(_ context.Context, name, pw string) (*User, error) {
	stored, ok := u.byName[name]
	if !ok {
		_ = u.hasher.VerifyMissing(pw)
		return nil, fmt.Errorf("%w: demo: unknown user", customs.ErrInvalidCredentials)
	}
	err := u.hasher.Verify(stored.hash, pw)
	switch {
	case err == nil:
		return stored.user, nil
	case errors.Is(err, password.ErrMismatch):
		return nil, fmt.Errorf("%w: demo: wrong password", customs.ErrInvalidCredentials)
	default:
		return nil, fmt.Errorf("%w: demo: %w", customs.ErrInternal, err)
	}
}

// FromClaims returns the user a verified access token names in its sub
// claim; it is the callback of the JWT strategy. A user who no longer
// exists is refused, whatever the token says.
func (u *Users) FromClaims(_ context.Context, claims jwt.Claims) (*User, error) {
	stored, ok := u.byName[claims.Subject]
	if !ok {
		return nil, fmt.Errorf("%w: demo: token of an unknown user", customs.ErrInvalidCredentials)
	}
	return stored.user, nil
}

// StillValid refuses to refresh the tokens of a user who no longer exists;
// it is the refresh check of the token signer.
func (u *Users) StillValid(_ context.Context, g jwt.Grant) (jwt.Grant, error) {
	if _, ok := u.byName[g.Subject]; !ok {
		return jwt.Grant{}, fmt.Errorf("%w: demo: refresh for an unknown user", customs.ErrInvalidCredentials)
	}
	return g, nil
}
