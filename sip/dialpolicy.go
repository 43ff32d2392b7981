package sip

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Bounds of the dial policy's memory.
const (
	// sourceKeep is how long the source of an accepted TCP connection may
	// be dialled back: longer than a call waiting in a queue for its
	// answer.
	sourceKeep = time.Hour
	// sourceMax bounds the sources remembered; the oldest go first.
	sourceMax = 4096
	// warnKeep and warnMax bound the refused destinations logged at warn:
	// each once per warnKeep, at most warnMax of them (more at debug).
	warnKeep = time.Hour
	warnMax  = 256
	// routeKeep and routeMax bound the addresses trunks name in
	// Record-Route: kept longer than a call lasts.
	routeKeep = 12 * time.Hour
	routeMax  = 1024
	// refreshEvery bounds how often a refused dial resolves the trunks'
	// host names again.
	refreshEvery = 30 * time.Second
	// dialTimeout bounds a TCP connect (sipgo's default).
	dialTimeout = time.Minute
)

// dialPolicy decides where SIP over TCP may connect. When the connection
// a request came on is gone before it is answered, sipgo resolves the top
// Via's host and dials it, where RFC 3261 §18.2.2 wants the request's
// source IP: a request naming any host:port followed by a close would make
// the appliance connect there (port scans and SSRF by proxy). Every TCP
// dial is checked before connect: it may reach a configured trunk's
// address or one a trunk named in Record-Route, a registered phone's
// source, or the source of a TCP connection accepted lately (a peer whose
// request is being answered); nothing else.
type dialPolicy struct {
	log *slog.Logger
	// trunk reports whether an address is a configured trunk's (resolved
	// when the trunks are applied); refresh resolves their names again.
	// Either may be nil.
	trunk   func(netip.Addr) bool
	refresh func()
	// registered reports whether a phone registered from an address; nil
	// means none.
	registered func(netip.Addr) bool
	sources    *recentSet
	routes     *recentSet
	warned     *recentSet

	mu          sync.Mutex // guards the following field
	refreshedAt time.Time
}

// newDialPolicy returns a policy allowing trunk and registered addresses
// (either func may be nil) and the sources passed to seen.
func newDialPolicy(log *slog.Logger, trunk func(netip.Addr) bool, refresh func(), registered func(netip.Addr) bool) *dialPolicy {
	return &dialPolicy{log: log, trunk: trunk, refresh: refresh, registered: registered,
		sources: newRecentSet(sourceKeep, sourceMax, true), routes: newRecentSet(routeKeep, routeMax, true),
		warned: newRecentSet(warnKeep, warnMax, false)}
}

// seen records the source of an accepted TCP connection.
func (p *dialPolicy) seen(src netip.Addr) { p.sources.add(src.Unmap(), time.Now()) }

// noteRoutes is a transport layer message handler: the IP addresses a
// trunk's message over TCP names in Record-Route, where the dialog's next
// requests go (RFC 3261 §12.1), may be dialled. Host names there are not
// resolved. It runs as the message is read, before its handlers could
// answer it (should a first ACK race it, the trunk's retransmission of its
// 2xx is ACKed).
func (p *dialPolicy) noteRoutes(msg sip.Message) {
	if p.trunk == nil || msg.Transport() != "TCP" {
		return
	}
	src, err := netip.ParseAddrPort(msg.Source())
	if err != nil || !p.trunk(src.Addr().Unmap()) {
		return
	}
	now := time.Now()
	for _, h := range msg.GetHeaders("Record-Route") {
		for v := range strings.SplitSeq(h.Value(), ",") {
			var u sip.Uri
			if _, err := sip.ParseAddressValue(strings.TrimSpace(v), &u, nil); err != nil {
				continue
			}
			if a, err := netip.ParseAddr(strings.Trim(u.Host, "[]")); err == nil {
				p.routes.add(a.Unmap(), now)
			}
		}
	}
}

// dialer is the TCP transport's DialerCreate: sipgo's default dialer with
// the policy checked before connect.
func (p *dialPolicy) dialer(laddr net.Addr) net.Dialer {
	return net.Dialer{Timeout: dialTimeout, LocalAddr: laddr, ControlContext: p.control}
}

// control refuses a connect to an address the policy does not allow.
func (p *dialPolicy) control(_ context.Context, _, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %q is not an IP address and port", ErrDialRefused, address)
	}
	if p.allowed(ap.Addr().Unmap()) {
		return nil
	}
	if p.warned.add(ap.Addr().Unmap(), time.Now()) {
		p.log.Warn("sip: refused to connect over TCP to an address no trunk, registered phone or recent TCP peer has"+
			" (such as the host a request's Via names once its connection closed); further refusals to it are not logged for an hour",
			"destination", ap)
	} else {
		p.log.Debug("sip: refused to connect over TCP", "destination", ap)
	}
	return fmt.Errorf("%w: %s", ErrDialRefused, ap)
}

// allowed reports whether a may be dialled.
func (p *dialPolicy) allowed(a netip.Addr) bool {
	now := time.Now()
	if p.sources.has(a, now) || p.routes.has(a, now) || p.registered != nil && p.registered(a) || p.trunk != nil && p.trunk(a) {
		return true
	}
	// A trunk's name may resolve to another address since it was applied.
	return p.trunk != nil && p.refreshTrunks(now) && p.trunk(a)
}

// refreshTrunks resolves the trunks' names again unless it was done less
// than refreshEvery ago, and reports whether it did.
func (p *dialPolicy) refreshTrunks(now time.Time) bool {
	if p.refresh == nil {
		return false
	}
	p.mu.Lock()
	if now.Sub(p.refreshedAt) < refreshEvery {
		p.mu.Unlock()
		return false
	}
	p.refreshedAt = now
	p.mu.Unlock()
	p.refresh()
	return true
}

// recentSet remembers addresses for at least keep while it has room: two
// generations of at most max/2 each, the older dropped when the newer is
// keep old or full. When full, a set that does not evict refuses new
// addresses until its newer generation is keep old.
type recentSet struct {
	keep  time.Duration
	max   int
	evict bool

	mu        sync.Mutex // guards the following fields
	cur, prev map[netip.Addr]struct{}
	since     time.Time // when cur started
}

func newRecentSet(keep time.Duration, max int, evict bool) *recentSet {
	return &recentSet{keep: keep, max: max, evict: evict, cur: map[netip.Addr]struct{}{}}
}

// rotate starts a new generation when the current one is keep old; r.mu
// is held.
func (r *recentSet) rotate(now time.Time) {
	d := now.Sub(r.since)
	if d < r.keep {
		return
	}
	r.prev = r.cur
	if d >= 2*r.keep {
		r.prev = nil
	}
	r.cur, r.since = map[netip.Addr]struct{}{}, now
}

// has reports whether a is remembered.
func (r *recentSet) has(a netip.Addr, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rotate(now)
	_, inCur := r.cur[a]
	_, inPrev := r.prev[a]
	return inCur || inPrev
}

// add remembers a and reports whether it was new and is now kept.
func (r *recentSet) add(a netip.Addr, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rotate(now)
	if _, ok := r.cur[a]; ok {
		return false
	}
	_, inPrev := r.prev[a]
	if len(r.cur) >= r.max/2 {
		if !r.evict {
			return false
		}
		r.prev, r.cur, r.since = r.cur, map[netip.Addr]struct{}{}, now
	}
	r.cur[a] = struct{}{}
	return !inPrev
}
