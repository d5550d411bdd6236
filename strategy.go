package customs

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"
)

// Strategy authenticates calls from one kind of credentials, like Passport's
// strategies. Customs tries the strategies of a method's rule in order; the
// first that returns no error wins.
//
// Authenticate returns an error wrapping [ErrNoCredentials] when the call
// carries no credentials of its kind, so that the next strategy is tried, and
// an error wrapping one of the other sentinels when it rejects them. Errors
// reach the operator's logger, never the caller, and must not contain
// credentials.
//
// Implementations must be safe for concurrent use.
type Strategy interface {
	// Name identifies the strategy in rules; it is unique within a Customs.
	Name() string
	// Authenticate checks the call's credentials and returns who made it.
	Authenticate(ctx context.Context, call Call) (Identity, error)
}

// Identity is what a strategy returns for an authenticated call.
type Identity struct {
	// User is the application's own user value. Prefer a pointer type: it
	// is stored in the context without a copy, and read back typed with
	// [UserFrom].
	User any
	// Strategy is the name of the strategy that authenticated the call; the
	// interceptors set it.
	Strategy string
	// Scopes are the scopes the credentials grant, checked against the
	// scopes a rule requires. Nil means the credentials carry no scopes.
	Scopes []string
	// Expiry is when the credentials stop being valid; the zero time means
	// never. Streams opened with them end when they expire.
	Expiry time.Time
}

// HasScopes reports whether the identity holds every scope in want.
func (id Identity) HasScopes(want []string) bool {
	for _, w := range want {
		found := false
		for _, s := range id.Scopes {
			if s == w {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Challenger is implemented by strategies that tell a client how to
// authenticate. The challenge, like `Basic realm="api"`, is sent in the
// WWW-Authenticate header (Connect, HTTP) or trailer (gRPC) of a refused
// call; it must hold no secret. Challenge is called once, by [New].
type Challenger interface {
	Challenge() string
}

// MessageStrategy is implemented by strategies that read the request message
// (see [Call.Message]). They run on unary calls only: a rule that would use
// one on a streaming method is a configuration error reported by
// [Customs.Check], and [Customs.Middleware] leaves them to the Connect
// interceptor. Like every Strategy, they must be safe for concurrent use.
type MessageStrategy interface {
	Strategy
	ReadsMessage()
}

// StrategyFunc returns a Strategy with the given name that calls fn. The
// func must be safe for concurrent use.
func StrategyFunc(name string, fn func(ctx context.Context, call Call) (Identity, error)) Strategy {
	return funcStrategy{name: name, fn: fn}
}

type funcStrategy struct {
	name string
	fn   func(context.Context, Call) (Identity, error)
}

func (s funcStrategy) Name() string { return s.name }

func (s funcStrategy) Authenticate(ctx context.Context, call Call) (Identity, error) {
	return s.fn(ctx, call)
}

// run calls the strategy, turning a panic into an error wrapping
// ErrInternal. Only the panic value's type is kept: the value itself may
// hold credentials.
func run(ctx context.Context, s ruleStrategy, call *Call) (id Identity, err error) {
	defer func() {
		if r := recover(); r != nil {
			id, err = Identity{}, fmt.Errorf("%w: strategy %q panicked with a %T", ErrInternal, s.name, r)
		}
	}()
	id, err = s.Authenticate(ctx, *call)
	if err == nil && isNil(id.User) {
		err = fmt.Errorf("%w: strategy %q returned no user and no error", ErrInternal, s.name)
	}
	return id, err
}

// isNil reports whether a user is nil, including a nil pointer, map, slice,
// func or channel in a non-nil interface: what a lookup callback returns
// for an unknown user when it forgets the error.
func isNil(user any) bool {
	if user == nil {
		return true
	}
	switch v := reflect.ValueOf(user); v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan,
		reflect.Interface, reflect.UnsafePointer:
		return v.IsNil()
	}
	return false
}

// passes reports whether err means "no credentials of my kind".
func passes(err error) bool { return errors.Is(err, ErrNoCredentials) }
