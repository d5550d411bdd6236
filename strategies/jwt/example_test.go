package jwt_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/strategies/jwt"
)

// User is an application's user.
type User struct{ ID, Tenant string }

// AppClaims are an application's claims: the registered ones and its own.
type AppClaims struct {
	jwt.Claims
	Tenant string `json:"tenant"`
}

// A Signer issues tokens after a Login RPC; the Strategy verifies them on
// every other call.
func ExampleSigner() {
	key, err := jwt.GenerateSigningKey("2026-01", "EdDSA")
	if err != nil {
		panic(err)
	}
	signer, err := jwt.NewSigner(key, jwt.WithIssuer("https://auth.example.com"), jwt.WithAudience("billing"))
	if err != nil {
		panic(err)
	}
	strategy, err := jwt.New(func(_ context.Context, c AppClaims) (*User, error) {
		return &User{ID: c.Subject, Tenant: c.Tenant}, nil
	}, jwt.WithSignerKeys(signer), jwt.WithIssuer("https://auth.example.com"), jwt.WithAudience("billing"))
	if err != nil {
		panic(err)
	}

	// In the Login handler, once the Local strategy has authenticated alice:
	tokens, err := signer.Issue(context.Background(), jwt.Grant{
		Subject: "alice",
		Scopes:  []string{"invoices:read"},
		Claims:  map[string]string{"tenant": "acme"},
	})
	if err != nil {
		panic(err)
	}

	// On a later call, which carries the access token:
	call := customs.NewCall("/acme.billing.v1.Billing/GetInvoice",
		http.Header{"Authorization": {"Bearer " + tokens.AccessToken}}, nil)
	id, err := strategy.Authenticate(context.Background(), call)
	if err != nil {
		panic(err)
	}
	fmt.Println(id.User.(*User).ID, id.User.(*User).Tenant, id.Scopes)

	// The refresh token gives new tokens, once.
	_, err = signer.Refresh(context.Background(), tokens.RefreshToken)
	fmt.Println("first refresh:", err)
	_, err = signer.Refresh(context.Background(), tokens.RefreshToken)
	fmt.Println("second refresh refused:", err != nil)
	// Output:
	// alice acme [invoices:read]
	// first refresh: <nil>
	// second refresh refused: true
}

// Services other than the issuer verify its tokens with the keys it
// publishes as a JWKS.
func ExampleWithJWKS() {
	key, err := jwt.GenerateSigningKey("2026-01", "ES256")
	if err != nil {
		panic(err)
	}
	signer, err := jwt.NewSigner(key, jwt.WithIssuer("https://auth.example.com"), jwt.WithAudience("billing"))
	if err != nil {
		panic(err)
	}
	jwks := httptest.NewServer(signer.JWKSHandler()) // the issuer's /.well-known/jwks.json
	defer jwks.Close()

	strategy, err := jwt.New(func(_ context.Context, c jwt.Claims) (string, error) {
		return c.Subject, nil
	}, jwt.WithJWKS(jwks.URL), jwt.WithIssuer("https://auth.example.com"), jwt.WithAudience("billing"))
	if err != nil {
		panic(err)
	}
	c, err := customs.New(customs.WithStrategies(strategy), customs.WithRules(
		customs.Protect("acme.billing.*", "jwt").RequireScopes("invoices:read"),
	))
	if err != nil {
		panic(err)
	}
	_ = c // c.UnaryServerInterceptor(), c.ConnectInterceptor()...

	tokens, _ := signer.Issue(context.Background(), jwt.Grant{Subject: "bob", Scopes: []string{"invoices:read"}})
	claims, err := strategy.Verify(context.Background(), tokens.AccessToken)
	fmt.Println(claims.Subject, claims.Scopes(), err)
	// Output: bob [invoices:read] <nil>
}
