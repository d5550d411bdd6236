package demo

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"time"

	"google.golang.org/grpc/codes"
)

// Client calls the demo services over one transport. Methods that take
// authorization send it as the `authorization` metadata or header, unless
// it is empty.
type Client interface {
	// Hello calls the open PublicService.Hello.
	Hello(ctx context.Context) (greeting string, err error)
	// Login calls AuthService.Login with credentials in the message.
	Login(ctx context.Context, username, password string) (greeting string, err error)
	// Balance calls BankService.GetBalance.
	Balance(ctx context.Context, authorization string) (cents int64, err error)
	// Watch calls BankService.WatchTransactions and counts the messages.
	Watch(ctx context.Context, authorization string) (received int, err error)
	// Code returns the gRPC code of an error the other methods returned.
	Code(err error) codes.Code
}

// BasicAuthorization returns the value of an `authorization` header that
// carries Basic credentials (RFC 7617).
func BasicAuthorization(username, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(username+":"+password))
}

// step is one call of the scenario and the code it must end with.
type step struct {
	name string
	want codes.Code
	call func(ctx context.Context, c Client) (detail string, err error)
}

// steps returns the scenario: each outcome a protected server must show.
func steps() []step {
	alice := BasicAuthorization("alice", "wonderland")
	return []step{
		{"GetBalance without credentials", codes.Unauthenticated, balance("")},
		{"GetBalance as alice, wrong password", codes.Unauthenticated,
			balance(BasicAuthorization("alice", "looking-glass"))},
		{"GetBalance as alice (Basic)", codes.OK, balance(alice)},
		{"Hello, open to anyone", codes.OK, func(ctx context.Context, c Client) (string, error) {
			g, err := c.Hello(ctx)
			return fmt.Sprintf("%q", g), err
		}},
		{"Login as bob, wrong password (Local)", codes.Unauthenticated, login("bob", "wrecker")},
		{"Login as bob (Local)", codes.OK, login("bob", "builder")},
		{"WatchTransactions without credentials", codes.Unauthenticated, watch("")},
		{"WatchTransactions as alice (Basic)", codes.OK, watch(alice)},
	}
}

func balance(authorization string) func(context.Context, Client) (string, error) {
	return func(ctx context.Context, c Client) (string, error) {
		cents, err := c.Balance(ctx, authorization)
		return fmt.Sprintf("balance %d.%02d %s", cents/100, cents%100, Currency), err
	}
}

func login(username, password string) func(context.Context, Client) (string, error) {
	return func(ctx context.Context, c Client) (string, error) {
		g, err := c.Login(ctx, username, password)
		return fmt.Sprintf("%q", g), err
	}
}

func watch(authorization string) func(context.Context, Client) (string, error) {
	return func(ctx context.Context, c Client) (string, error) {
		n, err := c.Watch(ctx, authorization)
		return fmt.Sprintf("%d messages received", n), err
	}
}

// Run plays the scenario against c and prints one line per outcome to w,
// each labelled with label. It reports whether every outcome was the
// expected one.
func Run(ctx context.Context, w io.Writer, label string, c Client) bool {
	ok := true
	for _, s := range steps() {
		callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		detail, err := s.call(callCtx, c)
		cancel()
		got := codes.OK
		if err != nil {
			got = c.Code(err)
		}
		switch {
		case got != s.want:
			ok = false
			fmt.Fprintf(w, "FAIL [%s] %s: %v, want %v (%v)\n", label, s.name, got, s.want, err)
		case err == nil:
			fmt.Fprintf(w, "PASS [%s] %s: %v, %s\n", label, s.name, got, detail)
		default:
			fmt.Fprintf(w, "PASS [%s] %s: %v\n", label, s.name, got)
		}
	}
	return ok
}
