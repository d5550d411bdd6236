package demo

import (
	"context"
	"errors"
	"net/http"

	"connectrpc.com/connect"
	"github.com/customs-go/customs"
	authv1 "github.com/customs-go/customs/examples/gen/demo/auth/v1"
	"github.com/customs-go/customs/examples/gen/demo/auth/v1/authv1connect"
	bankv1 "github.com/customs-go/customs/examples/gen/demo/bank/v1"
	"github.com/customs-go/customs/examples/gen/demo/bank/v1/bankv1connect"
	publicv1 "github.com/customs-go/customs/examples/gen/demo/public/v1"
	"github.com/customs-go/customs/examples/gen/demo/public/v1/publicv1connect"
)

// Handler is one service's Connect handler and the path to mount it on.
type Handler struct {
	Path    string
	Handler http.Handler
}

// ConnectHandlers returns the Connect handlers of the three demo services,
// built with opts (pass the Customs interceptor here).
func (a *App) ConnectHandlers(opts ...connect.HandlerOption) []Handler {
	var hs []Handler
	add := func(path string, h http.Handler) { hs = append(hs, Handler{path, h}) }
	add(authv1connect.NewAuthServiceHandler(connectAuth{a.svc}, opts...))
	add(publicv1connect.NewPublicServiceHandler(connectPublic{a.svc}, opts...))
	add(bankv1connect.NewBankServiceHandler(connectBank{a.svc}, opts...))
	return hs
}

type connectAuth struct{ service }

func (c connectAuth) Login(
	ctx context.Context,
	_ *connect.Request[authv1.LoginRequest],
) (*connect.Response[authv1.LoginResponse], error) {
	return respond(c.login(ctx))
}

func (c connectAuth) Refresh(
	ctx context.Context,
	req *connect.Request[authv1.RefreshRequest],
) (*connect.Response[authv1.RefreshResponse], error) {
	return respond(c.refresh(ctx, req.Msg))
}

type connectPublic struct{ service }

func (c connectPublic) Hello(
	_ context.Context,
	req *connect.Request[publicv1.HelloRequest],
) (*connect.Response[publicv1.HelloResponse], error) {
	return connect.NewResponse(c.hello(req.Msg)), nil
}

type connectBank struct{ service }

func (c connectBank) GetBalance(
	ctx context.Context,
	_ *connect.Request[bankv1.GetBalanceRequest],
) (*connect.Response[bankv1.GetBalanceResponse], error) {
	return respond(c.balance(ctx))
}

func (c connectBank) WatchTransactions(
	ctx context.Context,
	_ *connect.Request[bankv1.WatchTransactionsRequest],
	stream *connect.ServerStream[bankv1.WatchTransactionsResponse],
) error {
	return connectError(c.transactions(ctx, stream.Send))
}

// respond wraps a service answer for Connect.
func respond[T any](msg *T, err error) (*connect.Response[T], error) {
	if err != nil {
		return nil, connectError(err)
	}
	return connect.NewResponse(msg), nil
}

// connectError gives the service's own errors a Connect code and a fixed
// message; other errors pass through.
func connectError(err error) error {
	switch {
	case errors.Is(err, errNoUser):
		return connect.NewError(connect.CodeUnauthenticated, errors.New("unauthenticated"))
	case errors.Is(err, errRefused):
		code := customs.ConnectCode(err)
		return connect.NewError(code, errors.New(code.String()))
	}
	return err
}
