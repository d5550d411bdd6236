package password

import (
	"testing"
	"time"
)

// A Hasher computes no more hashes at once than WithMaxConcurrent allows:
// with every place taken, Verify waits until one is given back.
func TestVerifyWaitsForAPlace(t *testing.T) {
	t.Parallel()
	h, err := NewHasher(WithParams(Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}),
		WithMaxConcurrent(2))
	if err != nil {
		t.Fatal(err)
	}
	encoded, err := h.Hash("pw")
	if err != nil {
		t.Fatal(err)
	}
	leave1, leave2 := h.enter(), h.enter()
	done := make(chan error, 1)
	go func() { done <- h.Verify(encoded, "pw") }()
	select {
	case err := <-done:
		t.Fatalf("Verify ran with every place taken: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	leave1()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Verify = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Verify still waiting after a place was given back")
	}
	leave2()
	if _, err := NewHasher(WithMaxConcurrent(0)); err == nil {
		t.Fatal("NewHasher accepted WithMaxConcurrent(0)")
	}
}
