package password

import (
	"errors"
	"strings"
)

// ErrEmpty reports an empty password. Hash returns it as is; Verify and
// VerifyMissing return it wrapped together with [ErrMismatch].
var ErrEmpty = errors.New("password: empty password")

// ErrTooLong reports a password longer than the Hasher's maximum length, or a
// password longer than [BcryptMaxLength] bytes checked against a bcrypt hash.
// Hash returns it as is; Verify and VerifyMissing return it wrapped together
// with [ErrMismatch].
var ErrTooLong = errors.New("password: password too long")

// ErrMismatch reports that a password does not match a hash. Every error
// that Verify returns for a rejected password matches it with errors.Is, so
// callers that only need a yes or no branch on it alone.
var ErrMismatch = errors.New("password: password does not match")

// ErrMalformedHash reports a stored hash that cannot be verified: it is
// corrupt, uses an unsupported algorithm or version, or has parameters above
// the Hasher's [Limits]. It points at bad stored data rather than a wrong
// password, so it does not match [ErrMismatch].
var ErrMalformedHash = errors.New("password: malformed hash")

// ErrInvalidOption reports a configuration that NewHasher refuses.
var ErrInvalidOption = errors.New("password: invalid option")

// rejectedError is a refusal to verify a password that is unacceptable in
// itself (empty or too long). It matches both [ErrMismatch] and its cause.
type rejectedError struct {
	cause error
}

// reject wraps cause so that errors.Is matches it and [ErrMismatch].
func reject(cause error) error {
	return rejectedError{cause: cause}
}

func (e rejectedError) Error() string {
	return ErrMismatch.Error() + ": " + strings.TrimPrefix(e.cause.Error(), "password: ")
}

func (e rejectedError) Unwrap() []error {
	return []error{ErrMismatch, e.cause}
}
