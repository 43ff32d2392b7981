package peertest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
)

// The ports FreePorts picks from, below Linux's ephemeral range (32768 and
// up, where ports bound to :0 by anything else on the machine land) and
// above the appliance's default RTP range (10000-20000): wide spans (an
// appliance's RTP range) from the block pool, taken in turn and wrapping
// around, so they never run out; small ones (a peer's SIP and media ports)
// from the peer pool, at random, never twice.
const (
	blockLow, blockHigh = 20100, 26000
	peerLow, peerHigh   = 26000, 32700
	// wide is the smallest span taken from the block pool.
	wide = 50
)

var (
	portsMu sync.Mutex
	given   = map[int]bool{}
	next    = blockLow + 2*rand.IntN((blockHigh-blockLow)/4)
)

// FreePorts returns a port p such that UDP and TCP on 127.0.0.1 were free
// a moment ago for p to p+n-1 (sipp binds its media port and the one two
// above for video; baresip its SIP port and the next for TLS; the
// appliance a range of RTP ports). Two calls in one test binary do not
// return overlapping spans unless a wide span wrapped around its pool.
func FreePorts(t testing.TB, n int) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	if n >= wide {
		for range (blockHigh - blockLow) / 2 {
			if next+n > blockHigh {
				next = blockLow
			}
			p := next
			next += 2
			if span(p, n, false) {
				next = p + n + n%2
				return p
			}
		}
		t.Fatalf("no %d free ports in a row between %d and %d", n, blockLow, blockHigh)
	}
	for range 500 {
		p := peerLow + rand.IntN(peerHigh-peerLow-n)
		if span(p, n, true) {
			for i := range n {
				given[p+i] = true
			}
			return p
		}
	}
	t.Fatalf("no %d free ports in a row between %d and %d", n, peerLow, peerHigh)
	return 0
}

// span reports whether p..p+n-1 are bindable (and, with once, not given
// out before).
func span(p, n int, once bool) bool {
	for i := range n {
		if (once && given[p+i]) || !bindable(p+i) {
			return false
		}
	}
	return true
}

func bindable(port int) bool {
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	u, err := net.ListenPacket("udp4", addr)
	if err != nil {
		return false
	}
	defer u.Close()
	l, err := net.Listen("tcp4", addr)
	if err != nil {
		return false
	}
	l.Close()
	return true
}
