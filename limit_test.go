package customs

import (
	"net/netip"
	"strconv"
	"testing"
	"time"
)

func TestLimiterWindow(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	l := newLimiter(&limitConfig{failures: 2, window: time.Minute})
	l.now = func() time.Time { return now }

	a, b := addrKey("10.0.0.1:1000"), addrKey("10.0.0.2:1000")
	l.fail(a)
	if l.blocked(a) {
		t.Fatal("blocked after one failure of two")
	}
	l.fail(addrKey("10.0.0.1:2000")) // the same host from another port
	if !l.blocked(a) {
		t.Fatal("not blocked after two failures")
	}
	if l.blocked(b) {
		t.Fatal("another address is blocked")
	}
	now = now.Add(59 * time.Second)
	if !l.blocked(a) {
		t.Fatal("unblocked before the window ended")
	}
	now = now.Add(time.Second)
	if l.blocked(a) {
		t.Fatal("still blocked after the window")
	}
	l.fail(a) // a new window starts
	if l.blocked(a) {
		t.Fatal("old failures counted in the new window")
	}
}

func TestLimiterIsBounded(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	l := newLimiter(&limitConfig{failures: 1, window: time.Hour})
	l.now = func() time.Time { return now }
	for i := range maxTracked * 2 {
		l.fail(peerKey{name: "addr-" + strconv.Itoa(i)})
	}
	n := 0
	for i := range l.shards {
		n += len(l.shards[i].entries)
	}
	if n > maxTracked {
		t.Fatalf("limiter tracks %d addresses, bound is %d", n, maxTracked)
	}
}

func TestAddrKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]peerKey{
		"127.0.0.1:5000":             {ip: netip.MustParseAddr("127.0.0.1")},
		"[::ffff:127.0.0.1]:80":      {ip: netip.MustParseAddr("127.0.0.1")},
		"[::1]:443":                  {ip: netip.MustParseAddr("::")},
		"[2001:db8:1:2:3:4:5:6]:443": {ip: netip.MustParseAddr("2001:db8:1:2::")},
		"bufconn":                    {name: "bufconn"},
		"":                           {},
	} {
		if got := addrKey(in); got != want {
			t.Errorf("addrKey(%q) = %v, want %v", in, got, want)
		}
	}
}

// A flood of new addresses does not free a blocked one.
func TestLimiterKeepsBlockedPeers(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	l := newLimiter(&limitConfig{failures: 2, window: time.Hour})
	l.now = func() time.Time { return now }
	blocked := addrKey("192.0.2.7:1")
	l.fail(blocked)
	l.fail(blocked)
	for i := range maxTracked * 2 {
		l.fail(peerKey{name: "flood-" + strconv.Itoa(i)})
	}
	if !l.blocked(blocked) {
		t.Fatal("a flood of other addresses unblocked a peer")
	}
}

// Two IPv6 addresses of one /64 share a budget.
func TestLimiterGroupsIPv6By64(t *testing.T) {
	t.Parallel()
	l := newLimiter(&limitConfig{failures: 2, window: time.Hour})
	l.fail(addrKey("[2001:db8::1]:1"))
	l.fail(addrKey("[2001:db8::2]:1"))
	if !l.blocked(addrKey("[2001:db8::3]:1")) {
		t.Fatal("addresses of one /64 have separate budgets")
	}
	if l.blocked(addrKey("[2001:db8:0:1::1]:1")) {
		t.Fatal("another /64 shares the budget")
	}
}
