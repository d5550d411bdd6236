// Package customs puts authentication in front of gRPC and Connect servers,
// in the manner of Passport.js: one [Customs] value holds the strategies an
// application uses and the rules that say which strategies protect which
// methods, and its interceptors apply those rules to every call.
//
// # Quick start
//
// Protect a service with Basic credentials and leave health checks open:
//
//	check := func(ctx context.Context, name, pw string) (*User, error) { ... }
//	b, err := basic.New(check)
//	if err != nil { ... }
//	c, err := customs.New(
//		customs.WithStrategies(b),
//		customs.WithRules(
//			customs.Protect("acme.billing.*", "basic"),
//			customs.Open(customs.HealthService),
//		),
//	)
//	if err != nil { ... }
//	server := grpc.NewServer(
//		grpc.ChainUnaryInterceptor(c.UnaryServerInterceptor()),
//		grpc.ChainStreamInterceptor(c.StreamServerInterceptor()),
//	)
//
// Handlers read the user with its own type:
//
//	user, ok := customs.UserFrom[*User](ctx)
//
// With connect-go, pass [Customs.ConnectInterceptor] to the handler
// constructors with connect.WithInterceptors, and optionally wrap the mux in
// [Customs.Middleware] to refuse unauthenticated calls before their body is
// read.
//
// # Rules
//
// A [Rule] maps a pattern to strategies tried in order, or to open access.
// From most to least specific, a pattern names one method
// ("/acme.billing.v1.Billing/GetInvoice"), one service
// ("acme.billing.v1.Billing"), every service under a package on a dot
// boundary ("acme.billing.*"), or everything ("*"). The most specific match
// wins. A method no rule covers is denied, and [Customs.Check] lists such
// methods at start-up.
//
// # Strategies
//
// A [Strategy] reads credentials from a read-only view of the call, [Call],
// and returns an [Identity] or an error. The first strategy that succeeds
// wins; one that finds no credentials of its kind returns [ErrNoCredentials]
// and the next is tried. Customs ships the Basic, Local and JWT strategies
// (packages strategies/basic, strategies/local and strategies/jwt, with
// password hashing in package password); an application writes its own
// with [StrategyFunc].
//
// # Rules in the API definition
//
// Rules can also live beside the methods they protect, as customs.v1
// options in the .proto files (proto/customs/v1/options.proto):
//
//	service BillingService {
//	  option (customs.v1.service) = {strategies: ["jwt"]};
//	  rpc Status(StatusRequest) returns (StatusResponse) {
//	    option (customs.v1.method) = {open: true};
//	  }
//	}
//
// [WithProtoRules] reads them from generated file descriptors; they merge
// with the rules given in Go, and must agree with them.
//
// # Errors
//
// A refused call ends with a fixed, generic message and the code of the most
// severe failure: Unauthenticated, PermissionDenied, ResourceExhausted,
// Unavailable or Internal, mapped in one place ([GRPCCode], [ConnectCode]).
// The cause goes to the optional logger ([WithLogger]) or event hook
// ([WithEventHook]), never to the caller, and never holds credentials.
package customs
