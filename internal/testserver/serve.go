package testserver

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
)

// Network is where [StartGRPC] listens.
type Network string

// The networks of [StartGRPC].
const (
	Bufconn Network = "bufconn" // in memory, with grpc-go's bufconn
	TCP     Network = "tcp"     // a loopback TCP port
)

// StartGRPC serves srv on network and returns a client connection to it.
// The test's clean-up closes the connection and stops srv.
func StartGRPC(tb testing.TB, srv *grpc.Server, network Network) *grpc.ClientConn {
	tb.Helper()
	var lis net.Listener
	target := "passthrough:///bufconn"
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	switch network {
	case Bufconn:
		bl := bufconn.Listen(1 << 20)
		lis = bl
		opts = append(opts, grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return bl.DialContext(ctx)
		}))
	case TCP:
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatalf("listen: %v", err)
		}
		lis, target = l, l.Addr().String()
	default:
		tb.Fatalf("testserver: unknown network %q", network)
	}
	go func() { _ = srv.Serve(lis) }()
	tb.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(target, opts...)
	if err != nil {
		tb.Fatalf("grpc.NewClient: %v", err)
	}
	tb.Cleanup(func() { _ = conn.Close() })
	return conn
}

// Protocol is the HTTP version an [HTTPClient] speaks.
type Protocol string

// The protocols of [HTTPClient].
const (
	HTTP1 Protocol = "http1" // HTTP/1.1
	H2C   Protocol = "h2c"   // HTTP/2 without TLS, with prior knowledge
)

// StartHTTP serves h on a loopback httptest server that speaks HTTP/1.1
// and h2c, and returns its URL. The test's clean-up closes the server.
func StartHTTP(tb testing.TB, h http.Handler) string {
	tb.Helper()
	s := httptest.NewUnstartedServer(h)
	s.Config.Protocols = new(http.Protocols)
	s.Config.Protocols.SetHTTP1(true)
	s.Config.Protocols.SetUnencryptedHTTP2(true)
	s.Start()
	tb.Cleanup(s.Close)
	return s.URL
}

// HTTPClient returns a client that speaks only p. The test's clean-up
// closes its idle connections.
func HTTPClient(tb testing.TB, p Protocol) *http.Client {
	tb.Helper()
	protocols := new(http.Protocols)
	switch p {
	case HTTP1:
		protocols.SetHTTP1(true)
	case H2C:
		protocols.SetUnencryptedHTTP2(true)
	default:
		tb.Fatalf("testserver: unknown protocol %q", p)
	}
	tr := &http.Transport{Protocols: protocols}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// PostJSON posts body as a Connect JSON request to url, with the
// Authorization value auth unless it is empty, the way a plain HTTP client
// would. It returns the response, its body already read and closed, and
// that body.
func PostJSON(tb testing.TB, hc *http.Client, url, auth, body string) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequestWithContext(tb.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := hc.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatalf("reading the body: %v", err)
	}
	return res, string(b)
}
