package password_test

import (
	"encoding/base64"
	"errors"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/customs-go/customs/password"
)

const secret = "correct horse battery staple"

// cheap are argon2id parameters that keep most tests fast.
func cheap() password.Params {
	return password.Params{
		Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32,
	}
}

// newHasher builds a Hasher with cheap parameters unless opts override them.
func newHasher(tb testing.TB, opts ...password.Option) *password.Hasher {
	tb.Helper()
	opts = append([]password.Option{password.WithParams(cheap())}, opts...)
	h, err := password.NewHasher(opts...)
	if err != nil {
		tb.Fatalf("NewHasher: %v", err)
	}
	return h
}

// mustHash hashes pw or fails the test.
func mustHash(tb testing.TB, h *password.Hasher, pw string) string {
	tb.Helper()
	encoded, err := h.Hash(pw)
	if err != nil {
		tb.Fatalf("Hash: %v", err)
	}
	return encoded
}

// mustBcrypt returns a bcrypt hash of pw at cost.
func mustBcrypt(tb testing.TB, pw string, cost int) string {
	tb.Helper()
	b, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	if err != nil {
		tb.Fatalf("bcrypt: %v", err)
	}
	return string(b)
}

// checkErr fails unless err matches every one of want (nil means success).
func checkErr(tb testing.TB, err error, want ...error) {
	tb.Helper()
	if len(want) == 0 && err != nil {
		tb.Fatalf("err = %v, want nil", err)
	}
	for _, w := range want {
		if !errors.Is(err, w) {
			tb.Fatalf("err = %v, want %v", err, w)
		}
	}
}

// checkNoLeak fails if err's message quotes any of secrets.
func checkNoLeak(tb testing.TB, err error, secrets ...string) {
	tb.Helper()
	for _, s := range secrets {
		if err != nil && s != "" && strings.Contains(err.Error(), s) {
			tb.Fatalf("error %q quotes a secret", err)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	h := newHasher(t)
	for name, pw := range map[string]string{
		"ascii":      secret,
		"one_byte":   "x",
		"unicode":    "пароль-密码-🔑",
		"nul_inside": "a\x00b",
		"max_length": strings.Repeat("p", password.DefaultMaxLength),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			encoded := mustHash(t, h, pw)
			checkErr(t, h.Verify(encoded, pw))
			err := h.Verify(encoded, pw+"!")
			checkErr(t, err, password.ErrMismatch)
			checkNoLeak(t, err, pw, encoded)
			if again := mustHash(t, h, pw); again == encoded {
				t.Fatal("two hashes of one password are equal: salt not random")
			}
		})
	}
}

func TestHashFormat(t *testing.T) {
	t.Parallel()
	phc := regexp.MustCompile(
		`^\$argon2id\$v=19\$m=64,t=1,p=1\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$`)
	m := phc.FindStringSubmatch(mustHash(t, newHasher(t), secret))
	if m == nil {
		t.Fatal("hash is not in PHC string form")
	}
	for i, want := range []int{16, 32} {
		b, err := base64.RawStdEncoding.DecodeString(m[i+1])
		if err != nil || len(b) != want {
			t.Fatalf("field %d decodes to %d bytes (%v), want %d", i+1, len(b), err, want)
		}
	}
}

// Vectors printed by the reference argon2 CLI (echo -n "correct horse
// battery staple" | argon2 customs-kat-salt -id -t 2 -m 6 -p 1 -l 32, and
// the same with -k 19456) and a bcrypt hash printed by htpasswd -B -C 4.
const (
	katSalt    = "customs-kat-salt"
	katArgon64 = "$argon2id$v=19$m=64,t=2,p=1$Y3VzdG9tcy1rYXQtc2FsdA$" +
		"OV0fvHWQsNTaFn4qysicUj8beP4Q7Av7I4QgtSkt6/M"
	katArgonOWASP = "$argon2id$v=19$m=19456,t=2,p=1$Y3VzdG9tcy1rYXQtc2FsdA$" +
		"4CtXkmqz/hdZ6Nv0gJpXN6H9PcDolnX4JhEgZBPscOA"
	katBcrypt2y = "$2y$04$fJdTRgkgPK0WJDlU/GHMpeVtQ4rIzp2gMs46jp48lacMqO/QMBJgy"
)

