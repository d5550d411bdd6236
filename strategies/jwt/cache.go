package jwt

import (
	"hash/maphash"
	"strings"
	"sync"
	"time"

	"github.com/customs-go/customs"
)

// maxShards is the most shards a cache is split into.
const maxShards = 32

// cache keeps verified tokens so that a token used again is not verified
// again. It is keyed by the full token: a hit compares every byte, so no
// hash collision can let one token pass for another. It is split into
// shards, each under its own lock, and bounded: a full shard drops expired
// entries and then an arbitrary one.
type cache struct {
	seed     maphash.Seed
	shards   []shard
	perShard int
}

type shard struct {
	mu      sync.RWMutex
	entries map[string]*entry
	_       [40]byte // keeps hot locks on separate cache lines
}

// entry is a verified token's outcome.
type entry struct {
	id      customs.Identity
	expires time.Time // the token's exp: the entry never outlives the token
	jti     string
	set     *keySet // the key set that verified it
}

func newCache(size int) *cache {
	if size <= 0 {
		return nil
	}
	n := min(size, maxShards)
	c := &cache{seed: maphash.MakeSeed(), shards: make([]shard, n), perShard: (size + n - 1) / n}
	for i := range c.shards {
		c.shards[i].entries = make(map[string]*entry)
	}
	return c
}

func (c *cache) shard(token string) *shard {
	return &c.shards[maphash.String(c.seed, token)%uint64(len(c.shards))]
}

// get returns the live entry for token at now, verified with set.
func (c *cache) get(token string, now time.Time, set *keySet) (*entry, bool) {
	s := c.shard(token)
	s.mu.RLock()
	e, ok := s.entries[token]
	s.mu.RUnlock()
	if !ok || !now.Before(e.expires) || e.set != set {
		return nil, false
	}
	return e, true
}

// put stores an entry for token. The token is copied, so that the cache
// does not keep a larger buffer alive.
func (c *cache) put(token string, e *entry, now time.Time) {
	s := c.shard(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.entries) >= c.perShard {
		s.evictLocked(now)
	}
	s.entries[strings.Clone(token)] = e
}

// evictLocked drops expired entries, or one arbitrary entry when none is.
func (s *shard) evictLocked(now time.Time) {
	n := len(s.entries)
	for k, e := range s.entries {
		if !now.Before(e.expires) {
			delete(s.entries, k)
		}
	}
	if len(s.entries) < n {
		return
	}
	for k := range s.entries {
		delete(s.entries, k)
		return
	}
}
