package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/customs-go/customs"
	authv1 "github.com/customs-go/customs/examples/gen/demo/auth/v1"
	bankv1 "github.com/customs-go/customs/examples/gen/demo/bank/v1"
	publicv1 "github.com/customs-go/customs/examples/gen/demo/public/v1"
	"github.com/customs-go/customs/strategies/jwt"
)

// errNoUser means a protected handler ran without a user in its context.
// Customs makes that impossible for covered methods; the handlers check
// anyway rather than trust their wiring.
var errNoUser = errors.New("demo: no authenticated user")

// errRefused wraps the cause of a call that a handler refuses itself, like
// a bad refresh token. The adapters send the caller the code Customs maps
// the cause to (customs.GRPCCode, customs.ConnectCode), with a fixed
// message.
var errRefused = errors.New("demo: refused")

// service implements the demo services once, whatever the transport. The
// gRPC and Connect adapters translate its answers.
type service struct {
	signer *jwt.Signer
	logger *slog.Logger
}

// login greets the user whom the Local strategy authenticated and issues
// their tokens.
func (s service) login(ctx context.Context) (*authv1.LoginResponse, error) {
	user, ok := customs.UserFrom[*User](ctx)
	if !ok {
		return nil, errNoUser
	}
	tokens, err := s.signer.Issue(ctx, jwt.Grant{Subject: user.Name})
	if err != nil {
		s.logger.ErrorContext(ctx, "issuing tokens", "err", err)
		return nil, fmt.Errorf("%w: %w: issuing tokens: %w", errRefused, customs.ErrInternal, err)
	}
	return &authv1.LoginResponse{
		User:         user.Name,
		Greeting:     fmt.Sprintf("Welcome back, %s", user.Name),
		AccessToken:  tokens.AccessToken,
		RefreshToken: tokens.RefreshToken,
		ExpiresIn:    expiresIn(tokens),
	}, nil
}

// refresh exchanges a refresh token for new tokens. The method is open:
// the token is the credential, and the signer checks it and makes sure it
// works only once.
func (s service) refresh(ctx context.Context, req *authv1.RefreshRequest) (*authv1.RefreshResponse, error) {
	tokens, err := s.signer.Refresh(ctx, req.GetRefreshToken())
	if err != nil {
		// The error says why, never with the token in it.
		s.logger.InfoContext(ctx, "refresh refused", "err", err)
		return nil, fmt.Errorf("%w: %w", errRefused, err)
	}
	return &authv1.RefreshResponse{
		AccessToken:  tokens.AccessToken,
		RefreshToken: tokens.RefreshToken,
		ExpiresIn:    expiresIn(tokens),
	}, nil
}

// expiresIn returns the lifetime left to the access token, in whole
// seconds rounded up: the signer truncates exp to the second.
func expiresIn(t jwt.Tokens) int64 {
	return int64(math.Ceil(time.Until(t.Expiry).Seconds()))
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
