package main

import (
	"context"
	"errors"
	"io"

	authv1 "github.com/customs-go/customs/examples/gen/demo/auth/v1"
	bankv1 "github.com/customs-go/customs/examples/gen/demo/bank/v1"
	publicv1 "github.com/customs-go/customs/examples/gen/demo/public/v1"
	"github.com/customs-go/customs/examples/internal/demo"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// client is a grpc-go client of the demo services; it implements
// demo.Client. It talks plaintext, which only suits a loopback demo.
type client struct {
	conn   *grpc.ClientConn
	auth   authv1.AuthServiceClient
	public publicv1.PublicServiceClient
	bank   bankv1.BankServiceClient
}

// dial returns a client of the server at addr.
func dial(addr string) (*client, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	return &client{
		conn:   conn,
		auth:   authv1.NewAuthServiceClient(conn),
		public: publicv1.NewPublicServiceClient(conn),
		bank:   bankv1.NewBankServiceClient(conn),
	}, nil
}

// Close closes the connection.
func (c *client) Close() error { return c.conn.Close() }

// Hello calls PublicService.Hello.
func (c *client) Hello(ctx context.Context) (string, error) {
	res, err := c.public.Hello(ctx, &publicv1.HelloRequest{})
	return res.GetGreeting(), err
}

// Login calls AuthService.Login.
func (c *client) Login(ctx context.Context, username, password string) (string, demo.Tokens, error) {
	res, err := c.auth.Login(ctx, &authv1.LoginRequest{Username: username, Password: password})
	tokens := demo.Tokens{
		AccessToken:  res.GetAccessToken(),
		RefreshToken: res.GetRefreshToken(),
		ExpiresIn:    res.GetExpiresIn(),
	}
	return res.GetGreeting(), tokens, err
}

// Refresh calls AuthService.Refresh.
func (c *client) Refresh(ctx context.Context, refreshToken string) (demo.Tokens, error) {
	res, err := c.auth.Refresh(ctx, &authv1.RefreshRequest{RefreshToken: refreshToken})
	tokens := demo.Tokens{
		AccessToken:  res.GetAccessToken(),
		RefreshToken: res.GetRefreshToken(),
		ExpiresIn:    res.GetExpiresIn(),
	}
	return tokens, err
}

// Balance calls BankService.GetBalance.
func (c *client) Balance(ctx context.Context, authorization string) (int64, error) {
	res, err := c.bank.GetBalance(withAuthorization(ctx, authorization), &bankv1.GetBalanceRequest{})
	return res.GetBalanceCents(), err
}

// Watch calls BankService.WatchTransactions and counts the messages.
func (c *client) Watch(ctx context.Context, authorization string) (int, error) {
	ctx = withAuthorization(ctx, authorization)
	stream, err := c.bank.WatchTransactions(ctx, &bankv1.WatchTransactionsRequest{})
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		_, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// Code returns the gRPC code of err.
func (c *client) Code(err error) codes.Code { return status.Code(err) }

// withAuthorization sends authorization as `authorization` metadata.
func withAuthorization(ctx context.Context, authorization string) context.Context {
	if authorization == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", authorization)
}
