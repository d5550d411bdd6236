package customs

import "context"

// identityKey is the context key of the identity. Lookups compare it by
// type, so it costs no allocation.
type identityKey struct{}

// identityContext carries the identity of an authenticated call. It is one
// allocation where context.WithValue with a struct value would be two.
type identityContext struct {
	context.Context
	id        Identity
	owner     *Customs // the Customs that authenticated the call; nil in tests
	procedure string   // the call it was authenticated for
}

func (c *identityContext) Value(key any) any {
	if _, ok := key.(identityKey); ok {
		return c
	}
	return c.Context.Value(key)
}

func withIdentity(ctx context.Context, id Identity, owner *Customs) context.Context {
	return &identityContext{Context: ctx, id: id, owner: owner}
}

func identityFrom(ctx context.Context) (*identityContext, bool) {
	c, ok := ctx.Value(identityKey{}).(*identityContext)
	return c, ok
}

// IdentityFrom returns the identity of the authenticated caller: the user,
// the strategy that authenticated it, its scopes and expiry. It returns
// false for open methods and outside an authenticated call.
func IdentityFrom(ctx context.Context) (Identity, bool) {
	if c, ok := identityFrom(ctx); ok {
		return c.id, true
	}
	return Identity{}, false
}

// UserFrom returns the authenticated user with its type. It returns false
// when there is no user, or when the user is not a U: a handler that asks
// for the wrong type is told so instead of panicking.
func UserFrom[U any](ctx context.Context) (U, bool) {
	c, ok := identityFrom(ctx)
	if !ok {
		var zero U
		return zero, false
	}
	u, ok := c.id.User.(U)
	return u, ok
}

// NewContext returns a copy of ctx that carries user as if strategy had
// authenticated it, for tests of handlers. The interceptors do not trust
// it: a call still goes through its rule.
func NewContext[U any](ctx context.Context, user U, strategy string) context.Context {
	return withIdentity(ctx, Identity{User: user, Strategy: strategy}, nil)
}
