package jwt_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	gjwt "github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/internal/testserver"
	"github.com/customs-go/customs/strategies/jwt"
)

// benchAlgs are the algorithm families compared, with the kid of
// verifyKeys for each.
var benchAlgs = []struct{ alg, kid string }{
	{"HS256", "hs"}, {"RS256", "rs"}, {"PS256", "ps"}, {"ES256", "es"}, {"EdDSA", "ed"},
}

// benchToken returns a valid token for alg, and the public key for it.
func benchToken(b *testing.B, alg, kid string) (string, any) {
	b.Helper()
	k := keys(b)
	token := mint(b, alg, privateFor(k, kid), map[string]any{"kid": kid}, claimsAt(time.Now()))
	for _, key := range verifyKeys(b, k) {
		if key.ID() == kid {
			if key.PublicKey() == nil {
				return token, k.secret
			}
			return token, key.PublicKey()
		}
	}
	b.Fatalf("no key %s", kid)
	return "", nil
}

// BenchmarkVerify compares bare golang-jwt parse and verify with the
// strategy's Authenticate, cold (no cache) and cached.
func BenchmarkVerify(b *testing.B) {
	k := keys(b)
	for _, a := range benchAlgs {
		token, pub := benchToken(b, a.alg, a.kid)
		b.Run(a.alg+"/golang-jwt", func(b *testing.B) {
			p := gjwt.NewParser(gjwt.WithValidMethods([]string{a.alg}), gjwt.WithIssuer(testIssuer),
				gjwt.WithAudience(testAudience), gjwt.WithExpirationRequired(), gjwt.WithLeeway(time.Minute))
			keyFunc := func(*gjwt.Token) (any, error) { return pub, nil }
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.ParseWithClaims(token, &testClaims{}, keyFunc); err != nil {
					b.Fatal(err)
				}
			}
		})
		header := http.Header{"Authorization": {bearer(token)}}
		for _, mode := range []struct {
			name string
			opts []jwt.Option
		}{{"strategy-cold", []jwt.Option{jwt.WithoutCache()}}, {"strategy-cached", nil}} {
			b.Run(a.alg+"/"+mode.name, func(b *testing.B) {
				s := newStrategy(b, nil, append([]jwt.Option{jwt.WithKeys(verifyKeys(b, k)...)}, mode.opts...)...)
				call := customs.NewCall(echoProc, header, nil)
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					if _, err := s.Authenticate(ctx, call); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkUnary compares a unary call without interceptor with one
// protected by the strategy, the client reusing its token, over grpc-go
// (bufconn) and connect-go (httptest, HTTP/1.1).
func BenchmarkUnary(b *testing.B) {
	k := keys(b)
	s := newStrategy(b, nil, jwt.WithKeys(verifyKeys(b, k)...))
	protected := protect(b, customs.Protect("test.v1.Echo", "jwt"), nil, s)
	cases := []struct{ name, alg, kid string }{{name: "baseline"}}
	for _, a := range benchAlgs {
		cases = append(cases, struct{ name, alg, kid string }{"jwt-" + a.alg, a.alg, a.kid})
	}
	for _, stack := range []string{"grpc", "connect"} {
		for _, tc := range cases {
			b.Run(stack+"/"+tc.name, func(b *testing.B) {
				// The baseline sends a token too, which its server ignores:
				// the comparison measures what verifying it costs.
				var c *customs.Customs
				alg, kid := benchAlgs[0].alg, benchAlgs[0].kid
				if tc.alg != "" {
					c, alg, kid = protected, tc.alg, tc.kid
				}
				token, _ := benchToken(b, alg, kid)
				auth := bearer(token)
				call := benchClient(b, stack, c, auth)
				call() // the first call verifies and caches the token
				b.ReportAllocs()
				for b.Loop() {
					call()
				}
			})
		}
	}
}

// benchClient returns a func that makes one Echo call on stack, through c
// unless it is nil.
func benchClient(b *testing.B, stack string, c *customs.Customs, auth string) func() {
	b.Helper()
	ctx := context.Background()
	if stack == "grpc" {
		conn := testserver.StartGRPC(b, testserver.NewGRPCServer(c, echoService), testserver.Bufconn)
		if auth != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", auth)
		}
		in, out := wrapperspb.String("hi"), new(wrapperspb.StringValue)
		return func() {
			if err := conn.Invoke(ctx, echoProc, in, out); err != nil {
				b.Fatal(err)
			}
		}
	}
	url := testserver.StartHTTP(b, testserver.NewConnectHandler(c, echoService))
	hc := testserver.HTTPClient(b, testserver.HTTP1)
	client := connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](hc, url+echoProc)
	return func() {
		req := connect.NewRequest(wrapperspb.String("hi"))
		if auth != "" {
			req.Header().Set("Authorization", auth)
		}
		if _, err := client.CallUnary(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
