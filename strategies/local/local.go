// Package local is the username-and-password strategy for Customs, in the
// manner of passport-local: the credentials are fields of the request
// message of a unary call, typically a Login RPC that then issues a token.
package local

import (
	"context"
	"fmt"

	"github.com/customs-go/customs"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// DefaultName is the strategy's name in rules unless [WithName] says
// otherwise.
const DefaultName = "local"

// MaxFieldSize caps the username and password read from a message, in
// bytes; longer values are refused before the callback runs.
const MaxFieldSize = 1 << 10

// ValidateFunc checks a username and password and returns the user. It
// returns an error wrapping customs.ErrInvalidCredentials (or any error:
// unknown errors count as invalid credentials) when they do not match, and
// must not put the password in the error. It must be safe for concurrent
// use.
type ValidateFunc[U any] func(ctx context.Context, username, password string) (U, error)

// Strategy authenticates the username and password fields of a request
// message. Build it with [New].
type Strategy[U any] struct {
	name          string
	userField     protoreflect.Name
	passwordField protoreflect.Name
	validate      ValidateFunc[U]
}

// Option configures a [Strategy].
type Option func(*options)

type options struct {
	name, user, password string
}

// WithName sets the strategy's name in rules; the default is "local".
func WithName(name string) Option {
	return func(o *options) { o.name = name }
}

// WithFields sets the names of the message fields holding the username and
// password; the defaults are "username" and "password". Both must be string
// fields.
func WithFields(username, password string) Option {
	return func(o *options) { o.user, o.password = username, password }
}

// New returns a Local strategy that checks credentials with validate.
func New[U any](validate ValidateFunc[U], opts ...Option) (*Strategy[U], error) {
	o := options{name: DefaultName, user: "username", password: "password"}
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case validate == nil:
		return nil, fmt.Errorf("local: nil validate func: %w", customs.ErrConfig)
	case !protoreflect.Name(o.user).IsValid(), !protoreflect.Name(o.password).IsValid():
		return nil, fmt.Errorf("local: bad field names %q, %q: %w", o.user, o.password, customs.ErrConfig)
	case o.user == o.password:
		return nil, fmt.Errorf("local: username and password fields are both %q: %w", o.user, customs.ErrConfig)
	}
	return &Strategy[U]{
		name:          o.name,
		userField:     protoreflect.Name(o.user),
		passwordField: protoreflect.Name(o.password),
		validate:      validate,
	}, nil
}

// Name returns the strategy's name in rules.
func (s *Strategy[U]) Name() string { return s.name }

// ReadsMessage marks Local as a [customs.MessageStrategy]: it runs on unary
// calls only.
func (s *Strategy[U]) ReadsMessage() {}

// Authenticate reads the username and password fields of the request
// message and checks them with the validate callback. A message without
// those fields, or with an empty username, passes to the next strategy.
func (s *Strategy[U]) Authenticate(ctx context.Context, call customs.Call) (customs.Identity, error) {
	msg := call.Message()
	if msg == nil {
		return customs.Identity{}, customs.ErrNoCredentials
	}
	m := msg.ProtoReflect()
	username, ok := s.field(m, s.userField)
	if !ok || username == "" {
		return customs.Identity{}, customs.ErrNoCredentials
	}
	password, ok := s.field(m, s.passwordField)
	if !ok {
		return customs.Identity{}, customs.ErrNoCredentials
	}
	if len(username) > MaxFieldSize || len(password) > MaxFieldSize {
		return customs.Identity{}, fmt.Errorf("%w: local credentials too long", customs.ErrMalformedCredentials)
	}
	user, err := s.validate(ctx, username, password)
	if err != nil {
		return customs.Identity{}, err
	}
	return customs.Identity{User: user}, nil
}

// field returns the value of a singular string field.
func (s *Strategy[U]) field(m protoreflect.Message, name protoreflect.Name) (string, bool) {
	fd := m.Descriptor().Fields().ByName(name)
	if fd == nil || fd.Kind() != protoreflect.StringKind || fd.Cardinality() == protoreflect.Repeated {
		return "", false
	}
	return m.Get(fd).String(), true
}