func TestKnownAnswer(t *testing.T) {
	t.Parallel()
	key := argon2.IDKey([]byte(secret), []byte(katSalt), 2, 64, 1, 32)
	want := "$argon2id$v=19$m=64,t=2,p=1$" +
		base64.RawStdEncoding.EncodeToString([]byte(katSalt)) + "$" +
		base64.RawStdEncoding.EncodeToString(key)
	if want != katArgon64 {
		t.Fatalf("IDKey vector = %s, want %s", want, katArgon64)
	}
	h := newHasher(t)
	for _, encoded := range []string{katArgon64, katBcrypt2y} {
		checkErr(t, h.Verify(encoded, secret))
		checkErr(t, h.Verify(encoded, "Correct horse battery staple"), password.ErrMismatch)
	}
}

func TestOWASPDefaults(t *testing.T) {
	t.Parallel()
	want := password.Params{
		Memory: 19456, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32,
	}
	if got := password.OWASP(); got != want {
		t.Fatalf("OWASP() = %+v, want %+v", got, want)
	}
	h, err := password.NewHasher()
	checkErr(t, err)
	encoded := mustHash(t, h, secret)
	if !strings.HasPrefix(encoded, "$argon2id$v=19$m=19456,t=2,p=1$") || len(encoded) != 97 {
		t.Fatalf("default hash %q lacks OWASP parameters or lengths", encoded)
	}
	checkErr(t, h.Verify(encoded, secret))
	checkErr(t, h.Verify(katArgonOWASP, secret))
	checkErr(t, h.Verify(katArgonOWASP, secret+" "), password.ErrMismatch)
	if h.NeedsRehash(encoded) || h.NeedsRehash(katArgonOWASP) {
		t.Fatal("NeedsRehash is true for a hash with the Hasher's own parameters")
	}
}

func TestBcrypt(t *testing.T) {
	t.Parallel()
	h := newHasher(t)
	hash2a := mustBcrypt(t, secret, bcrypt.MinCost)
	for _, prefix := range []string{"$2a$", "$2b$", "$2y$"} {
		t.Run(strings.Trim(prefix, "$"), func(t *testing.T) {
			t.Parallel()
			encoded := prefix + strings.TrimPrefix(hash2a, "$2a$")
			checkErr(t, h.Verify(encoded, secret))
			err := h.Verify(encoded, "wrong")
			checkErr(t, err, password.ErrMismatch)
			checkNoLeak(t, err, encoded, "wrong")
		})
	}
}

func TestBcryptLongPassword(t *testing.T) {
	t.Parallel()
	h := newHasher(t)
	pw72 := strings.Repeat("0123456789abcdef", 4) + "01234567"
	encoded := mustBcrypt(t, pw72, bcrypt.MinCost)
	if bcrypt.CompareHashAndPassword([]byte(encoded), []byte(pw72+"tail")) != nil {
		t.Fatal("x/crypto no longer truncates: this test proves nothing")
	}
	checkErr(t, h.Verify(encoded, pw72))
	err := h.Verify(encoded, pw72+"tail")
	checkErr(t, err, password.ErrMismatch, password.ErrTooLong)
	checkNoLeak(t, err, pw72, encoded)
}

func TestBcryptLongPasswordTakesTime(t *testing.T) {
	// Not parallel: it compares timings.
	h := newHasher(t)
	pw := strings.Repeat("a", password.BcryptMaxLength)
	encoded := mustBcrypt(t, pw, 6)
	short := fastest(t, func() { _ = h.Verify(encoded, "b") })
	long := fastest(t, func() { _ = h.Verify(encoded, pw+"b") })
	if long < short/4 {
		t.Fatalf("over-long password took %v, a wrong one %v: no bcrypt work done", long, short)
	}
}

