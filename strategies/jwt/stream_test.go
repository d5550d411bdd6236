package jwt_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/strategies/jwt"
)

// TestStreamEndsWhenTokenExpires opens a stream with a token that expires
// in one or two seconds, while the stream would run for 3.5 seconds.
func TestStreamEndsWhenTokenExpires(t *testing.T) {
	t.Parallel()
	key, err := jwt.NewSigningKey("s", "EdDSA", keys(t).ed)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jwt.NewSigner(key, jwt.WithIssuer(testIssuer), jwt.WithAudience(testAudience),
		jwt.WithAccessTTL(2*time.Second), jwt.WithoutRefreshTokens())
	if err != nil {
		t.Fatal(err)
	}
	s := newStrategy(t, nil, jwt.WithSignerKeys(signer), jwt.WithLeeway(0))
	tests := []struct {
		name    string
		opts    []customs.Option
		want    codes.Code
		wantAll bool
	}{
		{name: "expiry_ends_stream", want: codes.Unauthenticated},
		{name: "without_stream_expiry", opts: []customs.Option{customs.WithoutStreamExpiry()}, want: codes.OK, wantAll: true},
	}
	for _, tc := range tests {
		for _, stack := range []string{"grpc", "connect"} {
			t.Run(tc.name+"/"+stack, func(t *testing.T) {
				t.Parallel()
				h := newHarness(t, protect(t, customs.Protect("test.v1.Echo", "jwt"), tc.opts, s))
				if _, code := watchOn(context.Background(), h, stack, ""); code != codes.Unauthenticated {
					t.Fatalf("stream without token: %v", code)
				}
				tok, err := signer.Issue(context.Background(), jwt.Grant{Subject: "alice"})
				if err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				n, code := watchOn(context.Background(), h, stack, bearer(tok.AccessToken))
				if code != tc.want {
					t.Fatalf("stream ended with %v after %d messages, want %v", code, n, tc.want)
				}
				if tc.wantAll != (n == watchCount) || n == 0 {
					t.Errorf("%d messages of %d", n, watchCount)
				}
				if !tc.wantAll && time.Since(start) > 3*time.Second {
					t.Errorf("stream ran %v with a token of at most 2s", time.Since(start))
				}
			})
		}
	}
}

// watchOn runs the Watch stream on stack, "grpc" or "connect", and
// returns how many messages arrived and the code it ended with.
func watchOn(ctx context.Context, h *harness, stack, auth string) (int, codes.Code) {
	client := h.connectClient
	if stack == "grpc" {
		client = h.grpcClient
	}
	res := client.Stream(ctx, watchProc, wrapperspb.String("go"), auth)
	return len(res.Replies), res.Code
}
