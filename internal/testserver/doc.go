// Package testserver holds the real servers and clients that the tests of
// this module share: hand-made services with no generated code, served by
// grpc-go over bufconn or loopback TCP and by connect-go over httptest with
// HTTP/1.1 or h2c, and clients that call them the same way on every stack.
//
// It is test support, not API: only this module can import it, and its
// helpers take a [testing.TB], register their clean-up with it and call
// Fatal rather than panic.
//
// # Use
//
// A test describes its service once, serves it behind a Customs on each
// stack, and calls it through a [Client]:
//
//	svc := testserver.Service{Name: "test.v1.Echo", Methods: []testserver.Method{
//		{Name: "Echo", Unary: whoami},
//	}}
//	conn := testserver.StartGRPC(t, testserver.NewGRPCServer(c, svc), testserver.Bufconn)
//	client := testserver.GRPCClient(conn)
//	res := client.Unary(t.Context(), "/test.v1.Echo/Echo", wrapperspb.String("hi"), "Bearer x")
package testserver
