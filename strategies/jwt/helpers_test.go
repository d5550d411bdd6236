package jwt_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"sync"
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/internal/testserver"
	"github.com/customs-go/customs/strategies/jwt"
)

// The test service: test.v1.Echo with a unary Echo, which answers with the
// caller's name, and a server stream Watch, which sends a message every
// tick until it has sent watchCount or its context ends.
const (
	echoProc   = "/test.v1.Echo/Echo"
	watchProc  = "/test.v1.Echo/Watch"
	tick       = 100 * time.Millisecond
	watchCount = 35
)

const (
	testIssuer   = "https://issuer.test"
	testAudience = "api.test"
	testRealm    = "test"
)

type testUser struct{ Name string }

// testClaims is an application's claims type.
type testClaims struct {
	jwt.Claims
	Tenant string `json:"tenant"`
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Unix(1_800_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testKeys are private keys of each family, made once per test binary.
type testKeys struct {
	secret []byte
	rsa    *rsa.PrivateKey
	ec     *ecdsa.PrivateKey
	ed     ed25519.PrivateKey
	// attacker holds keys nobody trusts.
	attackerEC *ecdsa.PrivateKey
}

var loadKeys = sync.OnceValues(func() (*testKeys, error) {
	k := &testKeys{secret: []byte("0123456789abcdef0123456789abcdef")}
	var err error
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, err
	}
	if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	if _, k.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
		return nil, err
	}
	k.attackerEC, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	return k, err
})

