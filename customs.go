package customs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Customs holds an application's strategies and rules, and makes the
// interceptors that apply them. Build it once with [New]; it is immutable
// and safe for concurrent use.
type Customs struct {
	strategies map[string]Strategy
	rules      ruleTable
	// protoServices are the services whose customs.v1 options were read.
	protoServices map[protoreflect.FullName]bool
	logger        *slog.Logger
	hook          func(context.Context, Event)
	// keepExpiredStreams turns off ending streams when credentials expire.
	keepExpiredStreams bool
	// limit throttles peers that keep failing; nil without WithAttemptLimit.
	limit *limiter
	// connectInterceptors counts the Connect interceptors made, so that
	// Middleware knows whether message strategies will run after it.
	connectInterceptors atomic.Int32
}

// Option configures a [Customs].
type Option func(*config)

type config struct {
	strategies         []Strategy
	rules              []Rule
	logger             *slog.Logger
	hook               func(context.Context, Event)
	keepExpiredStreams bool
	services           []protoreflect.ServiceDescriptor
	errs               []error
	limit              *limitConfig
}

// WithStrategies registers strategies. Their names must be unique.
func WithStrategies(strategies ...Strategy) Option {
	return func(c *config) { c.strategies = append(c.strategies, strategies...) }
}

// WithRules adds rules. Two rules with the same pattern are a configuration
// error.
func WithRules(rules ...Rule) Option {
	return func(c *config) { c.rules = append(c.rules, rules...) }
}

// WithLogger sends a record of every refused call, and at debug level of
// every allowed one, to logger. Records never contain credentials.
func WithLogger(logger *slog.Logger) Option {
	return func(c *config) { c.logger = logger }
}

// WithEventHook calls hook after every authentication decision, on the
// caller's goroutine. The hook must be safe for concurrent use and should
// be quick.
func WithEventHook(hook func(context.Context, Event)) Option {
	return func(c *config) { c.hook = hook }
}

// WithoutStreamExpiry keeps streams running after the credentials that
// opened them expire. By default such a stream ends with Unauthenticated.
func WithoutStreamExpiry() Option {
	return func(c *config) { c.keepExpiredStreams = true }
}

// New builds a Customs and validates its whole configuration: strategy
// names, rule patterns, strategies named by rules. It returns an error
// wrapping [ErrConfig] describing the first problem.
func New(opts ...Option) (*Customs, error) {
	var cfg config
	for _, opt := range opts {
		opt(&cfg)
	}
	c := &Customs{
		strategies:         make(map[string]Strategy, len(cfg.strategies)),
		logger:             cfg.logger,
		hook:               cfg.hook,
		keepExpiredStreams: cfg.keepExpiredStreams,
	}
	if l := cfg.limit; l != nil {
		if l.failures < 1 || l.window <= 0 {
			return nil, fmt.Errorf("%w: attempt limit needs a positive count and window", ErrConfig)
		}
		c.limit = newLimiter(l)
	}
	for _, s := range cfg.strategies {
		if err := c.addStrategy(s); err != nil {
			return nil, err
		}
	}
	if len(cfg.errs) > 0 {
		return nil, errors.Join(cfg.errs...)
	}
	c.protoServices = make(map[protoreflect.FullName]bool, len(cfg.services))
	for _, sd := range cfg.services {
		c.protoServices[sd.FullName()] = true
	}
	rules, err := mergeRules(cfg.rules, protoRules(cfg.services))
	if err != nil {
		return nil, err
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("%w: no rules: every method would be denied", ErrConfig)
	}
	c.rules = ruleTable{
		methods:  map[string]*compiledRule{},
		services: map[string]*compiledRule{},
		packages: map[string]*compiledRule{},
	}
	for _, r := range rules {
		if err := c.addRule(r); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *Customs) addStrategy(s Strategy) error {
	if s == nil {
		return fmt.Errorf("%w: nil strategy", ErrConfig)
	}
	name := s.Name()
	if !isRuleName(name) {
		return fmt.Errorf("%w: bad strategy name %q", ErrConfig, name)
	}
	if _, dup := c.strategies[name]; dup {
		return fmt.Errorf("%w: two strategies named %q", ErrConfig, name)
	}
	c.strategies[name] = s
	return nil
}

func (c *Customs) addRule(r Rule) error {
	kind, key, err := parsePattern(r.Pattern)
	if err == nil {
		var cr *compiledRule
		if cr, err = c.compile(r); err == nil {
			err = c.rules.add(kind, key, cr)
		}
	}
	if err != nil && r.fromProto {
		return fmt.Errorf("%w (customs.v1 option of %s)", err, r.Pattern)
	}
	return err
}

// compile resolves a rule's strategy names.
func (c *Customs) compile(r Rule) (*compiledRule, error) {
	cr := &compiledRule{pattern: r.Pattern, open: r.Open, headerOnly: true}
	switch {
	case r.Open && (len(r.Strategies) > 0 || len(r.Scopes) > 0):
		return nil, fmt.Errorf("%w: open rule %q names strategies or scopes", ErrConfig, r.Pattern)
	case r.Open:
		return cr, nil
	case len(r.Strategies) == 0:
		return nil, fmt.Errorf("%w: rule %q is neither open nor names a strategy", ErrConfig, r.Pattern)
	}
	seen := make(map[string]bool, len(r.Strategies))
	for _, name := range r.Strategies {
		s, ok := c.strategies[name]
		if !ok {
			return nil, fmt.Errorf("%w: rule %q names unknown strategy %q", ErrConfig, r.Pattern, name)
		}
		if seen[name] {
			return nil, fmt.Errorf("%w: rule %q names strategy %q twice", ErrConfig, r.Pattern, name)
		}
		seen[name] = true
		_, readsMessage := s.(MessageStrategy)
		cr.strategies = append(cr.strategies, ruleStrategy{Strategy: s, name: name, readsMessage: readsMessage})
		if ch, ok := s.(Challenger); ok && ch.Challenge() != "" {
			cr.challenges = append(cr.challenges, challenge{strategy: name, value: ch.Challenge()})
		}
		cr.headerOnly = cr.headerOnly && !readsMessage
	}
	for _, scope := range r.Scopes {
		if !isScope(scope) {
			return nil, fmt.Errorf("%w: rule %q has bad scope %q", ErrConfig, r.Pattern, scope)
		}
	}
	cr.scopes = append([]string(nil), r.Scopes...)
	return cr, nil
}

// isRuleName reports whether name can name a strategy: a short run of
// lower-case letters, digits, '-', '_' and '.'.
func isRuleName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// isScope reports whether s is a scope-token of RFC 6749 section 3.3.
func isScope(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c == '"' || c == '\\' || c > 0x7e {
			return false
		}
	}
	return true
}
