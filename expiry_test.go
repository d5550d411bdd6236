package customs_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/customs-go/customs/internal/testserver"
)

// listen is a bidirectional stream whose handler waits for messages and
// never looks at its context: only Customs can end it when the
// credentials expire.
var listenDesc = grpc.ServiceDesc{
	ServiceName: "test.v1.Chat",
	HandlerType: (*any)(nil),
	Streams: []grpc.StreamDesc{{
		StreamName:    "Listen",
		ClientStreams: true,
		ServerStreams: true,
		Handler: func(_ any, ss grpc.ServerStream) error {
			for {
				if err := ss.RecvMsg(new(wrapperspb.StringValue)); err != nil {
					return err
				}
			}
		},
	}},
}

func TestIdleStreamEndsWhenCredentialsExpire(t *testing.T) {
	t.Parallel()
	c := newTestCustoms(t)

	t.Run("grpc-go", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		srv := grpc.NewServer(grpc.ChainStreamInterceptor(c.StreamServerInterceptor()))
		srv.RegisterService(&listenDesc, struct{}{})
		conn := testserver.StartGRPC(t, srv, testserver.Bufconn)
		out := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer short")
		cs, err := conn.NewStream(out, &listenDesc.Streams[0], "/test.v1.Chat/Listen")
		if err != nil {
			t.Fatal(err)
		}
		err = cs.RecvMsg(new(wrapperspb.StringValue))
		if status.Code(err) != codes.Unauthenticated {
			t.Fatalf("idle stream ended with %v, want Unauthenticated at expiry", err)
		}
	})
	t.Run("connect", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		mux := http.NewServeMux()
		mux.Handle("/test.v1.Chat/Listen", connect.NewBidiStreamHandler("/test.v1.Chat/Listen",
			func(_ context.Context, s *connect.BidiStream[wrapperspb.StringValue, wrapperspb.StringValue]) error {
				for {
					if _, err := s.Receive(); err != nil {
						return err
					}
				}
			}, connect.WithInterceptors(c.ConnectInterceptor())))
		url, hc := serveHTTP(t, mux, testserver.H2C)
		client := connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](hc, url+"/test.v1.Chat/Listen")
		stream := client.CallBidiStream(ctx)
		stream.RequestHeader().Set("Authorization", "Bearer short")
		if err := stream.Send(nil); err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("send headers: %v", err)
		}
		_, err := stream.Receive()
		if connect.CodeOf(err) != connect.CodeUnauthenticated {
			t.Fatalf("idle stream ended with %v, want unauthenticated at expiry", err)
		}
	})
}
