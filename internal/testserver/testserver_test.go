package testserver_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/internal/testserver"
)

const challenge = `Bearer realm="test"`

// greet answers with the request's value, or refuses an empty one.
func greet(_ context.Context, in proto.Message) (string, error) {
	v, _ := in.(*wrapperspb.StringValue)
	if v.GetValue() == "" {
		return "", errors.New("no name")
	}
	return "hello " + v.GetValue(), nil
}

// twice answers a stream with two replies.
func twice(ctx context.Context, in proto.Message, send func(string) error) error {
	out, err := greet(ctx, in)
	for range 2 {
		if err == nil {
			err = send(out)
		}
	}
	return err
}

func TestEveryStack(t *testing.T) {
	t.Parallel()
	svc := testserver.Service{Name: "test.v1.Greeter", Methods: []testserver.Method{
		{Name: "Greet", Unary: greet},
		{Name: "Greets", Stream: twice},
	}}
	// The Customs lets in "Bearer x" alone, with a challenge for the others.
	token := customs.StrategyFunc("token", func(_ context.Context, call customs.Call) (customs.Identity, error) {
		if _, v, err := call.Header().Authorization(); err != nil || v != "x" {
			return customs.Identity{}, customs.Challenge(customs.ErrInvalidCredentials, challenge)
		}
		return customs.Identity{User: "x"}, nil
	})
	c, err := customs.New(
		customs.WithStrategies(token),
		customs.WithRules(customs.Protect("test.v1.*", "token")),
	)
	if err != nil {
		t.Fatal(err)
	}
	url := testserver.StartHTTP(t, testserver.NewConnectHandler(c, svc))
	bufconn := testserver.StartGRPC(t, testserver.NewGRPCServer(c, svc), testserver.Bufconn)
	tcp := testserver.StartGRPC(t, testserver.NewGRPCServer(c, svc), testserver.TCP)
	http1, h2c := testserver.HTTPClient(t, testserver.HTTP1), testserver.HTTPClient(t, testserver.H2C)
	clients := map[string]testserver.Client{
		"grpc/bufconn":  testserver.GRPCClient(bufconn),
		"grpc/tcp":      testserver.GRPCClient(tcp),
		"connect/http1": testserver.ConnectClient(http1, url),
		"connect/h2c":   testserver.ConnectClient(h2c, url, connect.WithGRPC()),
	}
	for name, client := range clients {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			got := client.Unary(ctx, "/test.v1.Greeter/Greet", wrapperspb.String("ann"), "", "Bearer x")
			if got.Code != codes.OK || !slices.Equal(got.Replies, []string{"hello ann"}) {
				t.Errorf("Unary = %v", got)
			}
			got = client.Unary(ctx, "/test.v1.Greeter/Greet", wrapperspb.String(""), "Bearer x")
			if got.Code != codes.Unknown || got.Message != "no name" || len(got.Replies) != 0 {
				t.Errorf("failing Unary = %v", got)
			}
			got = client.Unary(ctx, "/test.v1.Greeter/Greet", wrapperspb.String("ann"))
			if got.Code != codes.Unauthenticated || !slices.Equal(got.Challenges, []string{challenge}) {
				t.Errorf("refused Unary = %v", got)
			}
			got = client.Stream(ctx, "/test.v1.Greeter/Greets", wrapperspb.String("bo"), "Bearer x")
			if got.Code != codes.OK || strings.Join(got.Replies, ",") != "hello bo,hello bo" {
				t.Errorf("Stream = %v", got)
			}
			got = client.Stream(ctx, "/test.v1.Greeter/Greets", wrapperspb.String("bo"))
			if got.Code != codes.Unauthenticated || len(got.Replies) != 0 {
				t.Errorf("refused Stream = %v", got)
			}
		})
	}
}
