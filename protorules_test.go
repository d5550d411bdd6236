package customs_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	_ "google.golang.org/protobuf/types/known/wrapperspb" // the test file imports wrappers.proto

	"github.com/customs-go/customs"
	bankv1 "github.com/customs-go/customs/examples/gen/demo/bank/v1"
	customsv1 "github.com/customs-go/customs/proto/customs/v1"
)

type methodSpec struct {
	name   string
	stream bool
	rule   *customsv1.Rule
}

type serviceSpec struct {
	name    string // in package test.v1
	rule    *customsv1.Rule
	methods []methodSpec
}

// protoFile builds a file descriptor for package test.v1 whose services
// carry customs.v1 options, as protoc would from a .proto source.
func protoFile(t testing.TB, services ...serviceSpec) protoreflect.FileDescriptor {
	t.Helper()
	fdp := &descriptorpb.FileDescriptorProto{
		Name:       proto.String("test/v1/" + strings.ToLower(services[0].name) + ".proto"),
		Package:    proto.String("test.v1"),
		Syntax:     proto.String("proto3"),
		Dependency: []string{"google/protobuf/wrappers.proto"},
	}
	for _, s := range services {
		sdp := &descriptorpb.ServiceDescriptorProto{Name: proto.String(s.name), Options: &descriptorpb.ServiceOptions{}}
		if s.rule != nil {
			proto.SetExtension(sdp.Options, customsv1.E_Service, s.rule)
		}
		for _, m := range s.methods {
			mdp := &descriptorpb.MethodDescriptorProto{
				Name:            proto.String(m.name),
				InputType:       proto.String(".google.protobuf.StringValue"),
				OutputType:      proto.String(".google.protobuf.StringValue"),
				ServerStreaming: proto.Bool(m.stream),
				Options:         &descriptorpb.MethodOptions{},
			}
			if m.rule != nil {
				proto.SetExtension(mdp.Options, customsv1.E_Method, m.rule)
			}
			sdp.Method = append(sdp.Method, mdp)
		}
		fdp.Service = append(fdp.Service, sdp)
	}
	fd, err := protodesc.NewFile(fdp, protoregistry.GlobalFiles)
	if err != nil {
		t.Fatalf("protodesc.NewFile: %v", err)
	}
	return fd
}

// echoFile declares in options the same rules as testRules, for the
// services the test servers serve.
func echoFile(t testing.TB) protoreflect.FileDescriptor {
	return protoFile(t, serviceSpec{
		name: "Echo",
		rule: &customsv1.Rule{Strategies: []string{"token"}},
		methods: []methodSpec{
			{name: "Echo"},
			{name: "Ping", rule: &customsv1.Rule{Open: true}},
			{name: "Admin", rule: &customsv1.Rule{Scopes: []string{"admin"}}},
			{name: "Count", stream: true},
			{name: "Watch", stream: true},
		},
	})
}

func TestProtoRulesOnRealServers(t *testing.T) {
	t.Parallel()
	c, err := customs.New(customs.WithStrategies(newTokenStrategy()), customs.WithProtoRules(echoFile(t)))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		procedure, auth string
		code            codes.Code
	}{
		{"/test.v1.Echo/Echo", "Bearer alice", codes.OK},
		{"/test.v1.Echo/Echo", "", codes.Unauthenticated},
		{"/test.v1.Echo/Ping", "", codes.OK},
		{"/test.v1.Echo/Admin", "Bearer admin", codes.OK},
		{"/test.v1.Echo/Admin", "Bearer alice", codes.PermissionDenied}, // scopes on the method, strategies from the service
		{"/test.v1.Echo/Admin", "", codes.Unauthenticated},
		{"/other.v1.Uncovered/Get", "Bearer alice", codes.PermissionDenied},
	}
	for _, st := range allStacks(t, c) {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range cases {
				if _, code, _ := st.unary(t.Context(), tc.procedure, tc.auth); code != tc.code {
					t.Errorf("%s with %q: %v, want %v", tc.procedure, tc.auth, code, tc.code)
				}
			}
			if _, code := st.stream(t.Context(), "/test.v1.Echo/Count", ""); code != codes.Unauthenticated {
				t.Errorf("anonymous stream: %v", code)
			}
		})
	}
	// The coverage check counts the rules from options.
	err = c.Check(customs.GRPCMethods(newGRPCServer(c)))
	var ce *customs.CoverageError
	if !errors.As(err, &ce) || strings.Join(ce.Uncovered, ",") != "/other.v1.Uncovered/Get" {
		t.Fatalf("Check = %v, want only /other.v1.Uncovered/Get uncovered", err)
	}
}

func TestProtoRulesMergeWithGoRules(t *testing.T) {
	t.Parallel()
	c, err := customs.New(
		customs.WithStrategies(newTokenStrategy()),
		customs.WithProtoRules(echoFile(t)),
		customs.WithRules(
			customs.Protect("test.v1.Echo", "token"), // agrees with the service option
			customs.Open("other.v1.Uncovered"),       // only in Go
		),
	)
	if err != nil {
		t.Fatal(err)
	}
	st := allStacks(t, c)[0]
	if _, code, _ := st.unary(t.Context(), "/other.v1.Uncovered/Get", ""); code != codes.OK {
		t.Fatalf("Go rule not applied: %v", code)
	}
	if _, code, _ := st.unary(t.Context(), "/test.v1.Echo/Ping", ""); code != codes.OK {
		t.Fatalf("method option not applied: %v", code)
	}
}

