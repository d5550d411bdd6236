package customs

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// Rule says how the methods matched by a pattern are protected: open to
// anyone, or by strategies tried in order, optionally requiring scopes.
//
// Patterns, from most to least specific:
//
//	/acme.billing.v1.Billing/GetInvoice   one method
//	acme.billing.v1.Billing               every method of one service
//	acme.billing.*                        every service under a package (dot boundary)
//	*                                     everything
//
// The most specific pattern that matches a method decides; a method no rule
// matches is denied. Matching is exact and case-sensitive.
type Rule struct {
	// Pattern selects methods; see above.
	Pattern string
	// Open means the methods need no credentials.
	Open bool
	// Strategies are the names of the strategies tried, in order.
	Strategies []string
	// Scopes are required of the authenticated identity, all of them.
	Scopes []string

	fromProto bool // declared by a customs.v1 option, for error messages
}

// Protect returns a rule that protects the methods matched by pattern with
// the named strategies, tried in order. A rule over a service or package
// pattern is a safe zone.
func Protect(pattern string, strategies ...string) Rule {
	return Rule{Pattern: pattern, Strategies: strategies}
}

// Open returns a rule that lets anyone call the methods matched by pattern.
func Open(pattern string) Rule {
	return Rule{Pattern: pattern, Open: true}
}

// RequireScopes returns a copy of the rule that also requires the given
// scopes of the authenticated identity.
func (r Rule) RequireScopes(scopes ...string) Rule {
	r.Scopes = append(append([]string(nil), r.Scopes...), scopes...)
	return r
}

// Services often opened with [Open]. Customs opens nothing by itself.
const (
	HealthService            = "grpc.health.v1.Health"
	ReflectionService        = "grpc.reflection.v1.ServerReflection"
	ReflectionServiceV1Alpha = "grpc.reflection.v1alpha.ServerReflection"
)

// patternKind orders patterns from least to most specific.
type patternKind uint8

const (
	patternAll patternKind = iota
	patternPackage
	patternService
	patternMethod
)

// compiledRule is a rule with its strategies resolved.
type compiledRule struct {
	pattern    string
	open       bool
	strategies []ruleStrategy
	scopes     []string
	challenges []challenge
	// headerOnly is true when no strategy reads the request message.
	headerOnly bool
}

// ruleStrategy is a strategy of a rule, with what the per-call path needs
// to know of it worked out once.
type ruleStrategy struct {
	Strategy
	name         string
	readsMessage bool
}

// challenge is the WWW-Authenticate challenge of one strategy.
type challenge struct {
	strategy, value string
}

// parsePattern validates a pattern and returns its kind and lookup key.
func parsePattern(p string) (patternKind, string, error) {
	switch {
	case p == "*":
		return patternAll, "", nil
	case strings.HasPrefix(p, "/"):
		svc, method, ok := splitProcedure(p)
		if !ok || !isFullName(svc) || !isIdent(method) {
			return 0, "", fmt.Errorf("%w: bad method pattern %q", ErrConfig, p)
		}
		return patternMethod, p, nil
	case strings.HasSuffix(p, ".*"):
		pkg := strings.TrimSuffix(p, ".*")
		if !isFullName(pkg) {
			return 0, "", fmt.Errorf("%w: bad package pattern %q", ErrConfig, p)
		}
		return patternPackage, pkg, nil
	default:
		if !isFullName(p) {
			return 0, "", fmt.Errorf("%w: bad service pattern %q", ErrConfig, p)
		}
		return patternService, p, nil
	}
}

// splitProcedure splits "/svc/method" with both parts non-empty and no
// further slash.
func splitProcedure(p string) (service, method string, ok bool) {
	if len(p) < 4 || p[0] != '/' {
		return "", "", false
	}
	rest := p[1:]
	i := strings.IndexByte(rest, '/')
	if i <= 0 || i == len(rest)-1 || strings.IndexByte(rest[i+1:], '/') >= 0 {
		return "", "", false
	}
	return rest[:i], rest[i+1:], true
}

