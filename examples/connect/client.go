package main

import (
	"context"
	"net/http"

	"connectrpc.com/connect"
	authv1 "github.com/customs-go/customs/examples/gen/demo/auth/v1"
	"github.com/customs-go/customs/examples/gen/demo/auth/v1/authv1connect"
	bankv1 "github.com/customs-go/customs/examples/gen/demo/bank/v1"
	"github.com/customs-go/customs/examples/gen/demo/bank/v1/bankv1connect"
	publicv1 "github.com/customs-go/customs/examples/gen/demo/public/v1"
	"github.com/customs-go/customs/examples/gen/demo/public/v1/publicv1connect"
	"github.com/customs-go/customs/examples/internal/demo"
	"google.golang.org/grpc/codes"
)

// clientProtocol is one way the demo client talks to the server.
type clientProtocol struct {
	name       string
	option     connect.ClientOption
	httpClient *http.Client
}

// clientProtocols returns the protocols the demo plays: Connect and
// gRPC-Web over HTTP/1.1, gRPC over h2c.
func clientProtocols() []clientProtocol {
	var h1, h2c http.Protocols
	h1.SetHTTP1(true)
	h2c.SetUnencryptedHTTP2(true)
	http1 := &http.Client{Transport: &http.Transport{Protocols: &h1}}
	http2 := &http.Client{Transport: &http.Transport{Protocols: &h2c}}
	return []clientProtocol{
		{"connect", connect.WithProtoJSON(), http1},
		{"grpc", connect.WithGRPC(), http2},
		{"grpc-web", connect.WithGRPCWeb(), http1},
	}
}

// client is a connect-go client of the demo services; it implements
// demo.Client.
type client struct {
	auth   authv1connect.AuthServiceClient
	public publicv1connect.PublicServiceClient
	bank   bankv1connect.BankServiceClient
}

// newClient returns a client of the server at baseURL.
func newClient(hc *http.Client, baseURL string, opts ...connect.ClientOption) *client {
	return &client{
		auth:   authv1connect.NewAuthServiceClient(hc, baseURL, opts...),
		public: publicv1connect.NewPublicServiceClient(hc, baseURL, opts...),
		bank:   bankv1connect.NewBankServiceClient(hc, baseURL, opts...),
	}
}

// Hello calls PublicService.Hello.
func (c *client) Hello(ctx context.Context) (string, error) {
	res, err := c.public.Hello(ctx, connect.NewRequest(&publicv1.HelloRequest{}))
	if err != nil {
		return "", err
	}
	return res.Msg.GetGreeting(), nil
}

// Login calls AuthService.Login.
func (c *client) Login(ctx context.Context, username, password string) (string, demo.Tokens, error) {
	req := connect.NewRequest(&authv1.LoginRequest{Username: username, Password: password})
	res, err := c.auth.Login(ctx, req)
	if err != nil {
		return "", demo.Tokens{}, err
	}
	tokens := demo.Tokens{
		AccessToken:  res.Msg.GetAccessToken(),
		RefreshToken: res.Msg.GetRefreshToken(),
		ExpiresIn:    res.Msg.GetExpiresIn(),
	}
	return res.Msg.GetGreeting(), tokens, nil
}

// Refresh calls AuthService.Refresh.
func (c *client) Refresh(ctx context.Context, refreshToken string) (demo.Tokens, error) {
	req := connect.NewRequest(&authv1.RefreshRequest{RefreshToken: refreshToken})
	res, err := c.auth.Refresh(ctx, req)
	if err != nil {
		return demo.Tokens{}, err
	}
	return demo.Tokens{
		AccessToken:  res.Msg.GetAccessToken(),
		RefreshToken: res.Msg.GetRefreshToken(),
		ExpiresIn:    res.Msg.GetExpiresIn(),
	}, nil
}

// Balance calls BankService.GetBalance.
func (c *client) Balance(ctx context.Context, authorization string) (int64, error) {
	req := connect.NewRequest(&bankv1.GetBalanceRequest{})
	setAuthorization(req.Header(), authorization)
	res, err := c.bank.GetBalance(ctx, req)
	if err != nil {
		return 0, err
	}
	return res.Msg.GetBalanceCents(), nil
}

// Watch calls BankService.WatchTransactions and counts the messages.
func (c *client) Watch(ctx context.Context, authorization string) (int, error) {
	req := connect.NewRequest(&bankv1.WatchTransactionsRequest{})
	setAuthorization(req.Header(), authorization)
	stream, err := c.bank.WatchTransactions(ctx, req)
	if err != nil {
		return 0, err
	}
	defer stream.Close()
	n := 0
	for stream.Receive() {
		n++
	}
	return n, stream.Err()
}

// Code returns the gRPC code of err: Connect's codes have the same numbers.
func (c *client) Code(err error) codes.Code { return codes.Code(connect.CodeOf(err)) }

// setAuthorization sends authorization in the `Authorization` header.
func setAuthorization(h http.Header, authorization string) {
	if authorization != "" {
		h.Set("Authorization", authorization)
	}
}
