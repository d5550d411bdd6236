// Package password hashes and verifies passwords for the Basic and Local
// authentication strategies, whose validate callbacks receive a user name
// and a password in the clear.
//
// Build one [Hasher] at start-up and share it:
//
//	hasher, err := password.NewHasher()
//	if err != nil {
//		return err
//	}
//	encoded, err := hasher.Hash("correct horse battery staple")
//	// store encoded with the user
//	err = hasher.Verify(encoded, "correct horse battery staple") // nil
//
// # Hashing
//
// [Hasher.Hash] uses argon2id with the [OWASP] parameters unless
// [WithParams] says otherwise, and returns the PHC string form that the
// reference argon2 tool and most libraries read and write:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>
//
// Passwords are capped at [DefaultMaxLength] bytes ([WithMaxLength]), and
// the cap is checked before any work.
//
// # Verifying
//
// [Hasher.Verify] returns nil on a match and an error matching [ErrMismatch]
// otherwise; branch with errors.Is. It reads argon2id hashes with any
// parameters within the Hasher's [Limits], so a hostile or corrupt hash
// cannot exhaust memory or time, and bcrypt hashes, so users can move over
// from an older store. An error wrapping [ErrMalformedHash] means the stored
// hash is bad, not the password: treat it as a server fault.
//
// bcrypt reads at most 72 bytes of a password. Rather than let every
// password sharing those 72 bytes match, Verify rejects longer passwords
// against bcrypt hashes; see [BcryptMaxLength].
//
// # Unknown users
//
// When the user does not exist, call [Hasher.VerifyMissing] with the
// password instead of returning at once. It costs as much as Verify against
// a hash with the Hasher's parameters and always fails, so response times do
// not reveal which user names exist.
//
// # Upgrading hashes
//
// After a successful Verify, [Hasher.NeedsRehash] tells whether the stored
// hash is bcrypt or weaker than the current parameters; if so, Hash the
// password again and store the result.
package password
