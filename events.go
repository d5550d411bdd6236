package customs

import (
	"context"
	"log/slog"
	"time"
)

// Outcome is how an authentication decision ended.
type Outcome uint8

// The outcomes of a decision.
const (
	// OutcomeAuthenticated: a strategy authenticated the caller.
	OutcomeAuthenticated Outcome = iota + 1
	// OutcomeOpen: the method's rule is open.
	OutcomeOpen
	// OutcomeRefused: the call was refused; see Event.Err.
	OutcomeRefused
)

// String returns the outcome's name.
func (o Outcome) String() string {
	switch o {
	case OutcomeAuthenticated:
		return "authenticated"
	case OutcomeOpen:
		return "open"
	case OutcomeRefused:
		return "refused"
	default:
		return "unknown"
	}
}

// Event describes one authentication decision, for an operator's logs,
// metrics or audit trail. It never contains credentials.
type Event struct {
	Procedure string
	Protocol  Protocol
	Peer      string
	Outcome   Outcome
	// Strategy authenticated the call, or its failure decided the refusal.
	Strategy string
	// Rule is the pattern of the rule applied; "" when none covers the call.
	Rule string
	// Err is why the call was refused, for the operator only.
	Err      error
	Duration time.Duration
}

// observe reports a decision to the event hook and the logger.
func (c *Customs) observe(
	ctx context.Context,
	call *Call,
	rule *compiledRule,
	idc *identityContext,
	err error,
	d time.Duration,
) {
	ev := Event{
		Procedure: call.procedure,
		Protocol:  call.protocol,
		Peer:      call.Peer(),
		Err:       err,
		Duration:  d,
	}
	if rule != nil {
		ev.Rule = rule.pattern
	}
	switch r, _ := err.(*refusal); {
	case r != nil:
		ev.Outcome, ev.Strategy = OutcomeRefused, r.strategy
	case idc != nil:
		ev.Outcome, ev.Strategy = OutcomeAuthenticated, idc.id.Strategy
	default:
		ev.Outcome = OutcomeOpen
	}
	if c.hook != nil {
		c.hook(ctx, ev)
	}
	if c.logger != nil {
		c.log(ctx, ev)
	}
}

// log writes an event: refusals at info level (warn when the server is at
// fault), the rest at debug level.
func (c *Customs) log(ctx context.Context, ev Event) {
	level := slog.LevelDebug
	if ev.Err != nil {
		level = slog.LevelInfo
		if k := classify(ev.Err); k == kindInternal || k == kindUnavailable {
			level = slog.LevelWarn
		}
	}
	if !c.logger.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("procedure", ev.Procedure),
		slog.String("protocol", ev.Protocol.String()),
		slog.String("peer", ev.Peer),
		slog.String("outcome", ev.Outcome.String()),
		slog.String("strategy", ev.Strategy),
		slog.String("rule", ev.Rule),
		slog.Duration("duration", ev.Duration),
	}
	if ev.Err != nil {
		attrs = append(attrs, slog.String("reason", ev.Err.Error()))
	}
	c.logger.LogAttrs(ctx, level, "customs: "+ev.Outcome.String(), attrs...)
}