// isFullName reports whether s is a dotted protobuf full name.
func isFullName(s string) bool {
	for {
		i := strings.IndexByte(s, '.')
		if i < 0 {
			return isIdent(s)
		}
		if !isIdent(s[:i]) {
			return false
		}
		s = s[i+1:]
	}
}

// isIdent reports whether s is a protobuf identifier.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// maxCachedProcedures bounds the resolution cache, so that callers sending
// made-up procedure names cannot grow it without end.
const maxCachedProcedures = 4096

// ruleTable resolves procedures to rules. It is built once by New; the only
// thing that changes afterwards is the cache, replaced copy-on-write.
type ruleTable struct {
	methods  map[string]*compiledRule
	services map[string]*compiledRule
	packages map[string]*compiledRule
	all      *compiledRule

	cache   atomic.Pointer[map[string]*compiledRule] // read without locks
	cacheMu sync.Mutex                               // guards pending and cache writes
	pending map[string]*compiledRule
	full    atomic.Bool // no more room: callers skip the lock
}

func (t *ruleTable) add(kind patternKind, key string, r *compiledRule) error {
	var m map[string]*compiledRule
	switch kind {
	case patternAll:
		if t.all != nil {
			return fmt.Errorf("%w: two rules for pattern %q", ErrConfig, r.pattern)
		}
		t.all = r
		return nil
	case patternPackage:
		m = t.packages
	case patternService:
		m = t.services
	default:
		m = t.methods
	}
	if _, dup := m[key]; dup {
		return fmt.Errorf("%w: two rules for pattern %q", ErrConfig, r.pattern)
	}
	m[key] = r
	return nil
}

// resolve returns the rule for a procedure, or nil when none covers it or
// the procedure is malformed. After the first call for a procedure it is one
// map lookup, and it never allocates on a hit.
func (t *ruleTable) resolve(procedure string) *compiledRule {
	if m := t.cache.Load(); m != nil {
		if r, ok := (*m)[procedure]; ok {
			return r
		}
	}
	r := t.walk(procedure)
	t.remember(procedure, r)
	return r
}

// walk finds the most specific rule for a procedure.
func (t *ruleTable) walk(procedure string) *compiledRule {
	svc, method, ok := splitProcedure(procedure)
	if !ok || !isFullName(svc) || !isIdent(method) {
		return nil
	}
	if r, ok := t.methods[procedure]; ok {
		return r
	}
	if r, ok := t.services[svc]; ok {
		return r
	}
	for pkg := svc; ; {
		i := strings.LastIndexByte(pkg, '.')
		if i < 0 {
			break
		}
		pkg = pkg[:i]
		if r, ok := t.packages[pkg]; ok {
			return r
		}
	}
	return t.all
}

// remember caches a resolution, unless the cache is full. Unresolved and
// malformed procedures are not cached: they are what an attacker sends.
// New entries wait in a pending map and are published together once there
// are a quarter as many as published ones, so filling the cache costs
// linear time, not quadratic; a procedure seen a second time while pending
// is published at once, so a method in use is never left out.
func (t *ruleTable) remember(procedure string, r *compiledRule) {
	if r == nil || t.full.Load() {
		return
	}
	t.cacheMu.Lock()
	defer t.cacheMu.Unlock()
	var published map[string]*compiledRule
	if m := t.cache.Load(); m != nil {
		published = *m
	}
	if len(published)+len(t.pending) >= maxCachedProcedures {
		t.full.Store(true)
		return
	}
	_, again := t.pending[procedure]
	if t.pending == nil {
		t.pending = make(map[string]*compiledRule)
	}
	t.pending[procedure] = r
	if !again && len(t.pending) < len(published)/4 {
		return
	}
	next := make(map[string]*compiledRule, len(published)+len(t.pending))
	for k, v := range published {
		next[k] = v
	}
	for k, v := range t.pending {
		next[k] = v
	}
	t.pending = nil
	t.cache.Store(&next)
}
