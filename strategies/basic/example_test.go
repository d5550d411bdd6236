package basic_test

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"log"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/strategies/basic"
)

func ExampleNew() {
	// A real application keeps password hashes: see the password package.
	passwords := map[string]string{"Aladdin": "open sesame"}
	strategy, err := basic.New(func(_ context.Context, name, pw string) (*user, error) {
		want, ok := passwords[name]
		if !ok || subtle.ConstantTimeCompare([]byte(want), []byte(pw)) != 1 {
			return nil, customs.ErrInvalidCredentials
		}
		return &user{Name: name}, nil
	}, basic.WithRealm("example"))
	if err != nil {
		log.Fatal(err)
	}
	c, err := customs.New(
		customs.WithStrategies(strategy),
		customs.WithRules(customs.Protect("test.v1.Echo", basic.DefaultName)),
	)
	if err != nil {
		log.Fatal(err)
	}

	// A grpc-go server for test.v1.Echo, whose Echo method answers with the
	// name of the caller, on an in-memory listener.
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(grpc.UnaryInterceptor(c.UnaryServerInterceptor()))
	srv.RegisterService(&echoService, nil)
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	conn, err := grpc.NewClient("passthrough:///bufconn",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	credentials := base64.StdEncoding.EncodeToString([]byte("Aladdin:open sesame"))
	for _, authorization := range []string{"Basic " + credentials, ""} {
		ctx := context.Background()
		if authorization != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", authorization)
		}
		var trailer metadata.MD
		out := new(wrapperspb.StringValue)
		err := conn.Invoke(ctx, "/test.v1.Echo/Echo", wrapperspb.String("hi"), out, grpc.Trailer(&trailer))
		if err != nil {
			fmt.Printf("%v, challenge %s\n", status.Code(err), trailer.Get("www-authenticate"))
			continue
		}
		fmt.Printf("OK, caller %s\n", out.GetValue())
	}
	// Output:
	// OK, caller Aladdin via basic
	// Unauthenticated, challenge [Basic realm="example", charset="UTF-8"]
}
