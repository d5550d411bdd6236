package basic_test

import (
	"fmt"
	"net/http"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/internal/testserver"
)

// The hand-made service the servers in these tests run: test.v1.Echo, with a
// unary Echo and a server-streaming Stream, both answering with who called.
const (
	echoProcedure   = "/test.v1.Echo/Echo"
	streamProcedure = "/test.v1.Echo/Stream"
	streamReplies   = 2
)

// user is the application's user type.
type user struct{ Name string }

// whoami answers with who called: "alice via basic".
var whoami = testserver.WhoAmI(func(u *user) string { return u.Name })

// echo is test.v1.Echo, for both stacks.
var echo = testserver.Service{Name: "test.v1.Echo", Methods: []testserver.Method{
	{Name: "Echo", Unary: whoami},
	{Name: "Stream", Stream: testserver.Repeat(whoami, streamReplies)},
}}

// echoService is test.v1.Echo for a grpc-go server built by hand.
var echoService = *echo.Desc()

// echoHandler serves test.v1.Echo behind c's interceptor over Connect, gRPC
// and gRPC-Web.
func echoHandler(c *customs.Customs) http.Handler {
	return testserver.NewConnectHandler(c, echo)
}

// grpcCaller serves test.v1.Echo behind c's interceptors on network, and
// calls it through grpc-go.
func grpcCaller(tb testing.TB, c *customs.Customs, network testserver.Network) caller {
	tb.Helper()
	return newCaller(testserver.GRPCClient(testserver.StartGRPC(tb, testserver.NewGRPCServer(c, echo), network)))
}

// reply is what a client saw of one call, whatever the stack.
type reply struct {
	code      codes.Code // grpc-go codes and Connect codes share values
	message   string     // the error message, or the reply
	challenge []string   // WWW-Authenticate values
}

func (r reply) String() string {
	return fmt.Sprintf("%v %q %q", r.code, r.message, r.challenge)
}

// caller makes one call with the given Authorization values.
type caller func(tb testing.TB, stream bool, authorization []string) reply

// connectCaller calls through a Connect client with the given options.
func connectCaller(hc *http.Client, baseURL string, opts ...connect.ClientOption) caller {
	return newCaller(testserver.ConnectClient(hc, baseURL, opts...))
}

// newCaller calls Echo, or Stream when stream is true, through client, and
// checks that a stream that ends well sent all its replies.
func newCaller(client testserver.Client) caller {
	return func(tb testing.TB, stream bool, authorization []string) reply {
		tb.Helper()
		in := wrapperspb.String("hi")
		var res testserver.Result
		if stream {
			res = client.Stream(tb.Context(), streamProcedure, in, authorization...)
			if res.Code == codes.OK && len(res.Replies) != streamReplies {
				tb.Fatalf("stream ended after %d replies, want %d", len(res.Replies), streamReplies)
			}
		} else {
			res = client.Unary(tb.Context(), echoProcedure, in, authorization...)
		}
		if res.Code != codes.OK {
			return reply{code: res.Code, message: res.Message, challenge: res.Challenges}
		}
		return reply{code: codes.OK, message: res.Last(), challenge: res.Challenges}
	}
}
