package customs

import (
	"hash/maphash"
	"net"
	"net/netip"
	"sync"
	"time"

	"google.golang.org/grpc/peer"
)

// WithAttemptLimit throttles guessing: once the calls from one peer address
// (its IP, without the port; an IPv6 peer by its /64) have been refused for bad credentials
// failures times within window, its calls to protected methods are refused
// with ResourceExhausted until the window ends, without running any
// strategy. Calls without credentials do not count, nor do open methods.
//
// Peers behind one proxy or NAT share an address and so a budget; put the
// limit where addresses mean clients. Memory is bounded: the limiter
// tracks at most 65536 addresses, and when full forgets unblocked ones
// first.
func WithAttemptLimit(failures int, window time.Duration) Option {
	return func(c *config) {
		c.limit = &limitConfig{failures: failures, window: window}
	}
}

type limitConfig struct {
	failures int
	window   time.Duration
}

// maxTracked bounds the addresses a limiter tracks.
const maxTracked = 1 << 16

// limitShards spreads the addresses over locks.
const limitShards = 16

// limiter counts failures per address in fixed windows.
type limiter struct {
	failures int
	window   time.Duration
	now      func() time.Time
	seed     maphash.Seed
	shards   [limitShards]limitShard
}

type limitShard struct {
	mu      sync.Mutex
	entries map[peerKey]*attempts
}

// peerKey identifies a peer: its IP address when it has one, otherwise the
// name of its address (a Unix socket, an in-memory pipe).
type peerKey struct {
	ip   netip.Addr
	name string
}

// attempts are the failures of one address in its current window.
type attempts struct {
	count int
	start time.Time
}

func newLimiter(cfg *limitConfig) *limiter {
	l := &limiter{failures: cfg.failures, window: cfg.window, now: time.Now, seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].entries = make(map[peerKey]*attempts)
	}
	return l
}

func (l *limiter) shard(k peerKey) *limitShard {
	var h uint64
	if k.ip.IsValid() {
		b := k.ip.As16()
		h = maphash.Bytes(l.seed, b[:])
	} else {
		h = maphash.String(l.seed, k.name)
	}
	return &l.shards[h%limitShards]
}

// blocked reports whether addr has used up its failures in this window.
func (l *limiter) blocked(addr peerKey) bool {
	s := l.shard(addr)
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.entries[addr]
	if !ok {
		return false
	}
	if l.now().Sub(a.start) >= l.window {
		delete(s.entries, addr)
		return false
	}
	return a.count >= l.failures
}

// fail counts one failure of addr.
func (l *limiter) fail(addr peerKey) {
	now := l.now()
	s := l.shard(addr)
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.entries[addr]
	switch {
	case ok && now.Sub(a.start) < l.window:
		a.count++
		return
	case ok:
		a.count, a.start = 1, now
		return
	}
	if len(s.entries) >= maxTracked/limitShards {
		s.sweep(now, l.window, l.failures)
	}
	s.entries[addr] = &attempts{count: 1, start: now}
}

// sweep makes room in a full shard. It forgets the addresses whose window
// has ended, then those not blocked, then arbitrary ones, down to seven
// eighths of the shard, so that a full shard costs one pass per many
// failures, and a flood of new addresses cannot easily free a blocked one.
func (s *limitShard) sweep(now time.Time, window time.Duration, failures int) {
	target := maxTracked / limitShards * 7 / 8
	drop := []func(*attempts) bool{
		func(a *attempts) bool { return now.Sub(a.start) >= window },
		func(a *attempts) bool { return a.count < failures },
		func(*attempts) bool { return true },
	}
	for _, should := range drop {
		for k, a := range s.entries {
			if len(s.entries) <= target {
				return
			}
			if should(a) {
				delete(s.entries, k)
			}
		}
	}
}

// peerKeyOf returns the key of a call's peer, without allocating for TCP
// peers.
func peerKeyOf(call *Call) peerKey {
	if call.header.ctx == nil {
		return addrKey(call.peerAddr)
	}
	p, ok := peer.FromContext(call.header.ctx)
	switch {
	case !ok || p.Addr == nil:
		return peerKey{}
	case p.Addr.Network() == "tcp":
		if a, ok := p.Addr.(*net.TCPAddr); ok {
			ip, _ := netip.AddrFromSlice(a.IP)
			return ipKey(ip)
		}
	}
	return addrKey(p.Addr.String())
}

// addrKey returns the key of a "host:port" address.
func addrKey(addr string) peerKey {
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		return ipKey(ap.Addr())
	}
	return peerKey{name: addr}
}

// ipKey keys an IPv4 address by itself and an IPv6 address by its /64: a
// single host is commonly given a whole /64, and must not get a budget per
// address in it.
func ipKey(ip netip.Addr) peerKey {
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		ip = p.Addr()
	}
	return peerKey{ip: ip}
}
