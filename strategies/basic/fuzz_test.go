package basic_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/strategies/basic"
)

// maxErrorLen bounds Parse's error messages: they are fixed phrases, so a
// longer one must be quoting its input.
const maxErrorLen = 128

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
		"dGVzdDoxMjPCow==",
		enc("a:b:c"),
		enc("user:"),
		enc(":pw"),
		enc("user\x00:pw"),
		enc("user:\u0085"),
		enc("\xff:pw"),
		"YWI6Yx==",
		"QWxhZGRp\nbjpvcGVuIHNlc2FtZQ==",
		"QWxhZGRpbjpvcGVuIHNlc2FtZQ",
		"dXNlcjp-fn4=",
		"",
		"====",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		user, password, err := basic.Parse(token)
		if err != nil {
			if !errors.Is(err, customs.ErrMalformedCredentials) {
				t.Fatalf("error %v does not wrap ErrMalformedCredentials", err)
			}
			if user != "" || password != "" {
				t.Fatalf("returned %q, %q with an error", user, password)
			}
			msg := err.Error()
			if len(msg) > maxErrorLen || len(token) >= 16 && strings.Contains(msg, token) {
				t.Fatalf("error %q quotes the input", msg)
			}
			return
		}
		if user == "" || strings.Contains(user, ":") {
			t.Fatalf("user-id %q is empty or holds a colon", user)
		}
		for _, s := range []string{user, password} {
			if !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
				t.Fatalf("%q is not UTF-8 without control characters", s)
			}
		}
		pair := user + ":" + password
		if len(pair) > basic.MaxCredentialsSize {
			t.Fatalf("accepted %d bytes, over the cap", len(pair))
		}
		if again := base64.StdEncoding.EncodeToString([]byte(pair)); again != token {
			t.Fatalf("%q, %q encodes to %q, not the input %q", user, password, again, token)
		}
	})
}

// FuzzRoundTrip checks that every pair RFC 7617 allows survives encoding
// and Parse, and that every other pair is refused.
func FuzzRoundTrip(f *testing.F) {
	f.Add("Aladdin", "open sesame")
	f.Add("test", "123\u00a3")
	f.Add("u", "")
	f.Add("", "pw")
	f.Add("a:b", "c")
	f.Add("u", "p:q")
	f.Add("u\x7f", "p")
	f.Fuzz(func(t *testing.T, user, password string) {
		pair := user + ":" + password
		// A colon in the user-id moves into the password: the first wins.
		wantUser, wantPassword, _ := strings.Cut(pair, ":")
		valid := wantUser != "" && utf8.ValidString(pair) &&
			!strings.ContainsFunc(pair, unicode.IsControl) &&
			len(pair) <= basic.MaxCredentialsSize
		gotUser, gotPassword, err := basic.Parse(enc(pair))
		switch {
		case valid && err != nil:
			t.Fatalf("Parse refused a valid pair: %v", err)
		case valid && (gotUser != wantUser || gotPassword != wantPassword):
			t.Fatalf("Parse = %q, %q; want %q, %q", gotUser, gotPassword, wantUser, wantPassword)
		case !valid && err == nil:
			t.Fatalf("Parse accepted %q, %q", gotUser, gotPassword)
		}
	})
}
