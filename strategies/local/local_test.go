package local_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/typepb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/strategies/local"
)

// Local reads the request message, so Customs keeps it off streams.
var _ customs.MessageStrategy = (*local.Strategy[string])(nil)

func TestNew(t *testing.T) {
	t.Parallel()
	validate := func(context.Context, string, string) (string, error) { return "u", nil }
	tests := []struct {
		name     string
		validate local.ValidateFunc[string]
		opts     []local.Option
		wantName string
		err      error
	}{
		{"defaults", validate, nil, local.DefaultName, nil},
		{"name", validate, []local.Option{local.WithName("login")}, "login", nil},
		{"custom fields", validate, []local.Option{local.WithFields("login", "secret")}, local.DefaultName, nil},
		{"nil validate", nil, nil, "", customs.ErrConfig},
		{"empty username field", validate, []local.Option{local.WithFields("", "password")}, "", customs.ErrConfig},
		{"empty password field", validate, []local.Option{local.WithFields("username", "")}, "", customs.ErrConfig},
		{"dash in field", validate, []local.Option{local.WithFields("user-name", "password")}, "", customs.ErrConfig},
		{"dotted field", validate, []local.Option{local.WithFields("username", "auth.password")}, "", customs.ErrConfig},
		{"leading digit", validate, []local.Option{local.WithFields("1username", "password")}, "", customs.ErrConfig},
		{"same field twice", validate, []local.Option{local.WithFields("secret", "secret")}, "", customs.ErrConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := local.New(tt.validate, tt.opts...)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || s != nil {
					t.Fatalf("New = %v, %v; want nil, %v", s, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if s.Name() != tt.wantName {
				t.Fatalf("Name = %q, want %q", s.Name(), tt.wantName)
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	m := testMessages(t)
	maxed := strings.Repeat("x", local.MaxFieldSize)
	throttled := fmt.Errorf("%w: slow down", customs.ErrTooManyAttempts)
	login := func(username, password string) proto.Message {
		return newMessage(m.login, map[string]any{"username": username, "password": password})
	}
	tests := []struct {
		name    string
		opts    []local.Option
		msg     proto.Message
		user    string // want this user, or
		err     error  // this error
		reached bool   // whether the callback runs
	}{
		{"right credentials", nil, login("alice", "wonderland"), "alice", nil, true},
		{"wrong password", nil, login("alice", "looking-glass"), "", customs.ErrInvalidCredentials, true},
		{"empty password checked", nil, login("alice", ""), "", customs.ErrInvalidCredentials, true},
		{"callback error kept", nil, login("throttled", "x"), "", throttled, true},
		{"username at size cap", nil, login(maxed, "wonderland"), maxed, nil, true},
		{"password at size cap", nil, login("alice", maxed), "", customs.ErrInvalidCredentials, true},
		{"custom fields", []local.Option{local.WithFields("login", "secret")},
			newMessage(m.alt, map[string]any{"login": "alice", "secret": "wonderland"}), "alice", nil, true},
		{"generated type with custom fields", []local.Option{local.WithFields("name", "default_value")},
			&typepb.Field{Name: "alice", DefaultValue: "wonderland"}, "alice", nil, true},

		{"no message", nil, nil, "", customs.ErrNoCredentials, false},
		{"empty message", nil, newMessage(m.login, nil), "", customs.ErrNoCredentials, false},
		{"empty username", nil, login("", "wonderland"), "", customs.ErrNoCredentials, false},
		{"no such fields", nil, wrapperspb.String("alice"), "", customs.ErrNoCredentials, false},
		{"no password field", nil, newMessage(m.nameOnly, map[string]any{"username": "alice"}),
			"", customs.ErrNoCredentials, false},
		{"default fields ignored", []local.Option{local.WithFields("login", "secret")}, login("alice", "wonderland"),
			"", customs.ErrNoCredentials, false},
		{"non-string username", nil, newMessage(m.odd, map[string]any{"username": int64(42), "password": "pw-of-42"}),
			"", customs.ErrNoCredentials, false},
		{"repeated username", nil,
			newMessage(m.list, map[string]any{"username": []string{"alice"}, "password": "wonderland"}),
			"", customs.ErrNoCredentials, false},
		{"username over size cap", nil, login(maxed+"x", "wonderland"), "", customs.ErrMalformedCredentials, false},
		{"password over size cap", nil, login("alice", maxed+"x"), "", customs.ErrMalformedCredentials, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var reached atomic.Bool
			s, err := local.New(func(_ context.Context, username, password string) (string, error) {
				reached.Store(true)
				switch {
				case username == "throttled":
					return "", throttled
				case password != "wonderland":
					return "", fmt.Errorf("%w: wrong password", customs.ErrInvalidCredentials)
				}
				return username, nil
			}, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			id, err := s.Authenticate(t.Context(), customs.NewCall(loginProc, nil, tt.msg))
			if reached.Load() != tt.reached {
				t.Errorf("callback reached = %v, want %v", reached.Load(), tt.reached)
			}
			if tt.err != nil {
				if !errors.Is(err, tt.err) || id.User != nil {
					t.Fatalf("Authenticate = %v, %v; want no user, %v", id.User, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if u, ok := id.User.(string); !ok || u != tt.user {
				t.Fatalf("user = %#v, want %q", id.User, tt.user)
			}
		})
	}
}
