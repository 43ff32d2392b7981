// Package guard protects the SIP service from abuse: a source address that
// fails authentication too often in a window is ignored for a while (other
// addresses are unaffected), and requests from known SIP scanners are
// recognised so they can be dropped without an answer.
package guard

import (
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Config sets the thresholds. Zero values mean the defaults.
type Config struct {
	// MaxFailures failed authentications within Window ban the source.
	// Zero means 10.
	MaxFailures int
	// Window is the period failures are counted over. Zero means 1 minute.
	Window time.Duration
	// BanFor is how long a banned source is ignored. Zero means 15 minutes.
	BanFor time.Duration
	// ScannerAgents are User-Agent substrings (case-insensitive) of SIP
	// scanners; nil means DefaultScannerAgents.
	ScannerAgents []string
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// DefaultScannerAgents are the User-Agents of common SIP scanning tools.
var DefaultScannerAgents = []string{"friendly-scanner", "sipvicious", "sipcli", "vaxsipuseragent", "sip-scan", "sipsak", "iWar", "sundayddr", "pplsip", "smap"}

// Guard tracks authentication failures per source address.
type Guard struct {
	max    int
	window time.Duration
	banFor time.Duration
	agents []string
	now    func() time.Time

	mu       sync.Mutex // guards the following fields
	failures map[netip.Addr][]time.Time
	banned   map[netip.Addr]time.Time
	gc       time.Time
}

// New returns a Guard for cfg.
func New(cfg Config) *Guard {
	g := &Guard{max: cfg.MaxFailures, window: cfg.Window, banFor: cfg.BanFor, now: cfg.Now,
		failures: map[netip.Addr][]time.Time{}, banned: map[netip.Addr]time.Time{}}
	if g.max <= 0 {
		g.max = 10
	}
	if g.window <= 0 {
		g.window = time.Minute
	}
	if g.banFor <= 0 {
		g.banFor = 15 * time.Minute
	}
	if g.now == nil {
		g.now = time.Now
	}
	agents := cfg.ScannerAgents
	if agents == nil {
		agents = DefaultScannerAgents
	}
	for _, a := range agents {
		g.agents = append(g.agents, strings.ToLower(a))
	}
	return g
}

// Banned reports whether requests from addr are to be ignored now.
func (g *Guard) Banned(addr netip.Addr) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	until, ok := g.banned[addr.Unmap()]
	if !ok {
		return false
	}
	if g.now().After(until) {
		delete(g.banned, addr.Unmap())
		return false
	}
	return true
}

// Failure records a failed authentication from addr and reports whether
// the address is now banned.
func (g *Guard) Failure(addr netip.Addr) bool {
	addr = addr.Unmap()
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	g.collect(now)
	recent := g.failures[addr][:0]
	for _, t := range g.failures[addr] {
		if now.Sub(t) < g.window {
			recent = append(recent, t)
		}
	}
	recent = append(recent, now)
	if len(recent) >= g.max {
		delete(g.failures, addr)
		g.banned[addr] = now.Add(g.banFor)
		return true
	}
	g.failures[addr] = recent
	return false
}

// Success forgets the failures of addr after a good authentication.
func (g *Guard) Success(addr netip.Addr) {
	g.mu.Lock()
	delete(g.failures, addr.Unmap())
	g.mu.Unlock()
}

// collect drops stale entries once per window so memory stays bounded
// under a flood of sources.
func (g *Guard) collect(now time.Time) {
	if now.Sub(g.gc) < g.window {
		return
	}
	g.gc = now
	for a, ts := range g.failures {
		if len(ts) == 0 || now.Sub(ts[len(ts)-1]) >= g.window {
			delete(g.failures, a)
		}
	}
	for a, until := range g.banned {
		if now.After(until) {
			delete(g.banned, a)
		}
	}
}

// Scanner reports whether userAgent belongs to a known SIP scanner.
func (g *Guard) Scanner(userAgent string) bool {
	ua := strings.ToLower(userAgent)
	for _, a := range g.agents {
		if strings.Contains(ua, a) {
			return true
		}
	}
	return false
}
