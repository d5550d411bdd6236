package customs_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/internal/testserver"
)

// benchCustoms protects everything with a strategy that accepts at once, so
// the benchmarks measure Customs' own plumbing.
func benchCustoms(b *testing.B, opts ...customs.Option) *customs.Customs {
	b.Helper()
	u := &user{Name: "bench"}
	accept := customs.StrategyFunc("accept", func(context.Context, customs.Call) (customs.Identity, error) {
		return customs.Identity{User: u}, nil
	})
	c, err := customs.New(append(opts,
		customs.WithStrategies(accept), customs.WithRules(customs.Protect("test.v1.*", "accept")))...)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// benchStacks runs one sub-benchmark per stack: a unary Echo call, or a
// Count stream of three messages.
func benchStacks(b *testing.B, stream bool, stacks ...func(b *testing.B) stack) {
	for _, mk := range stacks {
		st := mk(b)
		b.Run(st.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var code codes.Code
				if stream {
					_, code = st.stream(b.Context(), "/test.v1.Echo/Count", "Bearer x")
				} else {
					_, code, _ = st.unary(b.Context(), "/test.v1.Echo/Echo", "Bearer x")
				}
				if code != codes.OK {
					b.Fatal(code)
				}
			}
		})
	}
}

// grpcBench serves the test services over bufconn, through c unless nil.
func grpcBench(name string, c *customs.Customs) func(*testing.B) stack {
	return func(b *testing.B) stack { return stack{name, serveGRPC(b, c, testserver.Bufconn)} }
}

// connectBench serves h over h2c.
func connectBench(name string, h http.Handler) func(*testing.B) stack {
	return func(b *testing.B) stack {
		url, hc := serveHTTP(b, h, testserver.H2C)
		return connectStack(name, url, hc)
	}
}

func BenchmarkGRPCUnary(b *testing.B) {
	benchStacks(b, false, grpcBench("bare", nil), grpcBench("customs", benchCustoms(b)))
}

func BenchmarkGRPCStream(b *testing.B) {
	benchStacks(b, true, grpcBench("bare", nil), grpcBench("customs", benchCustoms(b)))
}

func BenchmarkConnectUnary(b *testing.B) {
	c := benchCustoms(b)
	benchStacks(b, false,
		connectBench("bare", newConnectMux(nil)),
		connectBench("customs", newConnectMux(c)),
		connectBench("customs-middleware", c.Middleware(newConnectMux(c))),
	)
}

func BenchmarkConnectStream(b *testing.B) {
	c := benchCustoms(b)
	benchStacks(b, true, connectBench("bare", newConnectMux(nil)), connectBench("customs", newConnectMux(c)))
}

// BenchmarkUnaryInterceptor measures the interceptor alone, without a
// network: the cost Customs adds to every call.
func BenchmarkUnaryInterceptor(b *testing.B) {
	c := benchCustoms(b)
	ic := c.UnaryServerInterceptor()
	info := &grpc.UnaryServerInfo{FullMethod: "/test.v1.Echo/Echo"}
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer x"))
	ctx = peer.NewContext(ctx, &peer.Peer{Addr: &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 50000}})
	req := wrapperspb.String("hi")
	handler := func(ctx context.Context, req any) (any, error) { return req, nil }
	limited := benchCustoms(b, customs.WithAttemptLimit(5, time.Minute)).UnaryServerInterceptor()
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = handler(ctx, req)
		}
	})
	b.Run("customs", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ic(ctx, req, info, handler); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("customs-attempt-limit", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := limited(ctx, req, info, handler); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// fakeStream is the least a grpc.ServerStream can be.
type fakeStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *fakeStream) Context() context.Context { return s.ctx }

func BenchmarkStreamInterceptor(b *testing.B) {
	c := benchCustoms(b)
	ic := c.StreamServerInterceptor()
	info := &grpc.StreamServerInfo{FullMethod: "/test.v1.Echo/Count", IsServerStream: true}
	ss := &fakeStream{ctx: context.Background()}
	handler := func(any, grpc.ServerStream) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		if err := ic(nil, ss, info, handler); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGRPCAuthorization reads the Authorization metadata of a gRPC
// call, as the Basic and JWT strategies do.
func BenchmarkGRPCAuthorization(b *testing.B) {
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer abc.def.ghi"))
	var call customs.Call
	read := customs.StrategyFunc("read", func(_ context.Context, cl customs.Call) (customs.Identity, error) {
		call = cl
		return customs.Identity{User: &user{}}, nil
	})
	c, err := customs.New(customs.WithStrategies(read), customs.WithRules(customs.Protect("*", "read")))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.UnaryServerInterceptor()(ctx, nil, &grpc.UnaryServerInfo{FullMethod: "/a.B/C"},
		func(context.Context, any) (any, error) { return nil, nil }); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := call.Header().Authorization(); err != nil {
			b.Fatal(err)
		}
	}
}
