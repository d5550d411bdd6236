package jwt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/customs-go/customs"
)

// maxBackoff bounds the wait between fetches after failures.
const maxBackoff = time.Minute

// remoteKeys is a JWKS fetched over HTTP and refreshed: on a schedule that
// follows Cache-Control max-age within bounds, and when a token names an
// unknown kid, at most once per interval. One fetch runs at a time; callers
// wait for it no longer than their context allows. When a fetch fails, the
// last good set stays in force.
type remoteKeys struct {
	url   string
	o     jwksOptions
	clock func() time.Time
	set   atomic.Pointer[keySet]

	mu          sync.Mutex
	fetching    chan struct{} // closed when the fetch in flight ends
	body        []byte        // of the set in force
	nextRefresh time.Time     // no fetch before, except for an unknown kid
	lastFetch   time.Time     // last fetch that succeeded, or for an unknown kid
	failures    int
	lastErr     error
}

// newRemoteKeys checks the configuration and starts the first fetch in the
// background: a key set that is down does not stop a server from starting.
func newRemoteKeys(rawURL string, o jwksOptions, clock func() time.Time) (*remoteKeys, error) {
	if err := checkJWKSURL(rawURL); err != nil {
		return nil, err
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	r := &remoteKeys{url: rawURL, o: o, clock: clock}
	r.mu.Lock()
	r.startLocked()
	r.mu.Unlock()
	return r, nil
}

func (o *jwksOptions) check() error {
	switch {
	case o.client == nil:
		return fmt.Errorf("jwt: nil HTTP client: %w", customs.ErrConfig)
	case o.minRefresh < 10*time.Second || o.maxRefresh < o.minRefresh:
		return fmt.Errorf("jwt: JWKS refresh bounds must satisfy 10s <= min <= max: %w", customs.ErrConfig)
	case o.defaultRefresh < o.minRefresh || o.defaultRefresh > o.maxRefresh:
		return fmt.Errorf("jwt: default JWKS refresh outside its bounds: %w", customs.ErrConfig)
	case o.unknownKid < 10*time.Second:
		return fmt.Errorf("jwt: unknown-kid refresh interval under 10s: %w", customs.ErrConfig)
	case o.fetchTimeout <= 0:
		return fmt.Errorf("jwt: JWKS timeout must be positive: %w", customs.ErrConfig)
	case o.maxBytes <= 0 || o.maxKeys <= 0:
		return fmt.Errorf("jwt: JWKS limits must be positive: %w", customs.ErrConfig)
	}
	return nil
}

// checkJWKSURL accepts https URLs, and http ones on loopback addresses.
func checkJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("jwt: bad JWKS URL: %w", customs.ErrConfig)
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("jwt: JWKS URL must be https: %w", customs.ErrConfig)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (r *remoteKeys) current() *keySet { return r.set.Load() }

func (r *remoteKeys) find(ctx context.Context, kid, alg string) (*Key, *keySet, error) {
	set := r.set.Load()
	if set == nil {
		var err error
		if set, err = r.first(ctx); err != nil {
			return nil, nil, err
		}
	}
	r.refreshIfDue()
	k, unknown, err := set.lookup(kid, alg)
	if !unknown || !r.allowUnknown() {
		return k, set, err
	}
	if fresh := r.wait(ctx, r.start()); fresh != nil && fresh != set {
		k, _, err = fresh.lookup(kid, alg)
		return k, fresh, err
	}
	return k, set, err
}

// first waits for the first good set, starting a fetch unless failures
// make it too early for another.
func (r *remoteKeys) first(ctx context.Context) (*keySet, error) {
	r.mu.Lock()
	var done chan struct{}
	if r.fetching != nil || !r.clock().Before(r.nextRefresh) {
		done = r.startLocked()
	}
	r.mu.Unlock()
	if set := r.wait(ctx, done); set != nil {
		return set, nil
	}
	r.mu.Lock()
	cause := r.lastErr
	r.mu.Unlock()
	if cause == nil {
		cause = ctx.Err()
	}
	if cause == nil {
		cause = errors.New("jwt: no key set yet")
	}
	return nil, unavailable("key set", cause)
}

// wait waits for done, if not nil, or for ctx, and returns the set in
// force.
func (r *remoteKeys) wait(ctx context.Context, done chan struct{}) *keySet {
	if done != nil {
		select {
		case <-done:
		case <-ctx.Done():
		}
	}
	return r.set.Load()
}

// refreshIfDue starts a background fetch when the schedule says so.
func (r *remoteKeys) refreshIfDue() {
	r.mu.Lock()
	if r.fetching == nil && !r.clock().Before(r.nextRefresh) {
		r.startLocked()
	}
	r.mu.Unlock()
}

// allowUnknown reports whether an unknown kid may cause a fetch now: not
// within the interval after the last one. It records the fetch if so.
func (r *remoteKeys) allowUnknown() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.clock()
	if !r.lastFetch.IsZero() && now.Sub(r.lastFetch) < r.o.unknownKid {
		return false
	}
	r.lastFetch = now
	return true
}

