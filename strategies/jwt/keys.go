package jwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log/slog"

	"github.com/customs-go/customs"
	gjwt "github.com/golang-jwt/jwt/v5"
)

// MinRSABits is the smallest RSA modulus accepted, in bits.
const MinRSABits = 2048

// family is the kind of key an algorithm needs.
type family uint8

const (
	familyHMAC family = iota + 1
	familyRSA         // RS* and PS*
	familyEC
	familyEd
)

// algorithm is one JWS algorithm this package accepts.
type algorithm struct {
	method gjwt.SigningMethod
	family family
	size   int // HMAC: least secret length; EC: curve; RSA: unused
}

// algorithms are the only algorithms verified or signed; "none" is not one.
var algorithms = map[string]algorithm{
	"HS256": {gjwt.SigningMethodHS256, familyHMAC, 32},
	"HS384": {gjwt.SigningMethodHS384, familyHMAC, 48},
	"HS512": {gjwt.SigningMethodHS512, familyHMAC, 64},
	"RS256": {gjwt.SigningMethodRS256, familyRSA, 0},
	"RS384": {gjwt.SigningMethodRS384, familyRSA, 0},
	"RS512": {gjwt.SigningMethodRS512, familyRSA, 0},
	"PS256": {gjwt.SigningMethodPS256, familyRSA, 0},
	"PS384": {gjwt.SigningMethodPS384, familyRSA, 0},
	"PS512": {gjwt.SigningMethodPS512, familyRSA, 0},
	"ES256": {gjwt.SigningMethodES256, familyEC, 256},
	"ES384": {gjwt.SigningMethodES384, familyEC, 384},
	"ES512": {gjwt.SigningMethodES512, familyEC, 521},
	"EdDSA": {gjwt.SigningMethodEdDSA, familyEd, 0},
}

// Algorithms returns the names of the algorithms this package supports.
func Algorithms() []string {
	return []string{
		"HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
		"PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
	}
}

// Key is a verification key pinned to one algorithm: a token is checked
// with it only when the token's alg is exactly the key's. The zero Key is
// not usable. Its String and LogValue never show key material.
type Key struct {
	id       string
	alg      string
	method   gjwt.SigningMethod
	material any // []byte, *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
	// public is false for HMAC secrets, which are never published.
	public bool
}

// ID returns the key ID (kid), possibly "".
func (k Key) ID() string { return k.id }

// Algorithm returns the algorithm the key is pinned to.
func (k Key) Algorithm() string { return k.alg }

// PublicKey returns the key's crypto.PublicKey, or nil for an HMAC secret.
func (k Key) PublicKey() crypto.PublicKey {
	if !k.public {
		return nil
	}
	return k.material
}

// String describes the key without its material.
func (k Key) String() string { return fmt.Sprintf("jwt.Key{kid:%q alg:%s}", k.id, k.alg) }

// LogValue describes the key without its material.
func (k Key) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kid", k.id), slog.String("alg", k.alg))
}

func lookupAlg(alg string, want family) (algorithm, error) {
	a, ok := algorithms[alg]
	if !ok {
		return a, fmt.Errorf("jwt: unsupported algorithm %q: %w", alg, customs.ErrConfig)
	}
	if want != 0 && a.family != want {
		return a, fmt.Errorf("jwt: algorithm %s does not fit this kind of key: %w", alg, customs.ErrConfig)
	}
	return a, nil
}

func checkKeyID(kid string) error {
	if len(kid) > MaxKeyIDSize {
		return fmt.Errorf("jwt: kid longer than %d bytes: %w", MaxKeyIDSize, customs.ErrConfig)
	}
	return nil
}

// SecretKey returns an HMAC key (HS256, HS384 or HS512). The secret must
// be at least as long as the hash: 32, 48 or 64 bytes (RFC 7518 section
// 3.2); it is copied.
func SecretKey(kid, alg string, secret []byte) (Key, error) {
	a, err := lookupAlg(alg, familyHMAC)
	if err != nil {
		return Key{}, err
	}
	if err := checkKeyID(kid); err != nil {
		return Key{}, err
	}
	if len(secret) < a.size {
		return Key{}, fmt.Errorf("jwt: %s secret shorter than %d bytes: %w", alg, a.size, customs.ErrConfig)
	}
	return Key{id: kid, alg: alg, method: a.method, material: append([]byte(nil), secret...)}, nil
}

// PublicKey returns a verification key for an RSA (RS*, PS*), ECDSA (ES*)
// or Ed25519 (EdDSA) public key. RSA keys must have at least [MinRSABits]
// bits and ECDSA keys the curve of their algorithm.
func PublicKey(kid, alg string, pub crypto.PublicKey) (Key, error) {
	a, err := lookupAlg(alg, 0)
	if err != nil {
		return Key{}, err
	}
	if err := checkKeyID(kid); err != nil {
		return Key{}, err
	}
	if err := fits(alg, a, pub); err != nil {
		return Key{}, err
	}
	return Key{id: kid, alg: alg, method: a.method, material: pub, public: true}, nil
}