// fastest returns the shortest of a few runs of f.
func fastest(tb testing.TB, f func()) time.Duration {
	tb.Helper()
	best := time.Duration(1<<63 - 1)
	for range 5 {
		start := time.Now()
		f()
		best = min(best, time.Since(start))
	}
	return best
}

func TestLengthLimits(t *testing.T) {
	t.Parallel()
	h := newHasher(t, password.WithMaxLength(10))
	encoded := mustHash(t, h, "0123456789")
	for _, tc := range []struct {
		name string
		pw   string
		err  error
	}{
		{"empty", "", password.ErrEmpty},
		{"one_over", "0123456789a", password.ErrTooLong},
		{"far_over", strings.Repeat("x", 1<<20), password.ErrTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := h.Hash(tc.pw)
			checkErr(t, err, tc.err)
			// A bad hash shows the length is checked before any parsing.
			for _, stored := range []string{encoded, "garbage"} {
				err = h.Verify(stored, tc.pw)
				checkErr(t, err, password.ErrMismatch, tc.err)
				checkNoLeak(t, err, tc.pw, stored)
			}
			checkErr(t, h.VerifyMissing(tc.pw), password.ErrMismatch, tc.err)
		})
	}
}

func TestDefaultMaxLength(t *testing.T) {
	t.Parallel()
	h := newHasher(t)
	_, err := h.Hash(strings.Repeat("x", password.DefaultMaxLength+1))
	checkErr(t, err, password.ErrTooLong)
}