func TestProtoRuleErrors(t *testing.T) {
	t.Parallel()
	svc := func(rule *customsv1.Rule, methods ...methodSpec) []customs.Option {
		return []customs.Option{
			customs.WithStrategies(newTokenStrategy()),
			customs.WithProtoRules(protoFile(t, serviceSpec{name: "Conf", rule: rule, methods: methods})),
		}
	}
	tests := []struct {
		name string
		opts []customs.Option
		want string
	}{
		{
			"unknown strategy on a method",
			svc(nil, methodSpec{name: "Get", rule: &customsv1.Rule{Strategies: []string{"jwtt"}}}),
			`customs: invalid configuration: rule "/test.v1.Conf/Get" names unknown strategy "jwtt" (customs.v1 option of /test.v1.Conf/Get)`,
		},
		{
			"unknown strategy on a service",
			svc(&customsv1.Rule{Strategies: []string{"nope"}}, methodSpec{name: "Get"}),
			`customs: invalid configuration: rule "test.v1.Conf" names unknown strategy "nope" (customs.v1 option of test.v1.Conf)`,
		},
		{
			"bad scope syntax",
			svc(&customsv1.Rule{Strategies: []string{"token"}}, methodSpec{name: "Get", rule: &customsv1.Rule{Scopes: []string{"read write"}}}),
			`customs: invalid configuration: rule "/test.v1.Conf/Get" has bad scope "read write" (customs.v1 option of /test.v1.Conf/Get)`,
		},
		{
			"open with strategies",
			svc(nil, methodSpec{name: "Get", rule: &customsv1.Rule{Open: true, Strategies: []string{"token"}}}),
			`customs: invalid configuration: open rule "/test.v1.Conf/Get" names strategies or scopes (customs.v1 option of /test.v1.Conf/Get)`,
		},
		{
			"scopes without strategies",
			svc(nil, methodSpec{name: "Get", rule: &customsv1.Rule{Scopes: []string{"x"}}}),
			`customs: invalid configuration: rule "/test.v1.Conf/Get" is neither open nor names a strategy (customs.v1 option of /test.v1.Conf/Get)`,
		},
		{
			"conflict with a Go rule",
			append(svc(nil, methodSpec{name: "Get", rule: &customsv1.Rule{Open: true}}),
				customs.WithRules(customs.Protect("/test.v1.Conf/Get", "token"))),
			`customs: invalid configuration: /test.v1.Conf/Get: Go rule {strategies ["token"], scopes []} and customs.v1 option {open} disagree`,
		},
		{
			"conflict on scopes",
			append(svc(&customsv1.Rule{Strategies: []string{"token"}, Scopes: []string{"a"}}, methodSpec{name: "Get"}),
				customs.WithRules(customs.Protect("test.v1.Conf", "token").RequireScopes("b"))),
			`customs: invalid configuration: test.v1.Conf: Go rule {strategies ["token"], scopes ["b"]} and customs.v1 option {strategies ["token"], scopes ["a"]} disagree`,
		},
		{
			"unknown service name",
			[]customs.Option{customs.WithProtoServices("no.such.v1.Service")},
			`customs: invalid configuration: no service "no.such.v1.Service" linked into the program`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := customs.New(tt.opts...)
			if !errors.Is(err, customs.ErrConfig) || err.Error() != tt.want {
				t.Fatalf("New:\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestProtoServicesByName(t *testing.T) {
	t.Parallel()
	// grpc.health.v1.Health declares no options: it adds no rule, so it
	// stays uncovered.
	c, err := customs.New(
		customs.WithStrategies(newTokenStrategy()),
		customs.WithRules(testRules()...),
		customs.WithProtoServices(customs.HealthService),
	)
	if err != nil {
		t.Fatal(err)
	}
	methods, err := customs.ConnectMethods(customs.HealthService)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(methods); !errors.Is(err, customs.ErrUncovered) {
		t.Fatalf("Check = %v", err)
	}
}

// A service whose proto declares customs.v1 options must have them read:
// otherwise a Go safe zone would silently replace what the API states.
func TestCheckReportsUnreadProtoOptions(t *testing.T) {
	t.Parallel()
	bank := bankv1.File_demo_bank_v1_bank_proto
	methods := customs.ServiceMethods(bank.Services().Get(0))
	jwtLike := customs.StrategyFunc("jwt", nil)
	basicLike := customs.StrategyFunc("basic", nil)

	without, err := customs.New(
		customs.WithStrategies(jwtLike, basicLike),
		customs.WithRules(customs.Protect("demo.bank.*", "basic")),
	)
	if err != nil {
		t.Fatal(err)
	}
	err = without.Check(methods)
	var ce *customs.CoverageError
	if !errors.As(err, &ce) || !errors.Is(err, customs.ErrConfig) || len(ce.Uncovered) != 0 {
		t.Fatalf("Check = %v, want unread options only", err)
	}
	if want := []string{"/demo.bank.v1.BankService/GetBalance", "/demo.bank.v1.BankService/WatchTransactions"}; !slices.Equal(ce.Unread, want) {
		t.Fatalf("unread = %q, want %q", ce.Unread, want)
	}

	with, err := customs.New(customs.WithStrategies(jwtLike, basicLike), customs.WithProtoRules(bank))
	if err != nil {
		t.Fatal(err)
	}
	if err := with.Check(methods); err != nil {
		t.Fatalf("Check with the options read = %v", err)
	}
}
