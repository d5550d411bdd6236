package password_test

import (
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/customs-go/customs/password"
)

// owaspHasher returns a Hasher with the default (OWASP) parameters.
func owaspHasher(tb testing.TB) *password.Hasher {
	tb.Helper()
	h, err := password.NewHasher()
	if err != nil {
		tb.Fatalf("NewHasher: %v", err)
	}
	return h
}

func BenchmarkHash(b *testing.B) {
	h := owaspHasher(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(secret); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	h := owaspHasher(b)
	encoded := mustHash(b, h, secret)
	b.ReportAllocs()
	for b.Loop() {
		if err := h.Verify(encoded, secret); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyBcrypt(b *testing.B) {
	h := owaspHasher(b)
	encoded := mustBcrypt(b, secret, bcrypt.DefaultCost)
	b.ReportAllocs()
	for b.Loop() {
		if err := h.Verify(encoded, secret); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyMissing(b *testing.B) {
	h := owaspHasher(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := h.VerifyMissing(secret); err == nil {
			b.Fatal("VerifyMissing succeeded")
		}
	}
}
