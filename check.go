package customs

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	customsv1 "github.com/customs-go/customs/proto/customs/v1"
)

// Method describes one method a server serves, for [Customs.Check].
type Method struct {
	// Procedure is the full method name, like "/acme.v1.Billing/GetInvoice".
	Procedure string
	// Stream is true for client, server and bidirectional streams.
	Stream bool
}

// CoverageError is returned by [Customs.Check]. It wraps [ErrUncovered]
// when some methods have no rule, and [ErrConfig] when a streaming method's
// rule uses a message strategy or when customs.v1 options were not read.
type CoverageError struct {
	// Uncovered lists the methods no rule covers; they would be denied.
	Uncovered []string
	// Misfit lists streaming methods whose rule uses a strategy that reads
	// the request message, which streams do not have.
	Misfit []string
	// Unread lists methods whose proto declares customs.v1 options that
	// were not given to [New] with [WithProtoRules] or [WithProtoServices]:
	// the rules enforced would not be the ones the API definition states.
	Unread []string
}

func (e *CoverageError) Error() string {
	var parts []string
	if len(e.Uncovered) > 0 {
		parts = append(parts, "no rule covers "+strings.Join(e.Uncovered, ", "))
	}
	if len(e.Misfit) > 0 {
		parts = append(parts, "streaming methods use a message strategy: "+strings.Join(e.Misfit, ", "))
	}
	if len(e.Unread) > 0 {
		parts = append(parts, "customs.v1 options not read (see WithProtoRules): "+strings.Join(e.Unread, ", "))
	}
	return "customs: " + strings.Join(parts, "; ")
}

// Unwrap returns the sentinels the error stands for.
func (e *CoverageError) Unwrap() []error {
	var errs []error
	if len(e.Uncovered) > 0 {
		errs = append(errs, ErrUncovered)
	}
	if len(e.Misfit) > 0 || len(e.Unread) > 0 {
		errs = append(errs, ErrConfig)
	}
	return errs
}

// Check reports, in one *[CoverageError], every method that no rule covers,
// every streaming method whose rule uses a message strategy, and every
// method whose proto (as linked into the program) declares customs.v1
// options that this Customs was not given. Call it at start-up with the
// methods a server registers ([GRPCMethods], [ServiceMethods],
// [ConnectMethods]) so a forgotten rule is caught before the first request.
// It returns nil when all is well.
func (c *Customs) Check(methods []Method) error {
	var e CoverageError
	for _, m := range methods {
		rule := c.rules.walk(m.Procedure)
		switch {
		case rule == nil:
			e.Uncovered = append(e.Uncovered, m.Procedure)
		case m.Stream && !rule.headerOnly:
			e.Misfit = append(e.Misfit, m.Procedure)
		}
		if c.declaresUnread(m.Procedure) {
			e.Unread = append(e.Unread, m.Procedure)
		}
	}
	if len(e.Uncovered)+len(e.Misfit)+len(e.Unread) == 0 {
		return nil
	}
	slices.Sort(e.Uncovered)
	slices.Sort(e.Misfit)
	slices.Sort(e.Unread)
	return &e
}

// declaresUnread reports whether the linked descriptor of a procedure
// carries customs.v1 options that New was not given.
func (c *Customs) declaresUnread(procedure string) bool {
	svc, method, ok := splitProcedure(procedure)
	if !ok || c.protoServices[protoreflect.FullName(svc)] {
		return false
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc))
	sd, isService := d.(protoreflect.ServiceDescriptor)
	if err != nil || !isService {
		return false
	}
	if ruleOption(sd.Options(), customsv1.E_Service) != nil {
		return true
	}
	md := sd.Methods().ByName(protoreflect.Name(method))
	return md != nil && ruleOption(md.Options(), customsv1.E_Method) != nil
}

// ServiceInfoProvider is implemented by *grpc.Server and by the xDS server.
type ServiceInfoProvider interface {
	GetServiceInfo() map[string]grpc.ServiceInfo
}

// GRPCMethods lists the methods registered on a grpc-go server.
func GRPCMethods(server ServiceInfoProvider) []Method {
	var methods []Method
	for name, info := range server.GetServiceInfo() {
		for _, m := range info.Methods {
			methods = append(methods, Method{
				Procedure: "/" + name + "/" + m.Name,
				Stream:    m.IsClientStream || m.IsServerStream,
			})
		}
	}
	slices.SortFunc(methods, func(a, b Method) int { return strings.Compare(a.Procedure, b.Procedure) })
	return methods
}

// ServiceMethods lists the methods of service descriptors, such as
// billingv1.File_acme_billing_v1_billing_proto.Services().Get(0).
func ServiceMethods(services ...protoreflect.ServiceDescriptor) []Method {
	var methods []Method
	for _, sd := range services {
		for i := range sd.Methods().Len() {
			md := sd.Methods().Get(i)
			methods = append(methods, Method{
				Procedure: "/" + string(sd.FullName()) + "/" + string(md.Name()),
				Stream:    md.IsStreamingClient() || md.IsStreamingServer(),
			})
		}
	}
	return methods
}

// ConnectMethods lists the methods of the services mounted on a Connect
// mux, from the paths the generated New...Handler functions return (like
// "/acme.billing.v1.Billing/"), or from service names. The services must be
// linked into the program, their descriptors found in
// protoregistry.GlobalFiles; the health and reflection services of
// connectrpc.com/grpchealth and connectrpc.com/grpcreflect, which link no
// descriptors, are known without.
func ConnectMethods(paths ...string) ([]Method, error) {
	var methods []Method
	var errs []error
	for _, p := range paths {
		name := strings.Trim(p, "/")
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
		if sd, ok := d.(protoreflect.ServiceDescriptor); ok && err == nil {
			methods = append(methods, ServiceMethods(sd)...)
			continue
		}
		if known, ok := wellKnownMethods(name); ok {
			methods = append(methods, known...)
			continue
		}
		errs = append(errs, fmt.Errorf("customs: no service %q linked into the program", name))
	}
	return methods, errors.Join(errs...)
}

// wellKnownMethods lists the methods that connect-go's health and
// reflection handlers serve.
func wellKnownMethods(service string) ([]Method, bool) {
	switch service {
	case HealthService:
		return []Method{
			{Procedure: "/" + HealthService + "/Check"},
			{Procedure: "/" + HealthService + "/Watch", Stream: true},
		}, true
	case ReflectionService, ReflectionServiceV1Alpha:
		return []Method{{Procedure: "/" + service + "/ServerReflectionInfo", Stream: true}}, true
	}
	return nil, false
}
