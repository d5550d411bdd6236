package password

import (
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argon2idPrefix starts every argon2id hash in PHC string form.
const argon2idPrefix = "$argon2id$"

// b64 is the PHC encoding of salts and keys: standard alphabet, no padding,
// and unused trailing bits must be zero, so every hash has one spelling.
var b64 = base64.RawStdEncoding.Strict()

// argon2idHash is a parsed argon2id PHC string.
type argon2idHash struct {
	params Params
	salt   []byte
	key    []byte
}

// derive computes the argon2id key of password under h's salt and params.
func (h argon2idHash) derive(password []byte) []byte {
	p := h.params
	return argon2.IDKey(password, h.salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength)
}

// matches reports in constant time whether password derives h's key.
func (h argon2idHash) matches(password []byte) bool {
	return subtle.ConstantTimeCompare(h.derive(password), h.key) == 1
}

// encode returns h in PHC string form, as the reference argon2 CLI prints it:
// $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<key>.
func (h argon2idHash) encode() string {
	b := make([]byte, 0, 64+b64.EncodedLen(len(h.salt))+b64.EncodedLen(len(h.key)))
	b = append(b, argon2idPrefix+"v="...)
	b = strconv.AppendUint(b, argon2.Version, 10)
	b = append(b, "$m="...)
	b = strconv.AppendUint(b, uint64(h.params.Memory), 10)
	b = append(b, ",t="...)
	b = strconv.AppendUint(b, uint64(h.params.Iterations), 10)
	b = append(b, ",p="...)
	b = strconv.AppendUint(b, uint64(h.params.Parallelism), 10)
	b = append(b, '$')
	b = b64.AppendEncode(b, h.salt)
	b = append(b, '$')
	b = b64.AppendEncode(b, h.key)
	return string(b)
}

// maxEncodedLength is the longest argon2id PHC string that l can admit.
func maxEncodedLength(l Limits) int {
	const fixed = len("$argon2id$v=19$m=4294967295,t=4294967295,p=255$$")
	return fixed + b64.EncodedLen(int(l.MaxSaltLength)) + b64.EncodedLen(int(l.MaxKeyLength))
}

// parseArgon2id parses an argon2id PHC string strictly: version 19, exactly
// the parameters m, t and p in that order, canonical decimals and base64,
// and nothing else. Parameters and lengths must lie within l.
func parseArgon2id(s string, l Limits) (argon2idHash, error) {
	var h argon2idHash
	if len(s) > maxEncodedLength(l) {
		return h, malformed("too long")
	}
	rest, ok := strings.CutPrefix(s, argon2idPrefix)
	if !ok {
		return h, malformed("not argon2id")
	}
	fields := strings.SplitN(rest, "$", 5)
	if len(fields) != 4 {
		return h, malformed("wrong number of fields")
	}
	if fields[0] != "v=19" {
		return h, malformed("missing or unsupported version")
	}
	var err error
	if h.params, err = parseParams(fields[1]); err != nil {
		return h, err
	}
	if err = l.admit(h.params); err != nil {
		return h, err
	}
	if h.salt, err = decodeB64(fields[2], minSaltLength, l.MaxSaltLength); err != nil {
		return h, err
	}
	if h.key, err = decodeB64(fields[3], minParsedKey, l.MaxKeyLength); err != nil {
		return h, err
	}
	h.params.SaltLength = uint32(len(h.salt))
	h.params.KeyLength = uint32(len(h.key))
	return h, nil
}

// parseParams parses "m=<uint32>,t=<uint32>,p=<uint8>".
func parseParams(s string) (Params, error) {
	var p Params
	m, s, okM := cutParam(s, "m=", ",")
	t, s, okT := cutParam(s, "t=", ",")
	par, s, okP := cutParam(s, "p=", "")
	if !okM || !okT || !okP || s != "" {
		return p, malformed("bad parameters")
	}
	mem, errM := parseDecimal(m, 32)
	iter, errT := parseDecimal(t, 32)
	lanes, errP := parseDecimal(par, 8)
	if errM != nil || errT != nil || errP != nil {
		return p, malformed("bad parameter value")
	}
	p.Memory, p.Iterations, p.Parallelism = uint32(mem), uint32(iter), uint8(lanes)
	return p, nil
}

// cutParam removes name from the front of s and returns the value up to sep
// (or to the end when sep is empty) and what follows sep.
func cutParam(s, name, sep string) (value, rest string, ok bool) {
	s, ok = strings.CutPrefix(s, name)
	if !ok || sep == "" {
		return s, "", ok
	}
	return strings.Cut(s, sep)
}

// parseDecimal parses a canonical unsigned decimal: digits only, no sign, no
// leading zero, and no more than bits wide.
func parseDecimal(s string, bits int) (uint64, error) {
	if len(s) > 1 && s[0] == '0' {
		return 0, ErrMalformedHash
	}
	return strconv.ParseUint(s, 10, bits)
}

// decodeB64 decodes canonical unpadded base64 of lo to hi bytes. The
// length is checked before decoding so nothing large is ever allocated.
func decodeB64(s string, lo, hi uint32) ([]byte, error) {
	n := b64.DecodedLen(len(s))
	if n < int(lo) || n > int(hi) {
		return nil, malformed("salt or key length out of range")
	}
	if strings.ContainsAny(s, "\r\n") { // the decoder would skip them
		return nil, malformed("bad base64")
	}
	b, err := b64.DecodeString(s)
	if err != nil {
		return nil, malformed("bad base64")
	}
	return b, nil
}
