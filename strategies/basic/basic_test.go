package basic_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/strategies/basic"
)

// The strategy tells clients how to authenticate, and reads no message.
var _ customs.Challenger = (*basic.Strategy[string])(nil)

// enc is the token68 a client sends for a user-id:password pair.
func enc(pair string) string {
	return base64.StdEncoding.EncodeToString([]byte(pair))
}

func TestParse(t *testing.T) {
	t.Parallel()
	atCap := "Aladdin:" + strings.Repeat("p", basic.MaxCredentialsSize-len("Aladdin:"))
	tests := []struct {
		name, token    string
		user, password string
		ok             bool
	}{
		{"rfc 7617 example", "QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin", "open sesame", true},
		{"rfc 7617 utf-8 example", "dGVzdDoxMjPCow==", "test", "123\u00a3", true},
		{"colons in password", enc("Aladdin:open:se:same:"), "Aladdin", "open:se:same:", true},
		{"empty password", enc("Aladdin:"), "Aladdin", "", true},
		{"spaces kept", enc(" Ali Baba : open "), " Ali Baba ", " open ", true},
		{"non-ascii user", enc("Ünïcødé:sésame"), "Ünïcødé", "sésame", true},
		{"at size cap", enc(atCap), "Aladdin", atCap[len("Aladdin:"):], true},

		{"empty user", enc(":open sesame"), "", "", false},
		{"colon only", enc(":"), "", "", false},
		{"no colon", enc("Aladdinopensesame"), "", "", false},
		{"empty token", "", "", "", false},
		{"not base64", "Aladdin:open sesame", "", "", false},
		{"missing padding", strings.TrimRight(enc("Aladdin:open sesame"), "="), "", "", false},
		{"excess padding", enc("Aladdin:open sesame") + "==", "", "", false},
		{"non-zero padding bits", "YWI6Yx==", "", "", false},
		{"url alphabet", strings.NewReplacer("+", "-", "/", "_").Replace(enc("Aladdin:~~~>>>")), "", "", false},
		{"line break inside", "QWxhZGRp\nbjpvcGVuIHNlc2FtZQ==", "", "", false},
		{"crlf inside", "QWxhZGRp\r\nbjpvcGVuIHNlc2FtZQ==", "", "", false},
		{"space inside", "QWxhZGRp bjpvcGVuIHNlc2FtZQ==", "", "", false},
		{"invalid utf-8 password", enc("Aladdin:sesame\xff"), "", "", false},
		{"invalid utf-8 user", enc("Alad\xc3:sesame"), "", "", false},
		{"nul in user", enc("Alad\x00din:open sesame"), "", "", false},
		{"nul in password", enc("Aladdin:open\x00sesame"), "", "", false},
		{"cr in password", enc("Aladdin:open\rsesame"), "", "", false},
		{"lf in password", enc("Aladdin:open\nsesame"), "", "", false},
		{"tab in user", enc("Alad\tdin:open sesame"), "", "", false},
		{"del in password", enc("Aladdin:open\x7fsesame"), "", "", false},
		{"c1 nel in user", enc("Alad\u0085din:open sesame"), "", "", false},
		{"c1 csi in password", enc("Aladdin:open\u009bsesame"), "", "", false},
		{"over size cap", enc(atCap + "p"), "", "", false},
		{"far over size cap", strings.Repeat("QUFB", 64<<10), "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			user, password, err := basic.Parse(tt.token)
			if tt.ok {
				if err != nil || user != tt.user || password != tt.password {
					t.Fatalf("Parse = %q, %q, %v; want %q, %q", user, password, err, tt.user, tt.password)
				}
				return
			}
			if !errors.Is(err, customs.ErrMalformedCredentials) {
				t.Fatalf("Parse error = %v, want %v", err, customs.ErrMalformedCredentials)
			}
			if user != "" || password != "" {
				t.Fatalf("Parse returned %q, %q with an error", user, password)
			}
			assertNoEcho(t, err.Error(), tt.token)
		})
	}
}

