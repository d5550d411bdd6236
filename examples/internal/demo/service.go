package demo

import (
	"context"
	"errors"
	"fmt"

	"github.com/customs-go/customs"
	authv1 "github.com/customs-go/customs/examples/gen/demo/auth/v1"
	bankv1 "github.com/customs-go/customs/examples/gen/demo/bank/v1"
	publicv1 "github.com/customs-go/customs/examples/gen/demo/public/v1"
)

// errNoUser means a protected handler ran without a user in its context.
// Customs makes that impossible for covered methods; the handlers check
// anyway rather than trust their wiring.
var errNoUser = errors.New("demo: no authenticated user")

// service implements the demo services once, whatever the transport. The
// gRPC and Connect adapters translate its answers.
type service struct{}

// login greets the user whom the Local strategy authenticated.
func (service) login(ctx context.Context) (*authv1.LoginResponse, error) {
	user, ok := customs.UserFrom[*User](ctx)
	if !ok {
		return nil, errNoUser
	}
	return &authv1.LoginResponse{
		User:     user.Name,
		Greeting: fmt.Sprintf("Welcome back, %s", user.Name),
	}, nil
}

// hello is open: it greets whoever asks.
func (service) hello(req *publicv1.HelloRequest) *publicv1.HelloResponse {
	name := req.GetName()
	if name == "" {
		name = "world"
	}
	return &publicv1.HelloResponse{Greeting: "Hello, " + name}
}

// balance returns the balance of the authenticated user.
func (service) balance(ctx context.Context) (*bankv1.GetBalanceResponse, error) {
	user, ok := customs.UserFrom[*User](ctx)
	if !ok {
		return nil, errNoUser
	}
	return &bankv1.GetBalanceResponse{
		User:         user.Name,
		BalanceCents: user.BalanceCents,
		Currency:     Currency,
	}, nil
}

// transactions sends the authenticated user's transactions with send,
// stopping early if the stream's context ends.
func (service) transactions(
	ctx context.Context,
	send func(*bankv1.WatchTransactionsResponse) error,
) error {
	user, ok := customs.UserFrom[*User](ctx)
	if !ok {
		return errNoUser
	}
	for _, t := range user.Transactions {
		if err := ctx.Err(); err != nil {
			return err
		}
		msg := &bankv1.WatchTransactionsResponse{
			Id:          t.ID,
			AmountCents: t.AmountCents,
			Description: t.Description,
		}
		if err := send(msg); err != nil {
			return err
		}
	}
	return nil
}
