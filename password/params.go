package password

import "fmt"

// Bounds that no Params or Limits may exceed, whatever the options say.
const (
	minMemoryPerLane = 8       // KiB; Argon2 needs two blocks per slice and lane
	maxMemory        = 4 << 20 // KiB, that is 4 GiB
	maxIterations    = 256
	minSaltLength    = 8  // bytes; the Argon2 minimum (RFC 9106, section 3.1)
	minKeyLength     = 16 // bytes, for hashes this package creates
	minParsedKey     = 4  // bytes; the Argon2 minimum tag, accepted when verifying
	maxSaltOrKey     = 1024
	minBcryptCost    = 4
	maxBcryptCost    = 31
)

// Params are the argon2id cost parameters a [Hasher] uses for new hashes.
// Every stored hash records its own parameters, so changing them later does
// not break existing hashes: see [Hasher.NeedsRehash].
type Params struct {
	// Memory is the memory cost m in KiB.
	Memory uint32
	// Iterations is the time cost t: the number of passes over memory.
	Iterations uint32
	// Parallelism is the number of lanes p.
	Parallelism uint8
	// SaltLength is the length in bytes of the random salt.
	SaltLength uint32
	// KeyLength is the length in bytes of the derived key (the tag).
	KeyLength uint32
}

// OWASP returns the argon2id parameters that the OWASP Password Storage
// Cheat Sheet recommends: 19 MiB of memory (m=19456), two iterations, one
// lane, a 16-byte salt and a 32-byte key. They are the default.
func OWASP() Params {
	return Params{
		Memory:      19456,
		Iterations:  2,
		Parallelism: 1,
		SaltLength:  16,
		KeyLength:   32,
	}
}

// validate reports whether p is usable for new hashes.
func (p Params) validate() error {
	switch {
	case p.Parallelism == 0:
		return optionError("parallelism is zero")
	case p.Memory < minMemoryPerLane*uint32(p.Parallelism):
		return optionError("memory below 8 KiB per lane")
	case p.Memory > maxMemory:
		return optionError("memory above 4 GiB")
	case p.Iterations == 0 || p.Iterations > maxIterations:
		return optionError("iterations outside 1 to 256")
	case p.SaltLength < minSaltLength || p.SaltLength > maxSaltOrKey:
		return optionError("salt length outside 8 to 1024 bytes")
	case p.KeyLength < minKeyLength || p.KeyLength > maxSaltOrKey:
		return optionError("key length outside 16 to 1024 bytes")
	}
	return nil
}

// weakerThan reports whether p costs an attacker less than q in memory or
// time, or has a shorter salt or key. Parallelism is not compared: more lanes
// let the defender use more cores but do not make guessing dearer.
func (p Params) weakerThan(q Params) bool {
	return p.Memory < q.Memory ||
		p.Iterations < q.Iterations ||
		p.SaltLength < q.SaltLength ||
		p.KeyLength < q.KeyLength
}

// Limits bound the parameters that Verify accepts in a stored hash, so that a
// corrupt or planted hash cannot make a single login allocate gigabytes or
// run for minutes. A hash beyond them is reported as [ErrMalformedHash]. They
// must admit the Hasher's own [Params].
type Limits struct {
	// MaxMemory is the largest argon2id memory cost, in KiB.
	MaxMemory uint32
	// MaxIterations is the largest argon2id time cost.
	MaxIterations uint32
	// MaxParallelism is the largest number of argon2id lanes.
	MaxParallelism uint8
	// MaxSaltLength is the longest argon2id salt, in bytes.
	MaxSaltLength uint32
	// MaxKeyLength is the longest argon2id key, in bytes.
	MaxKeyLength uint32
	// MaxBcryptCost is the largest bcrypt cost (log2 of the rounds).
	MaxBcryptCost int
}

// DefaultLimits returns the limits a Hasher uses unless [WithLimits] says
// otherwise: 256 MiB of memory, 16 iterations, 16 lanes, 64-byte salts and
// keys, and bcrypt cost 15. Verifying the costliest hash they admit takes
// seconds, not minutes.
func DefaultLimits() Limits {
	return Limits{
		MaxMemory:      256 << 10,
		MaxIterations:  16,
		MaxParallelism: 16,
		MaxSaltLength:  64,
		MaxKeyLength:   64,
		MaxBcryptCost:  15,
	}
}

// validate reports whether l is within the hard bounds and admits p.
func (l Limits) validate(p Params) error {
	switch {
	case l.MaxMemory > maxMemory || l.MaxIterations > maxIterations:
		return optionError("limits above 4 GiB or 256 iterations")
	case l.MaxSaltLength > maxSaltOrKey || l.MaxKeyLength > maxSaltOrKey:
		return optionError("limits above 1024-byte salt or key")
	case l.MaxBcryptCost < minBcryptCost || l.MaxBcryptCost > maxBcryptCost:
		return optionError("bcrypt cost limit outside 4 to 31")
	case p.Memory > l.MaxMemory || p.Iterations > l.MaxIterations ||
		p.Parallelism > l.MaxParallelism || p.SaltLength > l.MaxSaltLength ||
		p.KeyLength > l.MaxKeyLength:
		return optionError("parameters exceed limits; raise them with WithLimits")
	}
	return nil
}

// admit reports whether a parsed hash's parameters are valid and within l.
func (l Limits) admit(p Params) error {
	switch {
	case p.Parallelism == 0 || p.Parallelism > l.MaxParallelism:
		return malformed("parallelism out of range")
	case p.Memory < minMemoryPerLane*uint32(p.Parallelism) || p.Memory > l.MaxMemory:
		return malformed("memory out of range")
	case p.Iterations == 0 || p.Iterations > l.MaxIterations:
		return malformed("iterations out of range")
	}
	return nil
}

// optionError wraps [ErrInvalidOption] with a fixed reason.
func optionError(reason string) error {
	return fmt.Errorf("%w: %s", ErrInvalidOption, reason)
}

// malformed wraps [ErrMalformedHash] with a fixed reason. Reasons never
// quote the hash, which may be a credential in its own right.
func malformed(reason string) error {
	return fmt.Errorf("%w: %s", ErrMalformedHash, reason)
}
