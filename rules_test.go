package customs

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func accept(name string) Strategy {
	return StrategyFunc(name, func(context.Context, Call) (Identity, error) {
		return Identity{User: name}, nil
	})
}

func mustNew(t testing.TB, opts ...Option) *Customs {
	t.Helper()
	c, err := New(opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func TestResolvePrecedence(t *testing.T) {
	t.Parallel()
	c := mustNew(t,
		WithStrategies(accept("a"), accept("b"), accept("c"), accept("d"), accept("e")),
		WithRules(
			Protect("*", "a"),
			Protect("acme.*", "b"),
			Protect("acme.billing.*", "c"),
			Protect("acme.billing.v1.Billing", "d"),
			Protect("/acme.billing.v1.Billing/GetInvoice", "e"),
			Open("/acme.billing.v1.Billing/Ping"),
		),
	)
	tests := []struct {
		procedure string
		want      string // pattern of the rule, "" for none
	}{
		{"/acme.billing.v1.Billing/GetInvoice", "/acme.billing.v1.Billing/GetInvoice"},
		{"/acme.billing.v1.Billing/Ping", "/acme.billing.v1.Billing/Ping"},
		{"/acme.billing.v1.Billing/ListInvoices", "acme.billing.v1.Billing"},
		{"/acme.billing.v1.Other/Get", "acme.billing.*"},
		{"/acme.billing.Top/Get", "acme.billing.*"},
		{"/acme.billingx.v1.Billing/Get", "acme.*"},
		{"/acme.Root/Get", "acme.*"},
		{"/acmex.Root/Get", "*"},
		{"/other.v1.Svc/Get", "*"},
		{"/Bare/Get", "*"},
		// Case-sensitive and exact: no prefix or case tricks.
		{"/acme.billing.v1.Billing/getinvoice", "acme.billing.v1.Billing"},
		{"/ACME.billing.v1.Billing/GetInvoice", "*"},
		{"/acme.billing.v1.BillingX/GetInvoice", "acme.billing.*"},
		// Malformed procedures match nothing, not even "*".
		{"acme.billing.v1.Billing/GetInvoice", ""},
		{"/acme.billing.v1.Billing/GetInvoice/", ""},
		{"/acme.billing.v1.Billing/GetInvoice/x", ""},
		{"//acme.billing.v1.Billing/GetInvoice", ""},
		{"/acme.billing.v1.Billing/", ""},
		{"/acme..v1.Billing/Get", ""},
		{"/acme.billing.v1.Billing/Get Invoice", ""},
		{"/acme.billing.v1.Billing/../Ping", ""},
		{"", ""},
		{"/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.procedure, func(t *testing.T) {
			for range 2 { // the second lookup is served by the cache
				r := c.rules.resolve(tt.procedure)
				got := ""
				if r != nil {
					got = r.pattern
				}
				if got != tt.want {
					t.Fatalf("resolve(%q) = %q, want %q", tt.procedure, got, tt.want)
				}
			}
		})
	}
}

func TestNoWildcardMeansFailClosed(t *testing.T) {
	t.Parallel()
	c := mustNew(t, WithStrategies(accept("a")), WithRules(Protect("acme.billing.*", "a")))
	if r := c.rules.resolve("/acme.payments.v1.Pay/Go"); r != nil {
		t.Fatalf("uncovered method resolved to %q", r.pattern)
	}
}

func TestNewRejectsBadConfiguration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []Option
	}{
		{"no rules", []Option{WithStrategies(accept("a"))}},
		{"duplicate pattern", []Option{WithStrategies(accept("a")), WithRules(Protect("acme.*", "a"), Open("acme.*"))}},
		{"duplicate star", []Option{WithStrategies(accept("a")), WithRules(Open("*"), Protect("*", "a"))}},
		{"unknown strategy", []Option{WithStrategies(accept("a")), WithRules(Protect("acme.*", "b"))}},
		{"strategy twice in a rule", []Option{WithStrategies(accept("a")), WithRules(Protect("acme.*", "a", "a"))}},
		{"duplicate strategy name", []Option{WithStrategies(accept("a"), accept("a")), WithRules(Open("*"))}},
		{"bad strategy name", []Option{WithStrategies(accept("Bad Name")), WithRules(Open("*"))}},
		{"nil strategy", []Option{WithStrategies(nil), WithRules(Open("*"))}},
		{"rule without strategies", []Option{WithRules(Protect("acme.*"))}},
		{"open with strategies", []Option{WithStrategies(accept("a")), WithRules(Rule{Pattern: "*", Open: true, Strategies: []string{"a"}})}},
		{"open with scopes", []Option{WithRules(Open("*").RequireScopes("x"))}},
		{"bad scope", []Option{WithStrategies(accept("a")), WithRules(Protect("*", "a").RequireScopes("a b"))}},
		{"empty pattern", []Option{WithRules(Open(""))}},
		{"slash without method", []Option{WithRules(Open("/acme.v1.Svc"))}},
		{"trailing slash", []Option{WithRules(Open("/acme.v1.Svc/"))}},
		{"prefix star", []Option{WithRules(Open("acme*"))}},
		{"inner star", []Option{WithRules(Open("acme.*.v1"))}},
		{"star in method", []Option{WithRules(Open("/acme.v1.Svc/*"))}},
		{"leading dot", []Option{WithRules(Open(".acme.v1.Svc"))}},
		{"empty segment", []Option{WithRules(Open("acme..Svc"))}},
		{"digit first", []Option{WithRules(Open("1acme.Svc"))}},
		{"space", []Option{WithRules(Open("acme. Svc"))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.opts...)
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("New: err = %v, want ErrConfig", err)
			}
		})
	}
}

