package customs_test

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/customs-go/customs"
)

// Account is an application's user type.
type Account struct{ Name string }

// apiKeys is a strategy an application writes itself: an API key in the
// x-api-key header, compared in constant time.
func apiKeys() customs.Strategy {
	return customs.StrategyFunc("apikey", func(_ context.Context, call customs.Call) (customs.Identity, error) {
		key := call.Header().Get("x-api-key")
		if key == "" {
			return customs.Identity{}, customs.ErrNoCredentials
		}
		if subtle.ConstantTimeCompare([]byte(key), []byte("k-123")) != 1 {
			return customs.Identity{}, customs.ErrInvalidCredentials
		}
		return customs.Identity{User: &Account{Name: "ops"}}, nil
	})
}

func ExampleNew() {
	c, err := customs.New(
		customs.WithStrategies(apiKeys()),
		customs.WithRules(
			customs.Protect("acme.billing.*", "apikey"),
			customs.Open(customs.HealthService),
		),
	)
	fmt.Println(c != nil, err)

	_, err = customs.New(
		customs.WithStrategies(apiKeys()),
		customs.WithRules(customs.Protect("acme.billing.*", "jwt")),
	)
	fmt.Println(errors.Is(err, customs.ErrConfig), err)
	// Output:
	// true <nil>
	// true customs: invalid configuration: rule "acme.billing.*" names unknown strategy "jwt"
}

func ExampleCustoms_UnaryServerInterceptor() {
	c, err := customs.New(
		customs.WithStrategies(apiKeys()),
		customs.WithRules(customs.Protect(customs.HealthService, "apikey")),
	)
	if err != nil {
		panic(err)
	}
	server := grpc.NewServer(
		grpc.ChainUnaryInterceptor(c.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(c.StreamServerInterceptor()),
	)
	healthpb.RegisterHealthServer(server, health.NewServer())
	lis := bufconn.Listen(1 << 16)
	go server.Serve(lis)
	defer server.Stop()

	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
	)
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	client := healthpb.NewHealthClient(conn)

	_, err = client.Check(context.Background(), &healthpb.HealthCheckRequest{})
	fmt.Println(status.Code(err))

	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-api-key", "k-123")
	res, err := client.Check(ctx, &healthpb.HealthCheckRequest{})
	fmt.Println(res.GetStatus(), err)
	// Output:
	// Unauthenticated
	// SERVING <nil>
}

func ExampleCustoms_ConnectInterceptor() {
	c, err := customs.New(
		customs.WithStrategies(apiKeys()),
		customs.WithRules(customs.Protect("acme.v1.Greeter", "apikey")),
	)
	if err != nil {
		panic(err)
	}
	greet := func(ctx context.Context, req *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
		account, _ := customs.UserFrom[*Account](ctx)
		return connect.NewResponse(wrapperspb.String("hello " + req.Msg.GetValue() + " from " + account.Name)), nil
	}
	mux := http.NewServeMux()
	mux.Handle("/acme.v1.Greeter/Greet", connect.NewUnaryHandler("/acme.v1.Greeter/Greet", greet,
		connect.WithInterceptors(c.ConnectInterceptor())))
	server := httptest.NewServer(c.Middleware(mux))
	defer server.Close()

	client := connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](
		server.Client(), server.URL+"/acme.v1.Greeter/Greet")
	_, err = client.CallUnary(context.Background(), connect.NewRequest(wrapperspb.String("ann")))
	fmt.Println(connect.CodeOf(err))

	req := connect.NewRequest(wrapperspb.String("ann"))
	req.Header().Set("X-Api-Key", "k-123")
	res, err := client.CallUnary(context.Background(), req)
	fmt.Println(res.Msg.GetValue(), err)
	// Output:
	// unauthenticated
	// hello ann from ops <nil>
}

func ExampleCustoms_Check() {
	c, err := customs.New(
		customs.WithStrategies(apiKeys()),
		customs.WithRules(customs.Protect("acme.*", "apikey")),
	)
	if err != nil {
		panic(err)
	}
	server := grpc.NewServer(grpc.ChainUnaryInterceptor(c.UnaryServerInterceptor()))
	healthpb.RegisterHealthServer(server, health.NewServer())
	fmt.Println(c.Check(customs.GRPCMethods(server)))
	// Output:
	// customs: no rule covers /grpc.health.v1.Health/Check, /grpc.health.v1.Health/List, /grpc.health.v1.Health/Watch
}

func ExampleUserFrom() {
	// In a handler's test, put the user in the context directly.
	ctx := customs.NewContext(context.Background(), &Account{Name: "ann"}, "apikey")

	account, ok := customs.UserFrom[*Account](ctx)
	fmt.Println(account.Name, ok)
	id, _ := customs.IdentityFrom(ctx)
	fmt.Println(id.Strategy)
	// Output:
	// ann true
	// apikey
}
