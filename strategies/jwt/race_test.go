package jwt_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/customs-go/customs"
	"github.com/customs-go/customs/strategies/jwt"
)

// TestConcurrentCallsDuringRotation runs calls on both stacks while the
// signer rotates its keys and issues tokens: with -race, it checks the key
// ring, the cache and the revocation store under load.
func TestConcurrentCallsDuringRotation(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	store, _ := jwt.NewMemoryRevocations(jwt.WithClock(clock.Now))
	signer := newTestSigner(t, clock, jwt.WithRevocations(store))
	s := newStrategy(t, nil, jwt.WithSignerKeys(signer), jwt.WithClock(clock.Now), jwt.WithCache(16), jwt.WithRevocations(store))
	h := newHarness(t, protect(t, customs.Protect("test.v1.Echo", "jwt"), nil, s))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			next, err := jwt.GenerateSigningKey(fmt.Sprint("k", i), []string{"EdDSA", "ES256", "HS256"}[i%3])
			if err == nil {
				err = signer.Rotate(next)
			}
			if err != nil {
				t.Error(err)
				return
			}
		}
	})
	var calls sync.WaitGroup
	for g := range 8 {
		calls.Go(func() {
			for i := range 30 {
				tok, err := signer.Issue(context.Background(), jwt.Grant{Subject: "alice"})
				if err != nil {
					t.Error(err)
					return
				}
				auth := bearer(tok.AccessToken)
				for j := range 3 {
					var got result
					if (g+i+j)%2 == 0 {
						got = h.grpcUnary(context.Background(), auth)
					} else {
						got = h.connectUnary(context.Background(), auth)
					}
					if got.code != codes.OK {
						t.Errorf("call %d/%d: %v", i, j, got.code)
						return
					}
				}
				if i%10 == 0 {
					_ = signer.Revoke(context.Background(), tok.AccessToken)
					if got := h.grpcUnary(context.Background(), auth); got.code != codes.Unauthenticated {
						t.Errorf("revoked token: %v", got.code)
					}
				}
			}
		})
	}
	calls.Wait()
	close(stop)
	wg.Wait()
}
