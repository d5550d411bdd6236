// Command connect is a connect-go server protected by Customs. One port
// serves the Connect, gRPC and gRPC-Web protocols over HTTP/1.1 and over
// HTTP/2 without TLS (h2c), with the standard library's http.Server alone.
// The rules are declared in the demo protos (customs.v1 options): Login
// needs a username and password in the request (Local) and returns a JWT
// access token and a refresh token; Refresh exchanges the refresh token
// for new tokens; BankService needs the access token (JWT) or Basic
// credentials; the public, health and reflection services are open.
// Customs.Middleware refuses calls before their body is read; the Connect
// interceptor runs the Local strategy, which reads the request message. At
// start-up the server checks that every mounted method has a rule.
//
// Run it with -demo to start it on a free loopback port, call it over each
// protocol, print what each call got, and exit: 0 if every outcome was the
// expected one, 1 otherwise.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"github.com/customs-go/customs"
	"github.com/customs-go/customs/examples/internal/demo"
)

func main() {
	demo.Main("connect", "127.0.0.1:8080", run)
}

// run builds the server and either serves until ctx ends or plays the demo.
func run(ctx context.Context, logger *slog.Logger, lis net.Listener, demoMode bool) error {
	handler, app, err := newHandler(logger)
	if err != nil {
		return err
	}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true) // h2c, for gRPC without TLS
	server := &http.Server{
		Handler:           handler,
		Protocols:         &protocols,
		ReadHeaderTimeout: 10 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- server.Serve(lis) }()
	defer server.Close()
	logger.Info("serving Connect, gRPC and gRPC-Web", "addr", lis.Addr().String())

	if demoMode {
		return playDemo(ctx, os.Stdout, "http://"+lis.Addr().String(), app)
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return server.Shutdown(shutdownCtx)
	}
}

// newHandler returns the mux of the demo, health and reflection services,
// wrapped in Customs.Middleware.
func newHandler(logger *slog.Logger, opts ...demo.Option) (http.Handler, *demo.App, error) {
	app, err := demo.New(logger, opts...)
	if err != nil {
		return nil, nil, err
	}
	c := app.Customs
	mux := http.NewServeMux()
	var paths []string
	handle := func(path string, h http.Handler) {
		mux.Handle(path, h)
		paths = append(paths, path)
	}
	for _, h := range app.ConnectHandlers(connect.WithInterceptors(c.ConnectInterceptor())) {
		handle(h.Path, h.Handler)
	}
	services := []string{demo.AuthService, demo.PublicService, demo.BankService}
	handle(grpchealth.NewHandler(grpchealth.NewStaticChecker(services...)))
	reflector := grpcreflect.NewStaticReflector(services...)
	handle(grpcreflect.NewHandlerV1(reflector))
	handle(grpcreflect.NewHandlerV1Alpha(reflector))

	// Fail at start-up, not at the first request, if a method has no rule.
	methods, err := customs.ConnectMethods(paths...)
	if err != nil {
		return nil, nil, err
	}
	if err := c.Check(methods); err != nil {
		return nil, nil, err
	}
	return c.Middleware(mux), app, nil
}

// errDemoFailed means an outcome of the demo was not the expected one.
var errDemoFailed = errors.New("demo: some outcomes were not the expected ones")

// playDemo calls the server at baseURL over each protocol and prints the
// outcomes to w.
func playDemo(ctx context.Context, w io.Writer, baseURL string, app *demo.App) error {
	expired, err := app.ExpiredAccessToken(ctx, "bob")
	if err != nil {
		return err
	}
	ok := true
	for _, p := range clientProtocols() {
		client := newClient(p.httpClient, baseURL, p.option)
		ok = demo.Run(ctx, w, p.name, client, expired) && ok
	}
	if !ok {
		return errDemoFailed
	}
	fmt.Fprintln(w, "all outcomes as expected")
	return nil
}
