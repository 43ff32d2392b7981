// Package media is the appliance's media engine: RTP sessions on ports of a
// configured range, SDP offer/answer (RFC 3264) for G.711 and
// telephone-events, and the relay that bridges two call legs with latching,
// PCMU↔PCMA transcoding and continuous RTP streams toward each phone. It
// knows nothing of SIP: the sip package drives it through this API.
package media

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Config configures an Engine. Zero values mean the defaults.
type Config struct {
	// BindIP is the address RTP sockets listen on; "" means all addresses.
	BindIP string
	// PortMin and PortMax bound the RTP port range: RTP on even ports, RTCP
	// on the next odd one. Zero means 10000-20000.
	PortMin, PortMax int
	// InactivityTimeout ends a bridge when an active (not held) leg sends no
	// RTP for this long. Zero means 30s; negative disables the check.
	InactivityTimeout time.Duration
	// Logger receives the engine's logs; nil means slog.Default().
	Logger *slog.Logger
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if c.BindIP != "" {
		if _, err := netip.ParseAddr(c.BindIP); err != nil {
			return fmt.Errorf("media: Config.BindIP: %q is not an IP address", c.BindIP)
		}
	}
	lo, hi := c.ports()
	if lo < 1 || hi > 65535 || hi-lo < 3 {
		return fmt.Errorf("media: Config.PortMin/PortMax: %d-%d must lie within 1-65535 and hold two port pairs", lo, hi)
	}
	return nil
}

func (c Config) ports() (int, int) {
	lo, hi := c.PortMin, c.PortMax
	if lo == 0 && hi == 0 {
		lo, hi = 10000, 20000
	}
	if lo%2 == 1 {
		lo++
	}
	return lo, hi
}

func (c Config) inactivity() time.Duration {
	if c.InactivityTimeout == 0 {
		return 30 * time.Second
	}
	return c.InactivityTimeout
}

// Engine allocates RTP sessions.
type Engine struct {
	cfg    Config
	log    *slog.Logger
	lo, hi int
	bindIP net.IP
	// polls are the epoll readers relays use on Linux; portable makes
	// every relay read its socket in its own goroutine instead, as on
	// other systems (the tests run both ways).
	polls    pollers
	portable bool

	mu    sync.Mutex // guards the following fields
	next  int
	inUse map[int]bool
}

// NewEngine returns an engine for cfg.
func NewEngine(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, log: cfg.Logger, inUse: map[int]bool{}}
	if e.log == nil {
		e.log = slog.Default()
	}
	e.lo, e.hi = cfg.ports()
	e.next = e.lo
	e.polls.init()
	if cfg.BindIP != "" {
		e.bindIP = net.ParseIP(cfg.BindIP)
	}
	return e, nil
}

// NewSession binds an RTP/RTCP socket pair on a free even port of the range.
func (e *Engine) NewSession() (*Session, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	pairs := (e.hi - e.lo + 1) / 2
	for range pairs {
		port := e.next
		e.next += 2
		if e.next+1 > e.hi {
			e.next = e.lo
		}
		if e.inUse[port] {
			continue
		}
		conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: e.bindIP, Port: port})
		if err != nil {
			continue
		}
		rtp, err := newRTPSocket(conn)
		if err != nil {
			e.log.Warn("media: RTP socket", "port", port, "err", err)
			continue
		}
		rtcp, err := net.ListenUDP("udp", &net.UDPAddr{IP: e.bindIP, Port: port + 1})
		if err != nil {
			rtp.close()
			continue
		}
		e.inUse[port] = true
		return newSession(e, port, rtp, rtcp), nil
	}
	return nil, ErrNoPorts
}

func (e *Engine) release(port int) {
	e.mu.Lock()
	delete(e.inUse, port)
	e.mu.Unlock()
}

// InUse returns how many sessions hold ports.
func (e *Engine) InUse() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.inUse)
}
