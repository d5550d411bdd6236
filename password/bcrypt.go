package password

import (
	"errors"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// BcryptMaxLength is the longest password, in bytes, that bcrypt reads.
// bcrypt ignores whatever follows, so two passwords that share their first 72
// bytes would both match the same hash. Verify refuses to let that happen: a
// longer password never matches a bcrypt hash.
const BcryptMaxLength = 72

// bcryptLength is the length of every bcrypt hash in modular crypt form:
// "$2b$" + two cost digits + "$" + 22 salt and 31 hash characters.
const bcryptLength = 60

// bcryptAlphabet is the base64 alphabet bcrypt uses for salt and hash.
const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// isBcrypt reports whether s claims to be a bcrypt hash of a supported
// variant: $2a$, $2b$ or $2y$.
func isBcrypt(s string) bool {
	return strings.HasPrefix(s, "$2a$") ||
		strings.HasPrefix(s, "$2b$") ||
		strings.HasPrefix(s, "$2y$")
}

// checkBcrypt validates a bcrypt hash strictly before x/crypto sees it,
// which would accept trailing garbage and any cost up to 31.
func checkBcrypt(s string, maxCost int) error {
	if len(s) != bcryptLength || s[6] != '$' {
		return malformed("bad bcrypt hash")
	}
	if s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9' {
		return malformed("bad bcrypt cost")
	}
	cost := int(s[4]-'0')*10 + int(s[5]-'0')
	if cost < minBcryptCost || cost > maxCost {
		return malformed("bcrypt cost out of range")
	}
	if strings.Trim(s[7:], bcryptAlphabet) != "" {
		return malformed("bad bcrypt hash")
	}
	return nil
}

// verifyBcrypt checks password against a bcrypt hash. A password longer
// than [BcryptMaxLength] still pays for a full comparison, so the failure
// takes as long as any other, and then fails whatever bcrypt says.
func verifyBcrypt(encoded, password string, maxCost int) error {
	if err := checkBcrypt(encoded, maxCost); err != nil {
		return err
	}
	err := bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password))
	switch {
	case len(password) > BcryptMaxLength:
		return reject(ErrTooLong)
	case err == nil:
		return nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return ErrMismatch
	}
	// bcrypt's own messages may quote bytes of the hash: keep them out.
	return malformed("bad bcrypt hash")
}
