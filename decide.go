package customs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"
)

// refusal is the error of a refused call: the cause for the operator, and
// the challenges for the caller.
type refusal struct {
	cause      error
	strategy   string // whose failure decided, if any
	challenges []challenge
}

func (r *refusal) Error() string { return r.cause.Error() }
func (r *refusal) Unwrap() error { return r.cause }

// ScopeChallenger is implemented by strategies that describe missing scopes
// in their own challenge, like RFC 6750's
// `Bearer error="insufficient_scope", scope="a b"`. ScopeChallenge must be
// safe for concurrent use, and its result must hold no secret.
type ScopeChallenger interface {
	ScopeChallenge(required []string) string
}

// authenticate applies the call's rule and reports the decision. It
// returns the context the handler runs with, and the identity when a
// strategy authenticated the call.
func (c *Customs) authenticate(ctx context.Context, call *Call) (context.Context, *identityContext, error) {
	if prior, ok := c.decided(ctx, call.procedure); ok {
		return ctx, prior, nil
	}
	start := c.now()
	rule := c.rules.resolve(call.procedure)
	next, idc, err := c.decide(ctx, rule, call)
	c.report(ctx, call, rule, idc, err, start)
	return next, idc, err
}

// now returns the time a decision starts, when someone will be told how
// long it took.
func (c *Customs) now() time.Time {
	if c.hook == nil && c.logger == nil {
		return time.Time{}
	}
	return time.Now()
}

// report tells the event hook and the logger about a decision.
func (c *Customs) report(
	ctx context.Context,
	call *Call,
	rule *compiledRule,
	idc *identityContext,
	err error,
	start time.Time,
) {
	if c.hook != nil || c.logger != nil {
		c.observe(ctx, call, rule, idc, err, time.Since(start))
	}
}

// decide runs the rule's strategies in order; the first to authenticate the
// call wins. When none does, the most severe failure decides the code.
func (c *Customs) decide(ctx context.Context, rule *compiledRule, call *Call) (context.Context, *identityContext, error) {
	switch {
	case rule == nil:
		return nil, nil, &refusal{cause: ErrNoRule}
	case rule.open:
		return ctx, nil, nil
	}
	var peer peerKey
	if c.limit != nil {
		peer = peerKeyOf(call)
		if c.limit.blocked(peer) {
			return nil, nil, &refusal{cause: ErrTooManyAttempts}
		}
	}
	var worst error
	var worstBy string
	rejected := false // some strategy refused the credentials it found
	var worstKind kind
	for _, s := range rule.strategies {
		if s.readsMessage && call.msg == nil {
			continue
		}
		id, err := run(ctx, s, call)
		if err == nil {
			return c.admit(ctx, rule, s, id, call.procedure)
		}
		if passes(err) {
			continue
		}
		k := classify(err)
		rejected = rejected || k == kindUnauthenticated
		if worst == nil || k > worstKind {
			worst, worstBy, worstKind = err, s.name, k
		}
	}
	if worst == nil {
		worst = ErrNoCredentials
	}
	if rejected && c.limit != nil {
		c.limit.fail(peer)
	}
	return nil, nil, &refusal{cause: worst, strategy: worstBy, challenges: rule.challenges}
}

// decided returns the identity this Customs' Middleware put in the context
// of the call, which it has authenticated and reported already. An identity
// decided for another procedure, or by anything else, is not trusted.
func (c *Customs) decided(ctx context.Context, procedure string) (*identityContext, bool) {
	prior, ok := identityFrom(ctx)
	return prior, ok && prior.owner == c && prior.procedure == procedure
}

// admit checks the rule's scopes and puts the identity in the context.
func (c *Customs) admit(
	ctx context.Context,
	rule *compiledRule,
	s ruleStrategy,
	id Identity,
	procedure string,
) (context.Context, *identityContext, error) {
	id.Strategy = s.name
	if !id.HasScopes(rule.scopes) {
		r := &refusal{
			cause:    fmt.Errorf("%w: %s requires %q", ErrInsufficientScope, rule.pattern, rule.scopes),
			strategy: id.Strategy,
		}
		if sc, ok := s.Strategy.(ScopeChallenger); ok {
			r.challenges = []challenge{{strategy: id.Strategy, value: sc.ScopeChallenge(rule.scopes)}}
		}
		return nil, nil, r
	}
	idc := &identityContext{Context: ctx, id: id, owner: c, procedure: procedure}
	return idc, idc, nil
}

// challenges returns the challenges of a refusal: one per strategy of the
// rule, where the strategy whose failure decided may have replaced its own
// with a more precise one (see [Challenge]).
func challenges(err error) []string {
	var r *refusal
	if !errors.As(err, &r) {
		return nil
	}
	precise, ok := challengeOf(r.cause)
	out := make([]string, 0, len(r.challenges)+1)
	for _, ch := range r.challenges {
		if ok && ch.strategy == r.strategy {
			out = append(out, precise)
			ok = false
			continue
		}
		out = append(out, ch.value)
	}
	if ok {
		out = append([]string{precise}, out...)
	}
	return out
}

// expiring reports whether a stream opened with idc must end when its
// credentials expire.
func (c *Customs) expiring(idc *identityContext) bool {
	return idc != nil && !c.keepExpiredStreams && !idc.id.Expiry.IsZero()
}

// receiveBefore receives a message with recv, unless the credentials
// expire first: a handler waiting for a message on a stream is then told
// at once, with a refusal, rather than when the client next sends. ctx ends
// when the credentials expire. The message is received into a fresh one
// and copied into m, so that a receive still running when the stream's
// credentials expire writes nothing the handler holds.
func receiveBefore(ctx context.Context, idc *identityContext, m any, recv func(any) error) error {
	if err := expired(idc); err != nil {
		return err
	}
	pm, ok := m.(proto.Message)
	if !ok { // not a protobuf message: receive in place, check after
		err := recv(m)
		if exp := expired(idc); exp != nil {
			return exp
		}
		return err
	}
	fresh := pm.ProtoReflect().New().Interface()
	done := make(chan error, 1)
	go func() { done <- recv(fresh) }()
	select {
	case err := <-done:
		if exp := expired(idc); exp != nil {
			return exp
		}
		if err == nil {
			proto.Reset(pm)
			proto.Merge(pm, fresh)
		}
		return err
	case <-ctx.Done():
		if exp := expired(idc); exp != nil {
			return exp
		}
		return <-done // the stream itself ended: its receive returns too
	}
}

// expired returns a refusal when idc's credentials have expired.
func expired(idc *identityContext) error {
	if time.Now().Before(idc.id.Expiry) {
		return nil
	}
	return &refusal{cause: ErrCredentialsExpired, strategy: idc.id.Strategy}
}
