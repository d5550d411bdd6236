package customs

import (
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	customsv1 "github.com/customs-go/customs/proto/customs/v1"
)

// WithProtoRules reads the rules that the services of the given files
// declare with the customs.v1 service and method options (see
// proto/customs/v1/options.proto). Generated Go code exposes each file as a
// variable like billingv1.File_acme_billing_v1_billing_proto.
//
// A method's option beats its service's; on a method, strategies and scopes
// left unset are taken from the service's option. Rules from options and
// rules from [WithRules] merge; when both give a rule for the same method or
// service they must agree, or [New] fails naming it.
func WithProtoRules(files ...protoreflect.FileDescriptor) Option {
	return func(c *config) {
		for _, f := range files {
			for i := range f.Services().Len() {
				c.services = append(c.services, f.Services().Get(i))
			}
		}
	}
}

// WithProtoServices is [WithProtoRules] for services named by their full
// names, such as the ServiceName of a generated grpc.ServiceDesc or the
// ...ServiceName constant of generated Connect code. The services must be
// linked into the program; [New] fails for one that is not.
func WithProtoServices(names ...string) Option {
	return func(c *config) {
		for _, name := range names {
			d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
			sd, ok := d.(protoreflect.ServiceDescriptor)
			if err != nil || !ok {
				c.errs = append(c.errs, fmt.Errorf("%w: no service %q linked into the program", ErrConfig, name))
				continue
			}
			c.services = append(c.services, sd)
		}
	}
}

// protoRules returns the rules the services declare in their options.
func protoRules(services []protoreflect.ServiceDescriptor) []Rule {
	var rules []Rule
	seen := map[protoreflect.FullName]bool{}
	for _, sd := range services {
		if seen[sd.FullName()] {
			continue
		}
		seen[sd.FullName()] = true
		svc := ruleOption(sd.Options(), customsv1.E_Service)
		if svc != nil {
			rules = append(rules, fromOption(string(sd.FullName()), svc, nil))
		}
		for i := range sd.Methods().Len() {
			md := sd.Methods().Get(i)
			if m := ruleOption(md.Options(), customsv1.E_Method); m != nil {
				pattern := "/" + string(sd.FullName()) + "/" + string(md.Name())
				rules = append(rules, fromOption(pattern, m, svc))
			}
		}
	}
	return rules
}

// ruleOption returns the customs.v1 rule in a descriptor's options, or nil.
func ruleOption(opts proto.Message, xt protoreflect.ExtensionType) *customsv1.Rule {
	if opts == nil || !proto.HasExtension(opts, xt) {
		return nil
	}
	r, _ := proto.GetExtension(opts, xt).(*customsv1.Rule)
	return r
}

// fromOption turns an option into a rule; a method's unset strategies and
// scopes come from its service's option.
func fromOption(pattern string, r, svc *customsv1.Rule) Rule {
	rule := Rule{
		Pattern:    pattern,
		Open:       r.GetOpen(),
		Strategies: slices.Clone(r.GetStrategies()),
		Scopes:     slices.Clone(r.GetScopes()),
		fromProto:  true,
	}
	if svc != nil && !rule.Open {
		if len(rule.Strategies) == 0 && !svc.GetOpen() {
			rule.Strategies = slices.Clone(svc.GetStrategies())
		}
		if len(rule.Scopes) == 0 {
			rule.Scopes = slices.Clone(svc.GetScopes())
		}
	}
	return rule
}

// mergeRules adds the rules from proto options to the Go rules. A pattern
// given by both must be given the same rule.
func mergeRules(goRules, fromProto []Rule) ([]Rule, error) {
	byPattern := make(map[string]Rule, len(goRules))
	for _, r := range goRules {
		byPattern[r.Pattern] = r
	}
	merged := slices.Clone(goRules)
	for _, p := range fromProto {
		g, ok := byPattern[p.Pattern]
		if !ok {
			merged = append(merged, p)
			continue
		}
		if !sameRule(g, p) {
			return nil, fmt.Errorf("%w: %s: Go rule %s and customs.v1 option %s disagree",
				ErrConfig, p.Pattern, describe(g), describe(p))
		}
	}
	return merged, nil
}

func sameRule(a, b Rule) bool {
	return a.Open == b.Open && slices.Equal(a.Strategies, b.Strategies) && sameSet(a.Scopes, b.Scopes)
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// describe renders a rule for an error message.
func describe(r Rule) string {
	if r.Open {
		return "{open}"
	}
	return fmt.Sprintf("{strategies %q, scopes %q}", r.Strategies, r.Scopes)
}
