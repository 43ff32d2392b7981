package digest

import (
	"encoding/binary"
	"hash/maphash"
	"sync"
	"time"
)

// maxCounts bounds the nonce uses remembered per generation (two are
// kept, about 1.5 MB each when full); see counts. A site's phones
// re-registering hourly use a few a second; a generation fills early only
// under a flood, and nonces then stay reusable for a few seconds.
const maxCounts = 1 << 14

// countKey names one user's use of one nonce: the nonce's decoded bytes
// and a keyed hash of the username. It holds no pointer, so the maps of
// counts cost the garbage collector nothing to scan.
type countKey struct {
	nonce [nonceLen]byte
	user  uint64
}

// counts enforces strictly increasing nonce counts per nonce and user
// (RFC 7616 §3.4). Uses go in the current generation; once a nonce
// lifetime has passed the previous generation is dropped whole (its
// nonces have all expired) and the current one takes its place, so
// nothing is ever scanned. A generation that fills up (maxCounts uses, a
// flood of authentications) is retired early: the nonces it may hold were
// all issued before the one after it began, and from then on such a
// nonce is accepted only if its use is still remembered. A phone reusing
// an older nonce then gets a stale challenge and takes a fresh one;
// memory stays bounded whatever the rate, and no count is accepted twice.
type counts struct {
	ttl  time.Duration
	max  int
	seed maphash.Seed

	mu      sync.Mutex // guards the following fields
	cur     map[countKey]uint32
	prev    map[countKey]uint32
	rotated time.Time
	floor   int64 // nonces issued at or before (Unix ns) and not remembered are refused
}

func newCounts(ttl time.Duration, max int, now time.Time) *counts {
	return &counts{ttl: ttl, max: max, seed: maphash.MakeSeed(), cur: map[countKey]uint32{}, prev: map[countKey]uint32{},
		rotated: now, floor: now.UnixNano()}
}

// fresh records nc for the nonce and user and reports whether it is
// higher than every count seen before for them.
func (c *counts) fresh(nonce [nonceLen]byte, user string, nc uint32, now time.Time) bool {
	k := countKey{nonce: nonce, user: maphash.String(c.seed, user)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if since := now.Sub(c.rotated); since >= c.ttl {
		c.prev, c.cur = c.cur, make(map[countKey]uint32, len(c.cur))
		if since >= 2*c.ttl {
			c.prev = map[countKey]uint32{}
		}
		c.rotated = now
	}
	last, ok := c.cur[k]
	if !ok {
		last, ok = c.prev[k]
	}
	switch {
	case ok && nc <= last:
		return false
	case !ok && int64(binary.BigEndian.Uint64(nonce[:8])) <= c.floor:
		return false
	case !ok && len(c.cur) >= c.max:
		c.floor = c.rotated.UnixNano()
		c.prev, c.cur = c.cur, make(map[countKey]uint32, c.max)
		c.rotated = now
	}
	c.cur[k] = nc
	return true
}

// len is the number of nonce uses remembered.
func (c *counts) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.prev)
}
