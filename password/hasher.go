package password

import (
	"crypto/rand"
	"fmt"
	"strings"
)

// Hasher hashes passwords with argon2id and verifies them against argon2id
// and bcrypt hashes. Build one with [NewHasher] at start-up and share it: a
// Hasher is immutable and safe for concurrent use by multiple goroutines.
type Hasher struct {
	params     Params
	limits     Limits
	maxLength  int
	maxEncoded int
	dummy      string // argon2id hash of a random, discarded password
	// gate bounds the hashes computed at once: each argon2id hash holds
	// its memory parameter in RAM, so a burst of logins must not add up to
	// more than the machine has.
	gate chan struct{}
}

// NewHasher returns a Hasher configured by opts, by default with [OWASP]
// parameters, [DefaultLimits] and a [DefaultMaxLength]-byte cap. It
// validates the whole configuration and returns an error wrapping
// [ErrInvalidOption] if any part is unusable. It also hashes a random
// password once, which [Hasher.VerifyMissing] uses, so it costs one hash.
func NewHasher(opts ...Option) (*Hasher, error) {
	o := defaults()
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	h := &Hasher{
		params:     o.params,
		limits:     o.limits,
		maxLength:  o.maxLength,
		maxEncoded: maxEncodedLength(o.limits),
		gate:       make(chan struct{}, o.maxConcurrent),
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("password: reading random dummy password: %w", err)
	}
	dummy, err := h.derive(secret)
	if err != nil {
		return nil, err
	}
	h.dummy = dummy.encode()
	return h, nil
}

// Hash returns the argon2id hash of password in PHC string form, with a new
// random salt. It returns [ErrEmpty] for an empty password and [ErrTooLong]
// for one longer than the maximum length, before doing any work.
func (h *Hasher) Hash(password string) (string, error) {
	if err := h.checkLength(password); err != nil {
		return "", err
	}
	defer h.enter()()
	hash, err := h.derive([]byte(password))
	if err != nil {
		return "", err
	}
	return hash.encode(), nil
}

// Verify reports whether password matches encoded, an argon2id hash in PHC
// string form (any parameters within the Hasher's [Limits]) or a bcrypt hash
// ($2a$, $2b$ or $2y$). It returns nil on a match.
//
// Every refusal of the password matches [ErrMismatch] with errors.Is. An
// empty password or one over the maximum length is refused before any work,
// with an error that also matches [ErrEmpty] or [ErrTooLong]. A password
// longer than [BcryptMaxLength] never matches a bcrypt hash, even if bcrypt
// would accept it, because bcrypt ignores all bytes past the 72nd: Verify
// still runs bcrypt, then returns an error matching ErrMismatch and
// ErrTooLong.
//
// A hash that cannot be verified yields an error wrapping
// [ErrMalformedHash], which does not match ErrMismatch. Errors never quote
// the password or the hash.
func (h *Hasher) Verify(encoded, password string) error {
	if err := h.checkLength(password); err != nil {
		return reject(err)
	}
	switch {
	case strings.HasPrefix(encoded, argon2idPrefix):
		stored, err := parseArgon2id(encoded, h.limits)
		if err != nil {
			return err
		}
		defer h.enter()()
		return check(stored, password)
	case isBcrypt(encoded):
		defer h.enter()()
		return verifyBcrypt(encoded, password, h.limits.MaxBcryptCost)
	}
	return malformed("unsupported algorithm")
}

// VerifyMissing does the work of a failed [Hasher.Verify] for a user who
// does not exist, and always returns an error matching [ErrMismatch]. Call
// it when the user lookup finds nothing, so that the time a login takes does
// not reveal which user names exist. It verifies password against a hash
// made by NewHasher with the Hasher's own parameters; the time matches
// Verify for users whose hashes use those parameters.
func (h *Hasher) VerifyMissing(password string) error {
	if err := h.checkLength(password); err != nil {
		return reject(err)
	}
	_ = h.Verify(h.dummy, password)
	return ErrMismatch
}

// NeedsRehash reports whether encoded should be replaced by a new Hash of
// the password: true for bcrypt hashes, for argon2id hashes whose memory,
// iterations, salt or key length fall short of the Hasher's parameters, and
// for hashes that Verify cannot check. Call it after Verify succeeds, while
// the password is at hand.
func (h *Hasher) NeedsRehash(encoded string) bool {
	stored, err := parseArgon2id(encoded, h.limits)
	return err != nil || stored.params.weakerThan(h.params)
}

// enter waits for a place among the hashes computed at once, and returns
// the func that gives it back.
func (h *Hasher) enter() func() {
	h.gate <- struct{}{}
	return func() { <-h.gate }
}

// checkLength enforces the length bounds on a password.
func (h *Hasher) checkLength(password string) error {
	switch {
	case password == "":
		return ErrEmpty
	case len(password) > h.maxLength:
		return ErrTooLong
	}
	return nil
}

// derive hashes password with a fresh random salt under h's parameters.
func (h *Hasher) derive(password []byte) (argon2idHash, error) {
	salt := make([]byte, h.params.SaltLength)
	if _, err := rand.Read(salt); err != nil {
		return argon2idHash{}, fmt.Errorf("password: reading random salt: %w", err)
	}
	hash := argon2idHash{params: h.params, salt: salt}
	hash.key = hash.derive(password)
	return hash, nil
}

// check compares password with a parsed argon2id hash.
func check(stored argon2idHash, password string) error {
	if !stored.matches([]byte(password)) {
		return ErrMismatch
	}
	return nil
}
