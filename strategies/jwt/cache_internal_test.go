package jwt

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/customs-go/customs"
)

func TestCacheBounded(t *testing.T) {
	t.Parallel()
	tests := []struct{ size, puts int }{{1, 10}, {4, 100}, {100, 1000}, {1000, 5000}}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.size), func(t *testing.T) {
			t.Parallel()
			c := newCache(tc.size)
			now := time.Unix(1000, 0)
			for i := range tc.puts {
				c.put(fmt.Sprint("token-", i), &entry{expires: now.Add(time.Hour)}, now)
			}
			n := 0
			for i := range c.shards {
				n += len(c.shards[i].entries)
			}
			if limit := len(c.shards) * c.perShard; n > limit || limit > tc.size+maxShards {
				t.Errorf("%d entries, limit %d for size %d", n, limit, tc.size)
			}
		})
	}
}

func TestCacheEntryNeverOutlivesToken(t *testing.T) {
	t.Parallel()
	c := newCache(10)
	now := time.Unix(1000, 0)
	set := &keySet{}
	c.put("a.b.c", &entry{id: customs.Identity{User: 1}, expires: now.Add(time.Minute), set: set}, now)
	if _, ok := c.get("a.b.c", now.Add(59*time.Second), set); !ok {
		t.Error("live entry missed")
	}
	if _, ok := c.get("a.b.c", now.Add(time.Minute), set); ok {
		t.Error("entry outlived the token's exp")
	}
	if _, ok := c.get("a.b.c", now, &keySet{}); ok {
		t.Error("entry made with another key set hit")
	}
	if _, ok := c.get("a.b.d", now, set); ok {
		t.Error("another token hit")
	}
}

func TestCacheEvictsExpiredFirst(t *testing.T) {
	t.Parallel()
	c := newCache(1)
	now := time.Unix(1000, 0)
	c.put("old", &entry{expires: now.Add(time.Second)}, now)
	c.put("new", &entry{expires: now.Add(time.Hour)}, now.Add(2*time.Second))
	if _, ok := c.shards[0].entries["old"]; ok {
		t.Error("expired entry kept")
	}
}

func TestCacheConcurrent(t *testing.T) {
	t.Parallel()
	c := newCache(64)
	now := time.Unix(1000, 0)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				tok := fmt.Sprint("t", (g*7+i)%200)
				if e, ok := c.get(tok, now, nil); ok && e.jti != tok {
					t.Errorf("token %s got the entry of %s", tok, e.jti)
					return
				}
				c.put(tok, &entry{jti: tok, expires: now.Add(time.Hour)}, now)
			}
		})
	}
	wg.Wait()
}
