package jwt

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/customs-go/customs"
)

// RevocationStore records revoked token IDs (jti). A [Strategy] consults it
// on every call, cached tokens included, so Revoked should be fast; a
// [Signer] revokes each refresh token it exchanges. Implementations must be
// safe for concurrent use.
type RevocationStore interface {
	// Revoke revokes jti until exp, after which the token is refused as
	// expired anyway. It reports whether jti was revoked already; the check
	// and the write are one atomic step, so that a refresh token is
	// exchanged at most once.
	Revoke(ctx context.Context, jti string, exp time.Time) (already bool, err error)
	// Revoked reports whether jti is revoked.
	Revoked(ctx context.Context, jti string) (bool, error)
}

// sweepEvery is how often a MemoryRevocations drops entries that are past
// use.
const sweepEvery = time.Minute

// MemoryRevocations is a [RevocationStore] in memory, for one process. An
// entry is kept until its token's exp plus [MaxLeeway], so that no leeway
// lets a revoked token back in, and then dropped. Build it with
// [NewMemoryRevocations].
type MemoryRevocations struct {
	clock func() time.Time
	max   int

	mu        sync.RWMutex
	entries   map[string]time.Time // jti -> token exp
	nextSweep time.Time
}

// NewMemoryRevocations returns an empty store. It accepts [WithClock] and
// [WithMaxRevocations].
func NewMemoryRevocations(opts ...Option) (*MemoryRevocations, error) {
	o, err := build("revocation store", forStore, opts)
	if err != nil {
		return nil, err
	}
	if o.clock == nil || o.maxRevocations <= 0 {
		return nil, fmt.Errorf("jwt: revocation store needs a clock and a positive size: %w", customs.ErrConfig)
	}
	return &MemoryRevocations{clock: o.clock, max: o.maxRevocations, entries: map[string]time.Time{}}, nil
}

// Revoke implements [RevocationStore]. It fails with an error wrapping
// customs.ErrUnavailable when the store is full of live entries.
func (m *MemoryRevocations) Revoke(_ context.Context, jti string, exp time.Time) (bool, error) {
	if jti == "" {
		return false, errors.New("jwt: cannot revoke a token without jti")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.entries[jti]; ok {
		return true, nil
	}
	now := m.clock()
	if len(m.entries) >= m.max || !now.Before(m.nextSweep) {
		m.sweepLocked(now)
	}
	if len(m.entries) >= m.max {
		return false, unavailable("revocation store", errors.New("jwt: revocation store full"))
	}
	m.entries[jti] = exp
	return false, nil
}

// Revoked implements [RevocationStore].
func (m *MemoryRevocations) Revoked(_ context.Context, jti string) (bool, error) {
	m.mu.RLock()
	_, ok := m.entries[jti]
	m.mu.RUnlock()
	return ok, nil
}

// Len returns the number of entries held.
func (m *MemoryRevocations) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.entries)
}

// sweepLocked drops entries whose tokens are expired beyond any leeway.
func (m *MemoryRevocations) sweepLocked(now time.Time) {
	for jti, exp := range m.entries {
		if now.After(exp.Add(MaxLeeway)) {
			delete(m.entries, jti)
		}
	}
	m.nextSweep = now.Add(sweepEvery)
}
