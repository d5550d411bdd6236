package demo

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
)

// Tokens are what Login and Refresh return.
type Tokens struct {
	AccessToken  string
	RefreshToken string
	// ExpiresIn is the access token's lifetime in seconds.
	ExpiresIn int64
}

// Client calls the demo services over one transport. Methods that take
// authorization send it as the `authorization` metadata or header, unless
// it is empty.
type Client interface {
	// Hello calls the open PublicService.Hello.
	Hello(ctx context.Context) (greeting string, err error)
	// Login calls AuthService.Login with credentials in the message.
	Login(ctx context.Context, username, password string) (greeting string, tokens Tokens, err error)
	// Refresh calls AuthService.Refresh with a refresh token in the message.
	Refresh(ctx context.Context, refreshToken string) (Tokens, error)
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

// BearerAuthorization returns the value of an `authorization` header that
// carries an access token (RFC 6750).
func BearerAuthorization(token string) string { return "Bearer " + token }

// session is what the steps of one run pass on to the next: the tokens
// issued so far, and an expired token minted by the server.
type session struct {
	tokens     Tokens // the latest, from Login or Refresh
	oldRefresh string // a refresh token already exchanged
	expired    string
}

// errNoToken means a step needs a token that an earlier step did not get.
var errNoToken = errors.New("demo: no token from an earlier step")

// step is one call of the scenario and the code it must end with.
type step struct {
	name string
	want codes.Code
	call func(ctx context.Context, c Client, s *session) (detail string, err error)
}

// steps returns the scenario: each outcome a protected server must show.
func steps() []step {
	alice := BasicAuthorization("alice", "wonderland")
	return []step{
		{"GetBalance without credentials", codes.Unauthenticated, balance(fixed(""))},
		{"GetBalance as alice, wrong password", codes.Unauthenticated,
			balance(fixed(BasicAuthorization("alice", "looking-glass")))},
		{"GetBalance as alice (Basic)", codes.OK, balance(fixed(alice))},
		{"Hello, open to anyone", codes.OK, func(ctx context.Context, c Client, _ *session) (string, error) {
			g, err := c.Hello(ctx)
			return fmt.Sprintf("%q", g), err
		}},
		{"Login as bob, wrong password (Local)", codes.Unauthenticated, login("bob", "wrecker")},
		{"Login as bob (Local)", codes.OK, login("bob", "builder")},
		{"GetBalance with bob's access token (JWT)", codes.OK, balance(bearer(current))},
		{"WatchTransactions with bob's access token (JWT)", codes.OK, watch(bearer(current))},
		{"Refresh with bob's refresh token", codes.OK, refresh},
		{"GetBalance with the new access token (JWT)", codes.OK, balance(bearer(current))},
		{"Refresh with the used refresh token again", codes.Unauthenticated, refreshAgain},
		{"GetBalance with a tampered access token", codes.Unauthenticated, balance(bearer(tampered))},
		{"GetBalance with an expired access token", codes.Unauthenticated, balance(bearer(expired))},
		{"WatchTransactions without credentials", codes.Unauthenticated, watch(fixed(""))},
		{"WatchTransactions as alice (Basic)", codes.OK, watch(fixed(alice))},
	}
}

// authorization gives a step its `authorization` value, from the session.
type authorization func(s *session) (string, error)

func fixed(value string) authorization {
	return func(*session) (string, error) { return value, nil }
}

// bearer sends the token that pick takes from the session.
func bearer(pick func(s *session) string) authorization {
	return func(s *session) (string, error) {
		token := pick(s)
		if token == "" {
			return "", errNoToken
		}
		return BearerAuthorization(token), nil
	}
}

func current(s *session) string { return s.tokens.AccessToken }

func expired(s *session) string { return s.expired }

// tampered returns the current access token with one character of its
// signature changed, in the middle, where every bit counts.
func tampered(s *session) string {
	t := s.tokens.AccessToken
	i := strings.LastIndexByte(t, '.') + 10
	if i <= 10 || i >= len(t) {
		return ""
	}
	c := byte('A')
	if t[i] == c {
		c = 'B'
	}
	return t[:i] + string(c) + t[i+1:]
}

func balance(auth authorization) func(context.Context, Client, *session) (string, error) {
	return func(ctx context.Context, c Client, s *session) (string, error) {
		a, err := auth(s)
		if err != nil {
			return "", err
		}
		cents, err := c.Balance(ctx, a)
		return fmt.Sprintf("balance %d.%02d %s", cents/100, cents%100, Currency), err
	}
}

func watch(auth authorization) func(context.Context, Client, *session) (string, error) {
	return func(ctx context.Context, c Client, s *session) (string, error) {
		a, err := auth(s)
		if err != nil {
			return "", err
		}
		n, err := c.Watch(ctx, a)
		return fmt.Sprintf("%d messages received", n), err
	}
}

func login(username, password string) func(context.Context, Client, *session) (string, error) {
	return func(ctx context.Context, c Client, s *session) (string, error) {
		g, tokens, err := c.Login(ctx, username, password)
		if err != nil {
			return "", err
		}
		if tokens.AccessToken == "" || tokens.RefreshToken == "" {
			return "", errors.New("demo: Login returned no tokens")
		}
		s.tokens = tokens
		return fmt.Sprintf("%q, %s", g, describe(tokens)), nil
	}
}

func refresh(ctx context.Context, c Client, s *session) (string, error) {
	old := s.tokens
	if old.RefreshToken == "" {
		return "", errNoToken
	}
	tokens, err := c.Refresh(ctx, old.RefreshToken)
	if err != nil {
		return "", err
	}
	if tokens.AccessToken == "" || tokens.AccessToken == old.AccessToken ||
		tokens.RefreshToken == "" || tokens.RefreshToken == old.RefreshToken {
		return "", errors.New("demo: Refresh did not return new tokens")
	}
	s.tokens, s.oldRefresh = tokens, old.RefreshToken
	return "new " + describe(tokens), nil
}

func refreshAgain(ctx context.Context, c Client, s *session) (string, error) {
	if s.oldRefresh == "" {
		return "", errNoToken
	}
	_, err := c.Refresh(ctx, s.oldRefresh)
	return "new tokens", err
}

// describe tells what tokens were issued without showing them.
func describe(t Tokens) string {
	return fmt.Sprintf("access and refresh tokens, expires in %ds", t.ExpiresIn)
}

// Run plays the scenario against c and prints one line per outcome to w,
// each labelled with label. expiredToken is an access token that the
// server signed but that has expired ([App.ExpiredAccessToken]). Run
// reports whether every outcome was the expected one.
func Run(ctx context.Context, w io.Writer, label string, c Client, expiredToken string) bool {
	ok := true
	s := &session{expired: expiredToken}
	for _, st := range steps() {
		callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		detail, err := st.call(callCtx, c, s)
		cancel()
		got := codes.OK
		if err != nil {
			got = c.Code(err)
		}
		switch {
		case got != st.want:
			ok = false
			fmt.Fprintf(w, "FAIL [%s] %s: %v, want %v (%v)\n", label, st.name, got, st.want, err)
		case err == nil:
			fmt.Fprintf(w, "PASS [%s] %s: %v, %s\n", label, st.name, got, detail)
		default:
			fmt.Fprintf(w, "PASS [%s] %s: %v\n", label, st.name, got)
		}
	}
	return ok
}
