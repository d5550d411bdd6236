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
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	gjwt "github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/customs-go/customs"
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
	conn       *grpc.ClientConn
	url        string
	httpClient *http.Client
}

func newHarness(tb testing.TB, c *customs.Customs) *harness {
	tb.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(
		grpc.UnaryInterceptor(c.UnaryServerInterceptor()),
		grpc.StreamInterceptor(c.StreamServerInterceptor()),
	)
	srv.RegisterService(&echoDesc, nil)
	go func() { _ = srv.Serve(lis) }()
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	icpt := connect.WithInterceptors(c.ConnectInterceptor())
	mux.Handle(echoProc, connect.NewUnaryHandler(echoProc, connectEcho, icpt))
	mux.Handle(watchProc, connect.NewServerStreamHandler(watchProc, connectWatch, icpt))
	hs := httptest.NewServer(mux)
	tb.Cleanup(func() {
		_ = conn.Close()
		srv.Stop()
		hs.Close()
	})
	return &harness{conn: conn, url: hs.URL, httpClient: hs.Client()}
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
	if auth != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", auth)
	}
	var trailer metadata.MD
	out := new(wrapperspb.StringValue)
	err := h.conn.Invoke(ctx, echoProc, wrapperspb.String("hi"), out, grpc.Trailer(&trailer))
	return result{body: out.GetValue(), code: status.Code(err), challenges: trailer.Get("www-authenticate")}
}

// connectUnary calls Echo over connect-go with the authorization value auth.
func (h *harness) connectUnary(ctx context.Context, auth string) result {
	client := connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](h.httpClient, h.url+echoProc)
	req := connect.NewRequest(wrapperspb.String("hi"))
	if auth != "" {
		req.Header().Set("Authorization", auth)
	}
	resp, err := client.CallUnary(ctx, req)
	if err != nil {
		var ce *connect.Error
		if errors.As(err, &ce) {
			return result{code: codes.Code(ce.Code()), challenges: ce.Meta().Values("Www-Authenticate")}
		}
		return result{code: codes.Unknown}
	}
	return result{body: resp.Msg.GetValue(), code: codes.OK}
}

// both runs a call on both stacks.
func (h *harness) both(ctx context.Context, auth string) map[string]result {
	return map[string]result{"grpc": h.grpcUnary(ctx, auth), "connect": h.connectUnary(ctx, auth)}
}

func echo(ctx context.Context) (*wrapperspb.StringValue, error) {
	u, ok := customs.UserFrom[*testUser](ctx)
	if !ok {
		return wrapperspb.String("anonymous"), nil // benchmarks' baseline
	}
	return wrapperspb.String(u.Name), nil
}

func connectEcho(ctx context.Context, _ *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
	out, err := echo(ctx)
	if err != nil {
		return nil, connect.NewError(connect.CodeInternal, err)
	}
	return connect.NewResponse(out), nil
}

func connectWatch(ctx context.Context, _ *connect.Request[wrapperspb.StringValue], s *connect.ServerStream[wrapperspb.StringValue]) error {
	return watch(ctx, func(m *wrapperspb.StringValue) error { return s.Send(m) })
}

// watch sends a message every tick, watchCount times.
func watch(ctx context.Context, send func(*wrapperspb.StringValue) error) error {
	t := time.NewTicker(tick)
	defer t.Stop()
	for range watchCount {
		if err := send(wrapperspb.String("tick")); err != nil {
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

var echoDesc = grpc.ServiceDesc{
	ServiceName: "test.v1.Echo",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Echo",
		Handler: func(_ any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			h := func(ctx context.Context, _ any) (any, error) { return echo(ctx) }
			if icpt == nil {
				return h(ctx, in)
			}
			return icpt(ctx, in, &grpc.UnaryServerInfo{FullMethod: echoProc}, h)
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "Watch",
		ServerStreams: true,
		Handler: func(_ any, ss grpc.ServerStream) error {
			in := new(wrapperspb.StringValue)
			if err := ss.RecvMsg(in); err != nil {
				return err
			}
			return watch(ss.Context(), func(m *wrapperspb.StringValue) error { return ss.SendMsg(m) })
		},
	}},
}

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
