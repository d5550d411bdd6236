package password_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/customs-go/customs/password"
)

// FuzzVerify feeds arbitrary stored hashes to Verify. It must never panic,
// must answer with nil, ErrMismatch or ErrMalformedHash, and must never quote
// the hash. Tight limits keep the costliest admissible hash cheap: 256 KiB,
// four passes, bcrypt cost 5.
func FuzzVerify(f *testing.F) {
	h := newHasher(f, password.WithLimits(password.Limits{
		MaxMemory:      256,
		MaxIterations:  4,
		MaxParallelism: 4,
		MaxSaltLength:  64,
		MaxKeyLength:   64,
		MaxBcryptCost:  5,
	}))
	for _, seed := range []string{
		mustHash(f, h, secret),
		katArgon64,
		katBcrypt2y,
		mustBcrypt(f, secret, 4),
		"",
		"$argon2id$",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5aw",
		"$argon2id$v=19$m=256,t=4,p=4$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5aw",
		"$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5aw",
		"$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHQ$a2V5",
		"$2b$05$" + strings.Repeat(".", 53),
		"$2a$31$" + strings.Repeat("A", 53),
	} {
		f.Add(seed, secret)
	}
	f.Fuzz(func(t *testing.T, encoded, pw string) {
		err := h.Verify(encoded, pw)
		switch {
		case err == nil,
			errors.Is(err, password.ErrMismatch),
			errors.Is(err, password.ErrMalformedHash):
		default:
			t.Fatalf("Verify returned an unexpected error: %v", err)
		}
		if err != nil && len(encoded) > 64 && strings.Contains(err.Error(), encoded) {
			t.Fatal("error quotes the hash")
		}
		if err == nil && strings.HasPrefix(encoded, "$2") && !h.NeedsRehash(encoded) {
			t.Fatal("NeedsRehash is false for a bcrypt hash")
		}
	})
}
