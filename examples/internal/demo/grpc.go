package demo

import (
	"context"
	"errors"

	"github.com/customs-go/customs"
	authv1 "github.com/customs-go/customs/examples/gen/demo/auth/v1"
	bankv1 "github.com/customs-go/customs/examples/gen/demo/bank/v1"
	publicv1 "github.com/customs-go/customs/examples/gen/demo/public/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// RegisterGRPC registers the three demo services on a grpc-go server.
func (a *App) RegisterGRPC(s grpc.ServiceRegistrar) {
	authv1.RegisterAuthServiceServer(s, grpcAuth{service: a.svc})
	publicv1.RegisterPublicServiceServer(s, grpcPublic{service: a.svc})
	bankv1.RegisterBankServiceServer(s, grpcBank{service: a.svc})
}

type grpcAuth struct {
	authv1.UnimplementedAuthServiceServer
	service
}

func (g grpcAuth) Login(
	ctx context.Context,
	_ *authv1.LoginRequest,
) (*authv1.LoginResponse, error) {
	res, err := g.login(ctx)
	return res, grpcStatus(err)
}

func (g grpcAuth) Refresh(
	ctx context.Context,
	req *authv1.RefreshRequest,
) (*authv1.RefreshResponse, error) {
	res, err := g.refresh(ctx, req)
	return res, grpcStatus(err)
}

type grpcPublic struct {
	publicv1.UnimplementedPublicServiceServer
	service
}

func (g grpcPublic) Hello(
	_ context.Context,
	req *publicv1.HelloRequest,
) (*publicv1.HelloResponse, error) {
	return g.hello(req), nil
}

type grpcBank struct {
	bankv1.UnimplementedBankServiceServer
	service
}

func (g grpcBank) GetBalance(
	ctx context.Context,
	_ *bankv1.GetBalanceRequest,
) (*bankv1.GetBalanceResponse, error) {
	res, err := g.balance(ctx)
	return res, grpcStatus(err)
}

func (g grpcBank) WatchTransactions(
	_ *bankv1.WatchTransactionsRequest,
	stream grpc.ServerStreamingServer[bankv1.WatchTransactionsResponse],
) error {
	return grpcStatus(g.transactions(stream.Context(), stream.Send))
}

// grpcStatus gives the service's own errors a gRPC code and a fixed
// message; errors that already carry a status pass through.
func grpcStatus(err error) error {
	switch {
	case errors.Is(err, errNoUser):
		return status.Error(codes.Unauthenticated, "unauthenticated")
	case errors.Is(err, errRefused):
		return status.Error(customs.GRPCCode(err), customs.ConnectCode(err).String())
	}
	return err
}