// assertNoEcho fails when msg quotes the token or a recognisable part of
// what it decodes to.
func assertNoEcho(tb testing.TB, msg, token string) {
	tb.Helper()
	secrets := []string{token}
	if raw, err := base64.StdEncoding.DecodeString(token); err == nil {
		user, password, _ := strings.Cut(string(raw), ":")
		secrets = append(secrets, string(raw), user, password)
	}
	for _, s := range secrets {
		if len(s) >= 5 && strings.Contains(msg, s) {
			tb.Fatalf("message %q quotes the input %q", msg, s)
		}
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	validate := func(context.Context, string, string) (string, error) { return "u", nil }
	tests := []struct {
		name      string
		validate  basic.ValidateFunc[string]
		opts      []basic.Option
		wantName  string
		challenge string
		err       error
	}{
		{"defaults", validate, nil, basic.DefaultName, `Basic realm="customs", charset="UTF-8"`, nil},
		{"name and realm", validate, []basic.Option{basic.WithName("staff"), basic.WithRealm("Staff area")},
			"staff", `Basic realm="Staff area", charset="UTF-8"`, nil},
		{"empty realm", validate, []basic.Option{basic.WithRealm("")},
			basic.DefaultName, `Basic realm="", charset="UTF-8"`, nil},
		{"nil validate", nil, nil, "", "", customs.ErrConfig},
		{"quote in realm", validate, []basic.Option{basic.WithRealm(`a"b`)}, "", "", customs.ErrConfig},
		{"backslash in realm", validate, []basic.Option{basic.WithRealm(`a\b`)}, "", "", customs.ErrConfig},
		{"newline in realm", validate, []basic.Option{basic.WithRealm("a\r\nX-Evil: 1")}, "", "", customs.ErrConfig},
		{"non-ascii realm", validate, []basic.Option{basic.WithRealm("café")}, "", "", customs.ErrConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := basic.New(tt.validate, tt.opts...)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || s != nil {
					t.Fatalf("New = %v, %v; want nil, %v", s, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if s.Name() != tt.wantName || s.Challenge() != tt.challenge {
				t.Fatalf("Name, Challenge = %q, %q; want %q, %q", s.Name(), s.Challenge(), tt.wantName, tt.challenge)
			}
			if _, ok := any(s).(customs.MessageStrategy); ok {
				t.Fatal("Basic claims to read the request message")
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	throttled := fmt.Errorf("%w: slow down", customs.ErrTooManyAttempts)
	tests := []struct {
		name    string
		values  []string // Authorization values
		user    string   // want this user, or
		err     error    // this error
		reached bool     // whether the callback runs
	}{
		{"right credentials", []string{"Basic " + enc("Aladdin:open sesame")}, "Aladdin", nil, true},
		{"lower-case scheme", []string{"basic " + enc("Aladdin:open sesame")}, "Aladdin", nil, true},
		{"upper-case scheme", []string{"BASIC " + enc("Aladdin:open sesame")}, "Aladdin", nil, true},
		{"wrong password", []string{"Basic " + enc("Aladdin:close sesame")}, "", customs.ErrInvalidCredentials, true},
		{"callback error kept", []string{"Basic " + enc("Throttled:open sesame")}, "", throttled, true},
		{"no header", nil, "", customs.ErrNoCredentials, false},
		{"bearer passes", []string{"Bearer " + enc("Aladdin:open sesame")}, "", customs.ErrNoCredentials, false},
		{"other scheme passes", []string{"Negotiate YWJj"}, "", customs.ErrNoCredentials, false},
		{"two values", []string{"Basic " + enc("Aladdin:open sesame"), "Basic " + enc("Aladdin:open sesame")},
			"", customs.ErrMalformedCredentials, false},
		{"bad base64", []string{"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ"}, "", customs.ErrMalformedCredentials, false},
		{"empty user", []string{"Basic " + enc(":open sesame")}, "", customs.ErrMalformedCredentials, false},
		{"scheme only", []string{"Basic"}, "", customs.ErrMalformedCredentials, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var reached atomic.Bool
			s, err := basic.New(func(_ context.Context, user, password string) (string, error) {
				reached.Store(true)
				switch {
				case user == "Throttled":
					return "", throttled
				case user != "Aladdin" || password != "open sesame":
					return "", fmt.Errorf("%w: wrong password", customs.ErrInvalidCredentials)
				}
				return user, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			h := http.Header{}
			for _, v := range tt.values {
				h.Add("Authorization", v)
			}
			id, err := s.Authenticate(t.Context(), customs.NewCall("/test.v1.Echo/Echo", h, nil))
			if reached.Load() != tt.reached {
				t.Errorf("callback reached = %v, want %v", reached.Load(), tt.reached)
			}
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Authenticate error = %v, want %v", err, tt.err)
				}
				if id.User != nil {
					t.Fatalf("Authenticate returned user %v with an error", id.User)
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
