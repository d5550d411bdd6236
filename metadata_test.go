package customs_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/customs-go/customs"
)

func TestParseAuthorization(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value        string
		scheme, credential string
		err                error
	}{
		{"basic", "Basic dXNlcjpwYXNz", "Basic", "dXNlcjpwYXNz", nil},
		{"bearer jwt", "Bearer eyJh.eyJz.c2ln", "Bearer", "eyJh.eyJz.c2ln", nil},
		{"lower-case scheme kept", "bearer abc", "bearer", "abc", nil},
		{"padding", "Basic YQ==", "Basic", "YQ==", nil},
		{"several spaces", "Basic   YQ==", "Basic", "YQ==", nil},
		{"outer white space", " \tBasic YQ== \t", "Basic", "YQ==", nil},
		{"token68 punctuation", "Bearer a-b.c_d~e+f/g=", "Bearer", "a-b.c_d~e+f/g=", nil},
		{"empty", "", "", "", customs.ErrNoCredentials},
		{"blank", "   ", "", "", customs.ErrNoCredentials},
		{"scheme only", "Basic", "", "", customs.ErrMalformedCredentials},
		{"scheme and space", "Basic ", "", "", customs.ErrMalformedCredentials},
		{"tab separator", "Basic\tYQ==", "", "", customs.ErrMalformedCredentials},
		{"no scheme", " YQ==", "", "", customs.ErrMalformedCredentials},
		{"leading separator", "=Basic YQ==", "", "", customs.ErrMalformedCredentials},
		{"two credentials", "Basic YQ== YQ==", "", "", customs.ErrMalformedCredentials},
		{"auth params", `Digest realm="x"`, "", "", customs.ErrMalformedCredentials},
		{"comma list", "Basic YQ==, Bearer x", "", "", customs.ErrMalformedCredentials},
		{"padding inside", "Basic Y=Q=", "", "", customs.ErrMalformedCredentials},
		{"only padding", "Basic ==", "", "", customs.ErrMalformedCredentials},
		{"control char", "Basic YQ\x00==", "", "", customs.ErrMalformedCredentials},
		{"newline", "Basic YQ==\nX: y", "", "", customs.ErrMalformedCredentials},
		{"non-ascii", "Basic Ÿ", "", "", customs.ErrMalformedCredentials},
		{"oversized", "Bearer " + strings.Repeat("a", customs.MaxAuthorizationSize), "", "", customs.ErrMalformedCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			scheme, cred, err := customs.ParseAuthorization(tt.value)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				if cred != "" || scheme != "" {
					t.Fatalf("got %q %q with an error", scheme, cred)
				}
				return
			}
			if err != nil || scheme != tt.scheme || cred != tt.credential {
				t.Fatalf("= %q, %q, %v; want %q, %q", scheme, cred, err, tt.scheme, tt.credential)
			}
		})
	}
}

func TestHeaderAuthorizationCount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values []string
		err    error
	}{
		{"none", nil, customs.ErrNoCredentials},
		{"one", []string{"Basic YQ=="}, nil},
		{"two", []string{"Basic YQ==", "Basic Yg=="}, customs.ErrMalformedCredentials},
		{"two identical", []string{"Basic YQ==", "Basic YQ=="}, customs.ErrMalformedCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for _, v := range tt.values {
				h.Add("Authorization", v)
			}
			call := customs.NewCall("/a.B/C", h, nil)
			_, _, err := call.Header().Authorization()
			if !errors.Is(err, tt.err) && !(err == nil && tt.err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
		})
	}
}

func TestHeaderIsCaseInsensitiveAndReadOnly(t *testing.T) {
	t.Parallel()
	h := http.Header{"X-Api-Key": {"k1"}}
	call := customs.NewCall("/a.B/C", h, nil)
	if got := call.Header().Get("x-api-key"); got != "k1" {
		t.Fatalf("Get(x-api-key) = %q", got)
	}
	vals := call.Header().Values("X-API-KEY")
	vals[0] = "changed"
	if h.Get("X-Api-Key") != "k1" {
		t.Fatal("Values let the caller modify the request headers")
	}
	if got := (customs.Header{}).Get("anything"); got != "" {
		t.Fatalf("zero Header Get = %q", got)
	}
}

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{"Basic dXNlcjpwYXNz", "Bearer a.b.c", "", "Basic", "Basic  a==", "x y z", "\x00", "Bearer ="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		scheme, cred, err := customs.ParseAuthorization(value)
		if err != nil {
			if scheme != "" || cred != "" {
				t.Fatal("results with an error")
			}
			if !errors.Is(err, customs.ErrNoCredentials) && !errors.Is(err, customs.ErrMalformedCredentials) {
				t.Fatalf("unclassified error %v", err)
			}
			if len(value) > 16 && strings.Contains(err.Error(), value) {
				t.Fatal("error quotes the credentials")
			}
			return
		}
		if scheme == "" || cred == "" || len(value) > customs.MaxAuthorizationSize {
			t.Fatalf("accepted %q as %q %q", value, scheme, cred)
		}
		if strings.ContainsAny(scheme+cred, " \t\r\n,\"") {
			t.Fatalf("accepted separators in %q %q", scheme, cred)
		}
		// The parse is stable: formatting the result back parses the same.
		s2, c2, err := customs.ParseAuthorization(scheme + " " + cred)
		if err != nil || s2 != scheme || c2 != cred {
			t.Fatalf("round trip of %q %q failed", scheme, cred)
		}
	})
}

func BenchmarkParseAuthorization(b *testing.B) {
	h := http.Header{"Authorization": {"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"}}
	call := customs.NewCall("/a.B/C", h, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := call.Header().Authorization(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCallAndHeaderHideCredentials(t *testing.T) {
	t.Parallel()
	h := http.Header{"Authorization": {"Basic c2VjcmV0OnNlY3JldA=="}, "Cookie": {"session=s3cr3t"}}
	call := customs.NewCall("/a.v1.B/C", h, nil)
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("call", "call", call, "header", call.Header())
	for name, out := range map[string]string{
		"String":        call.String(),
		"Header.String": call.Header().String(),
		"%v":            fmt.Sprintf("%v %+v %#v %#v", call, call.Header(), call, call.Header()),
		"slog":          logs.String(),
	} {
		if strings.Contains(out, "c2VjcmV0") || strings.Contains(out, "s3cr3t") {
			t.Errorf("%s shows a credential: %s", name, out)
		}
		if !strings.Contains(out, "Authorization") {
			t.Errorf("%s does not list the header keys: %s", name, out)
		}
	}
}