func TestResolveCacheIsBounded(t *testing.T) {
	t.Parallel()
	c := mustNew(t, WithRules(Open("*")))
	for i := range maxCachedProcedures + 100 {
		c.rules.resolve("/s" + itoa(i) + ".Svc/M")
	}
	n := len(*c.rules.cache.Load()) + len(c.rules.pending)
	if n != maxCachedProcedures {
		t.Fatalf("cache holds %d procedures, want %d", n, maxCachedProcedures)
	}
	// Past the bound, resolution still works, by walking.
	if r := c.rules.resolve("/late.Svc/M"); r == nil || !r.open {
		t.Fatal("uncached procedure did not resolve")
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func TestResolveAllocatesNothing(t *testing.T) {
	c := mustNew(t, WithStrategies(accept("a")), WithRules(Protect("acme.billing.*", "a")))
	const p = "/acme.billing.v1.Billing/GetInvoice"
	c.rules.resolve(p)
	if n := testing.AllocsPerRun(100, func() { c.rules.resolve(p) }); n != 0 {
		t.Fatalf("resolve allocates %v times per call", n)
	}
	if n := testing.AllocsPerRun(100, func() { c.rules.walk(p) }); n != 0 {
		t.Fatalf("walk allocates %v times per call", n)
	}
}

func BenchmarkResolve(b *testing.B) {
	c := mustNew(b,
		WithStrategies(accept("a")),
		WithRules(Protect("acme.billing.*", "a"), Protect("/acme.billing.v1.Billing/Get", "a"), Open("*")),
	)
	for _, p := range []string{"/acme.billing.v1.Billing/Get", "/acme.billing.v1.Billing/List", "/zzz.Svc/M"} {
		b.Run("cached"+p, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.rules.resolve(p)
			}
		})
		b.Run("walk"+p, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.rules.walk(p)
			}
		})
	}
}

// FuzzResolve feeds procedure names as a caller sends them (gRPC :path,
// HTTP paths) to the rule table: it never panics, resolves only well-formed
// procedures, and resolves each to a rule whose pattern matches it.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{"/acme.billing.v1.Billing/Get", "/a.B/C", "//", "/a/b/c", "/acme.billing.v1.Billing/", "/x.y.Z/../W", "/acme.Root/Get"} {
		f.Add(s)
	}
	c := mustNew(f,
		WithStrategies(accept("a")),
		WithRules(
			Protect("acme.billing.*", "a"),
			Protect("acme.Root", "a"),
			Open("/open.v1.Svc/Ping"),
		),
	)
	f.Fuzz(func(t *testing.T, procedure string) {
		r := c.rules.resolve(procedure)
		if r == nil {
			return
		}
		svc, method, ok := splitProcedure(procedure)
		if !ok || !isFullName(svc) || !isIdent(method) {
			t.Fatalf("malformed %q resolved to %q", procedure, r.pattern)
		}
		switch r.pattern {
		case "acme.billing.*":
			if !strings.HasPrefix(svc, "acme.billing.") {
				t.Fatalf("%q matched %q", procedure, r.pattern)
			}
		case "acme.Root":
			if svc != "acme.Root" {
				t.Fatalf("%q matched %q", procedure, r.pattern)
			}
		case "/open.v1.Svc/Ping":
			if procedure != r.pattern {
				t.Fatalf("%q matched %q", procedure, r.pattern)
			}
		}
	})
}

// Every procedure in use ends up published, whatever the order of calls.
func TestResolveCachesEveryProcedureInUse(t *testing.T) {
	t.Parallel()
	c := mustNew(t, WithRules(Open("*")))
	procs := make([]string, 9)
	for i := range procs {
		procs[i] = "/a.v1.S/M" + itoa(i)
	}
	for range 3 {
		for _, p := range procs {
			c.rules.resolve(p)
		}
	}
	published := *c.rules.cache.Load()
	for _, p := range procs {
		if _, ok := published[p]; !ok {
			t.Errorf("%s is still not published after three calls", p)
		}
	}
}