// fits checks that pub is the kind of key a needs.
func fits(alg string, a algorithm, pub crypto.PublicKey) error {
	bad := fmt.Errorf("jwt: a %T cannot verify %s: %w", pub, alg, customs.ErrConfig)
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if a.family != familyRSA {
			return bad
		}
		if k.N == nil || k.N.BitLen() < MinRSABits {
			return fmt.Errorf("jwt: RSA key shorter than %d bits: %w", MinRSABits, customs.ErrConfig)
		}
	case *ecdsa.PublicKey:
		if a.family != familyEC || k.Curve == nil || k.Curve.Params().BitSize != a.size {
			return bad
		}
	case ed25519.PublicKey:
		if a.family != familyEd || len(k) != ed25519.PublicKeySize {
			return bad
		}
	default:
		return bad
	}
	return nil
}

// ParsePublicKeyPEM returns a verification key from a PEM block: a PKIX
// "PUBLIC KEY", a PKCS #1 "RSA PUBLIC KEY" or a "CERTIFICATE".
func ParsePublicKeyPEM(kid, alg string, data []byte) (Key, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return Key{}, fmt.Errorf("jwt: no PEM block: %w", customs.ErrConfig)
	}
	var pub any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			pub = cert.PublicKey
		}
	default:
		return Key{}, fmt.Errorf("jwt: PEM block %q is not a public key: %w", block.Type, customs.ErrConfig)
	}
	if err != nil {
		return Key{}, fmt.Errorf("jwt: bad PEM public key: %w: %w", customs.ErrConfig, err)
	}
	return PublicKey(kid, alg, pub)
}

// SigningKey is a key a [Signer] signs with: an HMAC secret or a private
// key, with its kid and pinned algorithm. Its String and LogValue never show
// key material.
type SigningKey struct {
	public  Key
	private any // []byte or crypto.Signer
}

// Public returns the verification half of the key (the secret itself for
// HMAC keys, which are never published).
func (k SigningKey) Public() Key { return k.public }

// String describes the key without its material.
func (k SigningKey) String() string {
	return fmt.Sprintf("jwt.SigningKey{kid:%q alg:%s}", k.public.id, k.public.alg)
}

// LogValue describes the key without its material.
func (k SigningKey) LogValue() slog.Value { return k.public.LogValue() }

// NewSigningKey returns a signing key from an HMAC secret ([]byte) or a
// private key (*rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey). The
// kid must not be empty: verifiers choose keys by it across rotations.
func NewSigningKey(kid, alg string, private any) (SigningKey, error) {
	if kid == "" {
		return SigningKey{}, fmt.Errorf("jwt: signing key without kid: %w", customs.ErrConfig)
	}
	if secret, ok := private.([]byte); ok {
		pub, err := SecretKey(kid, alg, secret)
		return SigningKey{public: pub, private: pub.material}, err
	}
	signer, ok := private.(crypto.Signer)
	if !ok {
		return SigningKey{}, fmt.Errorf("jwt: a %T cannot sign: %w", private, customs.ErrConfig)
	}
	pub, err := PublicKey(kid, alg, signer.Public())
	if err != nil {
		return SigningKey{}, err
	}
	return SigningKey{public: pub, private: signer}, nil
}

// ParsePrivateKeyPEM returns a signing key from a PEM block: PKCS #8
// "PRIVATE KEY", PKCS #1 "RSA PRIVATE KEY" or SEC 1 "EC PRIVATE KEY".
func ParsePrivateKeyPEM(kid, alg string, data []byte) (SigningKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return SigningKey{}, fmt.Errorf("jwt: no PEM block: %w", customs.ErrConfig)
	}
	var priv any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		priv, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		priv, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		priv, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return SigningKey{}, fmt.Errorf("jwt: PEM block %q is not a private key: %w", block.Type, customs.ErrConfig)
	}
	if err != nil {
		return SigningKey{}, fmt.Errorf("jwt: bad PEM private key: %w: %w", customs.ErrConfig, err)
	}
	return NewSigningKey(kid, alg, priv)
}

// GenerateSigningKey makes a new random key for alg: a secret of the hash's
// length, a 2048-bit RSA key, a key on the algorithm's curve, or an Ed25519
// key. Keep it somewhere safe: tokens it signs verify only with it.
func GenerateSigningKey(kid, alg string) (SigningKey, error) {
	a, err := lookupAlg(alg, 0)
	if err != nil {
		return SigningKey{}, err
	}
	var priv any
	switch a.family {
	case familyHMAC:
		secret := make([]byte, a.size)
		_, err = rand.Read(secret)
		priv = secret
	case familyRSA:
		priv, err = rsa.GenerateKey(rand.Reader, MinRSABits)
	case familyEC:
		priv, err = ecdsa.GenerateKey(curveOf(a.size), rand.Reader)
	case familyEd:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		return SigningKey{}, fmt.Errorf("jwt: generating a %s key: %w", alg, err)
	}
	return NewSigningKey(kid, alg, priv)
}

func curveOf(bits int) elliptic.Curve {
	switch bits {
	case 384:
		return elliptic.P384()
	case 521:
		return elliptic.P521()
	default:
		return elliptic.P256()
	}
}
