package password

import "runtime"

// DefaultMaxLength is the longest password, in bytes, that a Hasher accepts
// unless [WithMaxLength] says otherwise.
const DefaultMaxLength = 1024

// maxMaxLength bounds [WithMaxLength]: hashing cost grows with the password.
const maxMaxLength = 1 << 16

// Option configures a [Hasher] in [NewHasher]. Build one with a WithX
// function; the zero Option (nil) is ignored.
type Option func(*options)

// options is the configuration that NewHasher validates and freezes.
type options struct {
	params        Params
	limits        Limits
	maxLength     int
	maxConcurrent int
}

// defaults returns the configuration before any Option applies.
func defaults() options {
	return options{
		params:        OWASP(),
		limits:        DefaultLimits(),
		maxLength:     DefaultMaxLength,
		maxConcurrent: runtime.GOMAXPROCS(0),
	}
}

// validate reports the first problem with o, if any.
func (o options) validate() error {
	if o.maxLength < 1 || o.maxLength > maxMaxLength {
		return optionError("max length outside 1 to 65536 bytes")
	}
	if o.maxConcurrent < 1 {
		return optionError("max concurrent hashes below 1")
	}
	if err := o.params.validate(); err != nil {
		return err
	}
	return o.limits.validate(o.params)
}

// WithParams sets the argon2id parameters for new hashes; the default is
// [OWASP]. NewHasher rejects parameters outside the hard bounds (memory below
// 8 KiB per lane or above 4 GiB, zero iterations or lanes, salt under 8
// bytes, key under 16 bytes) and parameters above the [Limits].
func WithParams(p Params) Option {
	return func(o *options) { o.params = p }
}

// WithMaxLength sets the longest password in bytes that Hash and Verify
// accept; the default is [DefaultMaxLength]. The length is checked before
// any hashing work, so an attacker cannot make a login hash megabytes.
func WithMaxLength(n int) Option {
	return func(o *options) { o.maxLength = n }
}

// WithMaxConcurrent sets how many hashes a Hasher computes at once; the
// default is GOMAXPROCS. Callers beyond it wait their turn. Each argon2id
// hash holds its memory parameter (19 MiB with [OWASP]) while it runs, so
// the bound keeps a burst of login attempts from exhausting memory.
func WithMaxConcurrent(n int) Option {
	return func(o *options) { o.maxConcurrent = n }
}

// WithLimits sets the bounds on the parameters of stored hashes that Verify
// accepts; the default is [DefaultLimits]. Start from DefaultLimits and
// change the fields you need.
func WithLimits(l Limits) Option {
	return func(o *options) { o.limits = l }
}
