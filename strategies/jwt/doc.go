// Package jwt is the JWT bearer token strategy for Customs (RFC 6750, RFC
// 7519, RFC 9068): it verifies access tokens on gRPC and Connect calls, and
// its [Signer] issues them, with refresh tokens, key rotation and a JWKS
// endpoint for other services.
//
// # Verifying
//
// [New] takes the application's callback, which turns the claims of a
// verified token into its user. The claims type is the application's own
// struct embedding [Claims]:
//
//	type AppClaims struct {
//		jwt.Claims
//		Tenant string `json:"tenant"`
//	}
//
//	s, err := jwt.New(func(ctx context.Context, c AppClaims) (*User, error) {
//		return users.Get(ctx, c.Subject)
//	}, jwt.WithJWKS("https://auth.example.com/.well-known/jwks.json"),
//		jwt.WithIssuer("https://auth.example.com"), jwt.WithAudience("billing"))
//	c, err := customs.New(customs.WithStrategies(s),
//		customs.WithRules(customs.Protect("acme.billing.*", "jwt").RequireScopes("invoices:read")))
//
// A token is checked in this order, and refused at the first failure:
//
//   - its size, its three segments and their base64url alphabet, before
//     anything is decoded;
//   - its header: alg is one of [Algorithms] ("none" never is), typ is
//     accepted ("at+jwt" by default; see [WithTokenTypes] and
//     [WithPlainJWT]), there is no crit, the kid is short;
//   - its signature, with the key its kid names, and only if the key is
//     pinned to the token's alg. Keys never come from the token: jwk, jku,
//     x5u and x5c are ignored;
//   - only then its claims: exp is required, nbf and iat are checked with a
//     leeway ([WithLeeway], 60 s by default), iss and aud when configured,
//     the lifetime with [WithMaxLifetime], and the jti against the
//     [RevocationStore] of [WithRevocations].
//
// So an expired token with a bad signature is refused for its signature.
// Refusals carry an RFC 6750 `error="invalid_token"` challenge; a token
// that lacks a scope the rule requires is refused with PermissionDenied
// and an `error="insufficient_scope"` challenge. Streams opened with a
// token end with Unauthenticated when it expires, unless Customs is built
// with customs.WithoutStreamExpiry.
//
// # Keys
//
// Keys are static ([WithKeys] with [SecretKey], [PublicKey],
// [ParsePublicKeyPEM] or [ParseJWK]), those of a [Signer] in the same
// process ([WithSignerKeys]), or a remote JSON Web Key Set ([WithJWKS]).
// A remote set is fetched in the background from the start, refreshed on
// the schedule of its Cache-Control max-age within bounds
// ([WithJWKSRefresh]), and fetched again when a token names an unknown kid,
// at most once per [WithUnknownKeyRefresh] interval. Callers wait for a
// fetch no longer than their own deadline. A failed fetch leaves the last
// good set in force; while no set was ever fetched, calls fail with
// Unavailable, never with Unauthenticated. Bodies and key counts are
// capped ([WithJWKSLimits]).
//
// # The cache
//
// A token used again is found in a cache of verified tokens ([WithCache],
// on by default) and costs no signature check. The cache compares whole
// tokens, holds an entry no longer than the token's exp, forgets entries
// made with a key set that has since changed, and still consults the
// revocation store on every hit. The user callback runs once per cached
// token: check what must be checked on every call in the handler.
//
// # Issuing
//
// A [Signer] issues an access token (typ "at+jwt", 15 minutes by default)
// and a refresh token (typ "refresh+jwt", which no Strategy accepts, 24
// hours by default) for a [Grant]: after a Login RPC authenticated by the
// Local strategy, say. [Signer.Refresh] exchanges a refresh token for new
// tokens once: the old one is revoked as it is used. [Signer.Rotate]
// changes the signing key while the old one still verifies, and
// [Signer.JWKSHandler] publishes the public keys for [WithJWKS] elsewhere.
package jwt
