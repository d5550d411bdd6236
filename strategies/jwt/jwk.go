package jwt

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	"github.com/customs-go/customs"
)

// errSkipKey marks a JWK that a key set leaves out: not a signature key, or
// of a kind this package does not verify with.
var errSkipKey = errors.New("jwt: key skipped")

// jwk is the part of a JSON Web Key (RFC 7517, RFC 7518 section 6, RFC
// 8037) this package reads. Certificates (x5c, x5u) are ignored: keys come
// from the set, never from a token.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid,omitempty"`
	Alg string `json:"alg,omitempty"`
	Use string `json:"use,omitempty"`
	Crv string `json:"crv,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	K   string `json:"k,omitempty"`
}

type jwkSet struct {
	Keys []json.RawMessage `json:"keys"`
}

// ParseJWK returns the verification key of one JSON Web Key: RSA, EC
// (P-256, P-384, P-521), OKP (Ed25519) or, for static configuration only,
// oct (an HMAC secret, which needs its alg). Without alg, the algorithm is
// RS256 for RSA keys and follows the curve for EC and OKP keys.
func ParseJWK(data []byte) (Key, error) {
	var j jwk
	if err := json.Unmarshal(data, &j); err != nil {
		return Key{}, fmt.Errorf("jwt: bad JWK: %w: %w", customs.ErrConfig, err)
	}
	k, err := j.key(true)
	if errors.Is(err, errSkipKey) {
		return Key{}, fmt.Errorf("jwt: JWK is not a supported signature key: %w", customs.ErrConfig)
	}
	return k, err
}

// ParseJWKS returns the verification keys of a JSON Web Key Set. Keys that
// are not for signatures, of an unsupported kind, or symmetric (a secret
// has no place in a published set) are left out; a set with more than
// maxKeys keys, or none usable, is an error. maxKeys <= 0 means 64.
func ParseJWKS(data []byte, maxKeys int) ([]Key, error) {
	if maxKeys <= 0 {
		maxKeys = 64
	}
	var set jwkSet
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("jwt: bad JWKS: %w", err)
	}
	if len(set.Keys) > maxKeys {
		return nil, fmt.Errorf("jwt: JWKS has %d keys, more than %d", len(set.Keys), maxKeys)
	}
	keys := make([]Key, 0, len(set.Keys))
	for _, raw := range set.Keys {
		var j jwk
		if err := json.Unmarshal(raw, &j); err != nil {
			continue
		}
		if k, err := j.key(false); err == nil {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("jwt: JWKS has no usable signature key")
	}
	return keys, nil
}

// key converts j; secrets are allowed only when allowSecret.
func (j *jwk) key(allowSecret bool) (Key, error) {
	if j.Use != "" && j.Use != "sig" {
		return Key{}, errSkipKey
	}
	switch j.Kty {
	case "RSA":
		return j.rsaKey()
	case "EC":
		return j.ecKey()
	case "OKP":
		return j.okpKey()
	case "oct":
		if !allowSecret {
			return Key{}, errSkipKey
		}
		secret, err := b64(j.K)
		if err != nil {
			return Key{}, err
		}
		return SecretKey(j.Kid, j.Alg, secret)
	default:
		return Key{}, errSkipKey
	}
}

func (j *jwk) rsaKey() (Key, error) {
	n, err := b64(j.N)
	if err != nil {
		return Key{}, err
	}
	e, err := b64(j.E)
	if err != nil {
		return Key{}, err
	}
	if len(n) > 1024 || len(e) == 0 || len(e) > 4 {
		return Key{}, fmt.Errorf("jwt: bad RSA JWK size: %w", customs.ErrConfig)
	}
	exp := new(big.Int).SetBytes(e)
	if exp.Int64() < 3 || exp.Bit(0) == 0 {
		return Key{}, fmt.Errorf("jwt: bad RSA JWK exponent: %w", customs.ErrConfig)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp.Int64())}
	return PublicKey(j.Kid, defaultAlg(j.Alg, "RS256"), pub)
}

func (j *jwk) ecKey() (Key, error) {
	alg, size := "", 0
	switch j.Crv {
	case "P-256":
		alg, size = "ES256", 32
	case "P-384":
		alg, size = "ES384", 48
	case "P-521":
		alg, size = "ES512", 66
	default:
		return Key{}, errSkipKey
	}
	x, err := b64(j.X)
	if err != nil {
		return Key{}, err
	}
	y, err := b64(j.Y)
	if err != nil {
		return Key{}, err
	}
	if len(x) != size || len(y) != size {
		return Key{}, fmt.Errorf("jwt: bad EC JWK coordinates: %w", customs.ErrConfig)
	}
	point := append(append([]byte{4}, x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(curveOf(algorithms[alg].size), point)
	if err != nil {
		return Key{}, fmt.Errorf("jwt: bad EC JWK point: %w", customs.ErrConfig)
	}
	return PublicKey(j.Kid, defaultAlg(j.Alg, alg), pub)
}

func (j *jwk) okpKey() (Key, error) {
	if j.Crv != "Ed25519" {
		return Key{}, errSkipKey
	}
	x, err := b64(j.X)
	if err != nil {
		return Key{}, err
	}
	if len(x) != ed25519.PublicKeySize {
		return Key{}, fmt.Errorf("jwt: bad Ed25519 JWK: %w", customs.ErrConfig)
	}
	return PublicKey(j.Kid, defaultAlg(j.Alg, "EdDSA"), ed25519.PublicKey(x))
}

func defaultAlg(alg, def string) string {
	if alg == "" {
		return def
	}
	return alg
}

// b64 decodes unpadded base64url, as JWKs use.
func b64(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, fmt.Errorf("jwt: bad base64url in JWK: %w", customs.ErrConfig)
	}
	return b, nil
}

// marshalJWKS encodes the public keys among keys as a JSON Web Key Set.
// HMAC secrets are left out.
func marshalJWKS(keys []Key) ([]byte, error) {
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{}}
	enc := base64.RawURLEncoding
	for _, k := range keys {
		j := jwk{Kid: k.id, Alg: k.alg, Use: "sig"}
		switch pub := k.material.(type) {
		case *rsa.PublicKey:
			j.Kty = "RSA"
			j.N = enc.EncodeToString(pub.N.Bytes())
			j.E = enc.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
		case *ecdsa.PublicKey:
			point, err := pub.Bytes()
			if err != nil {
				return nil, fmt.Errorf("jwt: encoding EC key %q: %w", k.id, err)
			}
			size := (len(point) - 1) / 2
			j.Kty, j.Crv = "EC", pub.Curve.Params().Name
			j.X = enc.EncodeToString(point[1 : 1+size])
			j.Y = enc.EncodeToString(point[1+size:])
		case ed25519.PublicKey:
			j.Kty, j.Crv, j.X = "OKP", "Ed25519", enc.EncodeToString(pub)
		default:
			continue
		}
		set.Keys = append(set.Keys, j)
	}
	return json.Marshal(set)
}
