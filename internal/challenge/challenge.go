// Package challenge holds what the strategies share to build
// WWW-Authenticate challenges (RFC 9110 section 11.6.1).
package challenge

// Quotable reports whether s can stand unescaped in a quoted-string, such
// as a realm: printable ASCII without '"' or '\'.
func Quotable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