func TestMalformedHash(t *testing.T) {
	t.Parallel()
	h := newHasher(t)
	const salt, key = "Y3VzdG9tcy1rYXQtc2FsdA", "OV0fvHWQsNTaFn4qysicUj8beP4Q7Av7I4QgtSkt6/M"
	argon := func(version, params, s, k string) string {
		return "$argon2id$" + version + "$" + params + "$" + s + "$" + k
	}
	good := mustBcrypt(t, secret, bcrypt.MinCost)
	for _, tc := range []struct{ name, hash string }{
		{"empty", ""},
		{"prefix_only", "$argon2id$"},
		{"argon2i", strings.Replace(katArgon64, "argon2id", "argon2i", 1)},
		{"scrypt", "$scrypt$ln=16,r=8,p=1$c2FsdA$a2V5"},
		{"plain_text", secret},
		{"version_16", argon("v=16", "m=64,t=2,p=1", salt, key)},
		{"version_missing", "$argon2id$m=64,t=2,p=1$" + salt + "$" + key},
		{"version_leading_zero", argon("v=019", "m=64,t=2,p=1", salt, key)},
		{"key_missing", "$argon2id$v=19$m=64,t=2,p=1$" + salt},
		{"key_empty", argon("v=19", "m=64,t=2,p=1", salt, "")},
		{"salt_empty", argon("v=19", "m=64,t=2,p=1", "", key)},
		{"extra_field", katArgon64 + "$AAAA"},
		{"trailing_dollar", katArgon64 + "$"},
		{"trailing_padding", katArgon64 + "="},
		{"trailing_newline", katArgon64 + "\n"},
		{"newline_inside", argon("v=19", "m=64,t=2,p=1", salt[:8]+"\n"+salt[8:], key)},
		{"trailing_space", katArgon64 + " "},
		{"bad_base64", argon("v=19", "m=64,t=2,p=1", "!!!!!!!!!!!!", key)},
		{"url_base64", argon("v=19", "m=64,t=2,p=1", salt, strings.ReplaceAll(key, "/", "_"))},
		{"noncanonical_base64", argon("v=19", "m=64,t=2,p=1", salt, key[:len(key)-1]+"N")},
		{"salt_too_short", argon("v=19", "m=64,t=2,p=1", "c2FsdA", key)},
		{"salt_too_long", argon("v=19", "m=64,t=2,p=1", strings.Repeat("A", 200), key)},
		{"key_too_short", argon("v=19", "m=64,t=2,p=1", salt, "AAA")},
		{"key_too_long", argon("v=19", "m=64,t=2,p=1", salt, strings.Repeat("A", 200))},
		{"huge_memory", argon("v=19", "m=4294967295,t=2,p=1", salt, key)},
		{"memory_over_limit", argon("v=19", "m=262145,t=1,p=1", salt, key)},
		{"memory_overflow", argon("v=19", "m=4294967296,t=2,p=1", salt, key)},
		{"memory_below_lanes", argon("v=19", "m=15,t=2,p=2", salt, key)},
		{"huge_iterations", argon("v=19", "m=64,t=4294967295,p=1", salt, key)},
		{"iterations_zero", argon("v=19", "m=64,t=0,p=1", salt, key)},
		{"lanes_zero", argon("v=19", "m=64,t=2,p=0", salt, key)},
		{"lanes_over_limit", argon("v=19", "m=2048,t=2,p=17", salt, key)},
		{"lanes_overflow", argon("v=19", "m=4096,t=2,p=256", salt, key)},
		{"params_reordered", argon("v=19", "t=2,m=64,p=1", salt, key)},
		{"params_missing", argon("v=19", "m=64,t=2", salt, key)},
		{"params_extra", argon("v=19", "m=64,t=2,p=1,keyid=AA", salt, key)},
		{"params_sign", argon("v=19", "m=+64,t=2,p=1", salt, key)},
		{"params_leading_zero", argon("v=19", "m=064,t=2,p=1", salt, key)},
		{"params_space", argon("v=19", "m=64, t=2,p=1", salt, key)},
		{"huge_string", katArgon64 + strings.Repeat("A", 1<<20)},
		{"bcrypt_short", good[:59]},
		{"bcrypt_trailing", good + "x"},
		{"bcrypt_cost_99", good[:4] + "99" + good[6:]},
		{"bcrypt_cost_over_limit", good[:4] + "16" + good[6:]},
		{"bcrypt_cost_3", good[:4] + "03" + good[6:]},
		{"bcrypt_cost_letters", good[:4] + "1a" + good[6:]},
		{"bcrypt_2x", "$2x$" + good[4:]},
		{"bcrypt_bad_char", good[:59] + "!"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := h.Verify(tc.hash, secret)
			checkErr(t, err, password.ErrMalformedHash)
			if errors.Is(err, password.ErrMismatch) {
				t.Fatalf("err = %v also matches ErrMismatch", err)
			}
			checkNoLeak(t, err, secret, tc.hash)
			if !h.NeedsRehash(tc.hash) {
				t.Fatal("NeedsRehash is false for a hash Verify cannot check")
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	t.Parallel()
	h := newHasher(t)
	with := func(p password.Params) string {
		return mustHash(t, newHasher(t, password.WithParams(p)), secret)
	}
	for _, tc := range []struct {
		name   string
		mutate func(*password.Params)
		want   bool
	}{
		{"same", func(*password.Params) {}, false},
		{"more_memory", func(p *password.Params) { p.Memory *= 2 }, false},
		{"more_iterations", func(p *password.Params) { p.Iterations++ }, false},
		{"more_lanes", func(p *password.Params) { p.Parallelism = 2 }, false},
		{"less_memory", func(p *password.Params) { p.Memory = 32 }, true},
		{"shorter_salt", func(p *password.Params) { p.SaltLength = 8 }, true},
		{"shorter_key", func(p *password.Params) { p.KeyLength = 16 }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := cheap()
			tc.mutate(&p)
			if got := h.NeedsRehash(with(p)); got != tc.want {
				t.Fatalf("NeedsRehash = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("fewer_iterations", func(t *testing.T) {
		t.Parallel()
		strong := newHasher(t, password.WithParams(password.Params{
			Memory: 64, Iterations: 3, Parallelism: 1, SaltLength: 16, KeyLength: 32,
		}))
		if !strong.NeedsRehash(mustHash(t, h, secret)) {
			t.Fatal("NeedsRehash is false for a hash with fewer iterations")
		}
	})
	t.Run("bcrypt", func(t *testing.T) {
		t.Parallel()
		if !h.NeedsRehash(mustBcrypt(t, secret, 12)) {
			t.Fatal("NeedsRehash is false for bcrypt")
		}
	})
}

func TestVerifyMissing(t *testing.T) {
	t.Parallel()
	h := newHasher(t)
	for _, pw := range []string{secret, "x", strings.Repeat("y", password.DefaultMaxLength)} {
		err := h.VerifyMissing(pw)
		if err != password.ErrMismatch {
			t.Fatalf("VerifyMissing = %v, want ErrMismatch", err)
		}
	}
}

func TestVerifyMissingDoesTheWork(t *testing.T) {
	// Not parallel: it reads process-wide allocation counters.
	p := cheap()
	p.Memory = 4096
	h := newHasher(t, password.WithParams(p))
	encoded := mustHash(t, h, secret)
	known := allocated(t, func() { _ = h.Verify(encoded, "wrong") })
	missing := allocated(t, func() { _ = h.VerifyMissing("wrong") })
	if known < 4096<<10 || missing < known*9/10 {
		t.Fatalf("VerifyMissing allocated %d bytes, Verify %d: not the same work", missing, known)
	}
}

// allocated returns the bytes the process allocated while f ran.
func allocated(tb testing.TB, f func()) uint64 {
	tb.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestNewHasherRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		mutate func(*password.Params)
		opts   []password.Option
	}{
		{name: "memory_zero", mutate: func(p *password.Params) { p.Memory = 0 }},
		{name: "memory_below_lanes", mutate: func(p *password.Params) {
			p.Memory, p.Parallelism = 31, 4
		}},
		{name: "memory_over_4GiB", mutate: func(p *password.Params) { p.Memory = 4<<20 + 1 }},
		{name: "iterations_zero", mutate: func(p *password.Params) { p.Iterations = 0 }},
		{name: "iterations_huge", mutate: func(p *password.Params) { p.Iterations = 1 << 20 }},
		{name: "lanes_zero", mutate: func(p *password.Params) { p.Parallelism = 0 }},
		{name: "salt_7", mutate: func(p *password.Params) { p.SaltLength = 7 }},
		{name: "key_15", mutate: func(p *password.Params) { p.KeyLength = 15 }},
		{name: "key_huge", mutate: func(p *password.Params) { p.KeyLength = 1 << 20 }},
		{name: "max_length_0", opts: []password.Option{password.WithMaxLength(0)}},
		{name: "max_length_negative", opts: []password.Option{password.WithMaxLength(-1)}},
		{name: "zero_limits", opts: []password.Option{password.WithLimits(password.Limits{})}},
		{name: "params_over_limits", mutate: func(p *password.Params) { p.Memory = 512 << 10 }},
		{name: "bcrypt_cost_32", opts: []password.Option{
			password.WithLimits(limitsWith(func(l *password.Limits) { l.MaxBcryptCost = 32 })),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := cheap()
			if tc.mutate != nil {
				tc.mutate(&p)
			}
			opts := append([]password.Option{password.WithParams(p)}, tc.opts...)
			h, err := password.NewHasher(opts...)
			checkErr(t, err, password.ErrInvalidOption)
			if h != nil {
				t.Fatal("NewHasher returned a Hasher with its error")
			}
		})
	}
}

// limitsWith returns DefaultLimits changed by mutate.
func limitsWith(mutate func(*password.Limits)) password.Limits {
	l := password.DefaultLimits()
	mutate(&l)
	return l
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	h := newHasher(t)
	bcryptHash := mustBcrypt(t, secret, bcrypt.MinCost)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			encoded, err := h.Hash(secret)
			for _, e := range []error{err, h.Verify(encoded, secret), h.Verify(bcryptHash, secret)} {
				if e != nil {
					t.Error(e)
				}
			}
			if h.VerifyMissing(secret) == nil || h.NeedsRehash(encoded) {
				t.Error("VerifyMissing or NeedsRehash misbehaved")
			}
		})
	}
	wg.Wait()
}
