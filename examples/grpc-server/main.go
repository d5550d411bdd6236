// Command grpc-server is a grpc-go server protected by Customs, with rules
// declared in the demo protos (customs.v1 options): Login needs a username
// and password in the request (Local) and returns a JWT access token and a
// refresh token; Refresh exchanges the refresh token for new tokens;
// BankService needs the access token (JWT) or Basic credentials; the
// public, health and reflection services are open. At start-up it checks
// that every registered method has a rule.
//
// Run it with -demo to start it on a free loopback port, call it as a
// client, print what each call got, and exit: 0 if every outcome was the
// expected one, 1 otherwise.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/examples/internal/demo"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
)

func main() {
	demo.Main("grpc-server", "127.0.0.1:50051", run)
}

// run builds the server and either serves until ctx ends or plays the demo.
func run(ctx context.Context, logger *slog.Logger, lis net.Listener, demoMode bool) error {
	server, app, err := newServer(logger)
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- server.Serve(lis) }()
	defer server.Stop()
	logger.Info("serving gRPC", "addr", lis.Addr().String())

	if demoMode {
		return playDemo(ctx, os.Stdout, lis.Addr().String(), app)
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
		server.GracefulStop()
		return nil
	}
}

// newServer returns a grpc-go server with the demo, health and reflection
// services, every call going through Customs.
func newServer(logger *slog.Logger, opts ...demo.Option) (*grpc.Server, *demo.App, error) {
	app, err := demo.New(logger, opts...)
	if err != nil {
		return nil, nil, err
	}
	c := app.Customs
	server := grpc.NewServer(
		grpc.ChainUnaryInterceptor(c.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(c.StreamServerInterceptor()),
	)
	app.RegisterGRPC(server)
	healthpb.RegisterHealthServer(server, health.NewServer())
	reflection.Register(server)

	// Fail at start-up, not at the first request, if a method has no rule.
	if err := c.Check(customs.GRPCMethods(server)); err != nil {
		return nil, nil, err
	}
	return server, app, nil
}

// errDemoFailed means an outcome of the demo was not the expected one.
var errDemoFailed = errors.New("demo: some outcomes were not the expected ones")

// playDemo calls the server at addr as a client and prints the outcomes
// to w.
func playDemo(ctx context.Context, w io.Writer, addr string, app *demo.App) error {
	expired, err := app.ExpiredAccessToken(ctx, "bob")
	if err != nil {
		return err
	}
	client, err := dial(addr)
	if err != nil {
		return err
	}
	defer client.Close()
	if !demo.Run(ctx, w, "grpc", client, expired) {
		return errDemoFailed
	}
	fmt.Fprintln(w, "all outcomes as expected")
	return nil
}