func (r *remoteKeys) start() chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.startLocked()
}

// startLocked starts a fetch unless one is in flight, and returns the
// channel closed when it ends. r.mu must be held.
func (r *remoteKeys) startLocked() chan struct{} {
	if r.fetching == nil {
		r.fetching = make(chan struct{})
		go r.fetch(r.fetching)
	}
	return r.fetching
}

// fetch downloads the set and puts it in force, or records the failure.
func (r *remoteKeys) fetch(done chan struct{}) {
	defer close(done)
	body, set, ttl, err := r.download()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fetching = nil
	now := r.clock()
	if err != nil {
		r.failures++
		r.lastErr = err
		r.nextRefresh = now.Add(backoff(r.failures))
		return
	}
	if r.set.Load() == nil || !bytes.Equal(body, r.body) {
		r.body = body
		r.set.Store(set) // a new set: verifications cached under the old one are redone
	}
	r.failures, r.lastErr = 0, nil
	r.nextRefresh = now.Add(ttl)
	r.lastFetch = now
}

func backoff(failures int) time.Duration {
	if failures > 6 {
		return maxBackoff
	}
	return min(time.Second<<(failures-1), maxBackoff)
}

// download fetches and parses the set, within the fetch timeout and the
// size limits.
func (r *remoteKeys) download() ([]byte, *keySet, time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), r.o.fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("jwt: JWKS request: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := r.o.client.Do(req)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("jwt: fetching JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, 0, fmt.Errorf("jwt: fetching JWKS: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, r.o.maxBytes+1))
	switch {
	case err != nil:
		return nil, nil, 0, fmt.Errorf("jwt: reading JWKS: %w", err)
	case int64(len(body)) > r.o.maxBytes:
		return nil, nil, 0, fmt.Errorf("jwt: JWKS larger than %d bytes", r.o.maxBytes)
	}
	keys, err := ParseJWKS(body, r.o.maxKeys)
	if err != nil {
		return nil, nil, 0, err
	}
	set, _ := newKeySet(keys) // a duplicate in a published set is left out
	return body, set, r.o.ttl(resp.Header.Get("Cache-Control")), nil
}

// ttl returns how long a response may be used: its Cache-Control max-age
// within the refresh bounds, or the default.
func (o *jwksOptions) ttl(cacheControl string) time.Duration {
	d := o.defaultRefresh
	for dir := range strings.SplitSeq(cacheControl, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(dir), "=")
		switch strings.ToLower(name) {
		case "no-cache", "no-store":
			return o.minRefresh
		case "max-age":
			if secs, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64); err == nil && secs >= 0 {
				d = time.Duration(min(secs, int64(o.maxRefresh/time.Second))) * time.Second
			}
		}
	}
	return min(max(d, o.minRefresh), o.maxRefresh)
}