func keys(tb testing.TB) *testKeys {
	tb.Helper()
	k, err := loadKeys()
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// verifyKeys returns the public keys of k, with kids "hs", "rs", "ps",
// "es" and "ed".
func verifyKeys(tb testing.TB, k *testKeys) []jwt.Key {
	tb.Helper()
	must := func(key jwt.Key, err error) jwt.Key {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return key
	}
	return []jwt.Key{
		must(jwt.SecretKey("hs", "HS256", k.secret)),
		must(jwt.PublicKey("rs", "RS256", &k.rsa.PublicKey)),
		must(jwt.PublicKey("ps", "PS256", &k.rsa.PublicKey)),
		must(jwt.PublicKey("es", "ES256", &k.ec.PublicKey)),
		must(jwt.PublicKey("ed", "EdDSA", k.ed.Public())),
	}
}

// privateFor returns the private key for a kid of verifyKeys.
func privateFor(k *testKeys, kid string) any {
	switch kid {
	case "hs":
		return k.secret
	case "rs", "ps":
		return k.rsa
	case "es":
		return k.ec
	default:
		return k.ed
	}
}

// claimsAt returns valid access token claims at now.
func claimsAt(now time.Time) gjwt.MapClaims {
	return gjwt.MapClaims{
		"iss": testIssuer, "aud": testAudience, "sub": "alice",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
		"jti": "jti-" + now.Format("150405.000000000"),
	}
}

// mint signs claims with alg and private, with header fields hdr on top of
// typ at+jwt.
func mint(tb testing.TB, alg string, private any, hdr map[string]any, claims gjwt.MapClaims) string {
	tb.Helper()
	t := gjwt.NewWithClaims(gjwt.GetSigningMethod(alg), claims)
	t.Header["typ"] = "at+jwt"
	for k, v := range hdr {
		if v == nil {
			delete(t.Header, k)
			continue
		}
		t.Header[k] = v
	}
	s, err := t.SignedString(private)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// newStrategy returns a strategy over testKeys whose user func names the
// subject, counting its calls in calls when not nil.
func newStrategy(tb testing.TB, calls *int64Counter, opts ...jwt.Option) *jwt.Strategy[testClaims, *testUser] {
	tb.Helper()
	base := []jwt.Option{
		jwt.WithIssuer(testIssuer), jwt.WithAudience(testAudience), jwt.WithRealm(testRealm),
	}
	s, err := jwt.New(func(_ context.Context, c testClaims) (*testUser, error) {
		if calls != nil {
			calls.add()
		}
		if c.Subject == "mallory" {
			return nil, customs.ErrInvalidCredentials
		}
		return &testUser{Name: c.Subject + c.Tenant}, nil
	}, append(base, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

type int64Counter struct {
	mu sync.Mutex
	n  int64
}

func (c *int64Counter) add() { c.mu.Lock(); c.n++; c.mu.Unlock() }

func (c *int64Counter) get() int64 { c.mu.Lock(); defer c.mu.Unlock(); return c.n }

// result is the outcome of one call, on either stack.
type result struct {
	body       string
	code       codes.Code // connect codes have the same numbers
	challenges []string
}

// harness serves test.v1.Echo with grpc-go over bufconn and with
// connect-go over httptest, both behind c.
type harness struct {
	grpcClient    testserver.Client
	connectClient testserver.Client
}

func newHarness(tb testing.TB, c *customs.Customs) *harness {
	tb.Helper()
	conn := testserver.StartGRPC(tb, testserver.NewGRPCServer(c, echoService), testserver.Bufconn)
	url := testserver.StartHTTP(tb, testserver.NewConnectHandler(c, echoService))
	return &harness{
		grpcClient:    testserver.GRPCClient(conn),
		connectClient: testserver.ConnectClient(testserver.HTTPClient(tb, testserver.HTTP1), url),
	}
}

// protect returns a Customs where the strategies protect test.v1.Echo.
func protect(tb testing.TB, rule customs.Rule, opts []customs.Option, strategies ...customs.Strategy) *customs.Customs {
	tb.Helper()
	c, err := customs.New(append([]customs.Option{customs.WithStrategies(strategies...), customs.WithRules(rule)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// grpcUnary calls Echo over grpc-go with the authorization value auth.
func (h *harness) grpcUnary(ctx context.Context, auth string) result {
	return unaryResult(h.grpcClient.Unary(ctx, echoProc, wrapperspb.String("hi"), auth))
}

// connectUnary calls Echo over connect-go with the authorization value auth.
func (h *harness) connectUnary(ctx context.Context, auth string) result {
	return unaryResult(h.connectClient.Unary(ctx, echoProc, wrapperspb.String("hi"), auth))
}

// unaryResult is what the tests look at of a unary call.
func unaryResult(r testserver.Result) result {
	return result{body: r.Last(), code: r.Code, challenges: r.Challenges}
}

// both runs a call on both stacks.
func (h *harness) both(ctx context.Context, auth string) map[string]result {
	return map[string]result{"grpc": h.grpcUnary(ctx, auth), "connect": h.connectUnary(ctx, auth)}
}

func echo(ctx context.Context, _ proto.Message) (string, error) {
	u, ok := customs.UserFrom[*testUser](ctx)
	if !ok {
		return "anonymous", nil // benchmarks' baseline
	}
	return u.Name, nil
}

// watch sends a message every tick, watchCount times.
func watch(ctx context.Context, _ proto.Message, send func(string) error) error {
	t := time.NewTicker(tick)
	defer t.Stop()
	for range watchCount {
		if err := send("tick"); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// echoService is test.v1.Echo, for both stacks.
var echoService = testserver.Service{Name: "test.v1.Echo", Methods: []testserver.Method{
	{Name: "Echo", Unary: echo},
	{Name: "Watch", Stream: watch},
}}

// x509PublicBytes returns the PEM form of a public key, as an attacker
// would use it for an HMAC secret.
func x509PublicBytes(tb testing.TB, pub any) []byte {
	tb.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// newTestSigner returns an ES256 signer with kid "signer-1".
func newTestSigner(tb testing.TB, clock *fakeClock, opts ...jwt.Option) *jwt.Signer {
	tb.Helper()
	key, err := jwt.NewSigningKey("signer-1", "ES256", keys(tb).ec)
	if err != nil {
		tb.Fatal(err)
	}
	base := []jwt.Option{jwt.WithIssuer(testIssuer), jwt.WithAudience(testAudience), jwt.WithClock(clock.Now)}
	s, err := jwt.NewSigner(key, append(base, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// bearer returns the authorization value of a token.
func bearer(token string) string { return "Bearer " + token }

// hasChallenge reports whether one of the challenges contains want.
func hasChallenge(challenges []string, want string) bool {
	for _, c := range challenges {
		if strings.Contains(c, want) {
			return true
		}
	}
	return false
}
