package sip

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// countingHandler counts the records at each level.
type countingHandler struct {
	mu     sync.Mutex
	levels map[slog.Level]int
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.levels[r.Level]++
	return nil
}

func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

func (h *countingHandler) count(l slog.Level) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.levels[l]
}

func TestDialPolicy(t *testing.T) {
	trunkIP := netip.MustParseAddr("192.0.2.10")
	movedIP := netip.MustParseAddr("192.0.2.11") // the trunk's name after a DNS change
	phoneIP := netip.MustParseAddr("198.51.100.7")
	var mu sync.Mutex
	trunks, refreshes := map[netip.Addr]bool{trunkIP: true}, 0
	logs := &countingHandler{levels: map[slog.Level]int{}}
	p := newDialPolicy(slog.New(logs),
		func(a netip.Addr) bool { mu.Lock(); defer mu.Unlock(); return trunks[a] },
		func() { mu.Lock(); defer mu.Unlock(); refreshes++; trunks[movedIP] = true },
		func(a netip.Addr) bool { return a == phoneIP })
	p.seen(netip.MustParseAddr("::ffff:203.0.113.5")) // an IPv4-mapped source
	tests := []struct {
		name  string
		addr  string
		allow bool
	}{
		{"trunk address", "192.0.2.10:5060", true},
		{"registered phone", "198.51.100.7:5080", true},
		{"recent TCP source, any port", "203.0.113.5:40000", true},
		{"recent source as IPv4-mapped", "[::ffff:203.0.113.5]:5060", true},
		{"another address of a recent source's network", "203.0.113.6:5060", false},
		{"a host a Via named", "127.0.0.9:5060", false},
		{"IPv6 host", "[2001:db8::1]:5060", false},
		{"a trunk name resolved anew", "192.0.2.11:5060", true},
		{"not an IP address", "example.com:5060", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := p.control(context.Background(), "tcp4", tc.addr, nil)
			if tc.allow && err != nil {
				t.Fatalf("dial %s refused: %v", tc.addr, err)
			}
			if !tc.allow && !errors.Is(err, ErrDialRefused) {
				t.Fatalf("dial %s: err %v, want ErrDialRefused", tc.addr, err)
			}
		})
	}
	// The first miss resolved the trunk names again; the next ones, within
	// refreshEvery, did not.
	if refreshes != 1 {
		t.Errorf("trunk names resolved %d times, want 1", refreshes)
	}
	// A refused destination is logged at warn once.
	warns := logs.count(slog.LevelWarn)
	for range 10 {
		p.control(context.Background(), "tcp4", "127.0.0.9:5061", nil)
	}
	if got := logs.count(slog.LevelWarn); got != warns {
		t.Errorf("repeated refusals of 127.0.0.9 logged %d more warnings, want none", got-warns)
	}
	if warns != 3 { // 203.0.113.6, 127.0.0.9, 2001:db8::1 ("example.com" is no address)
		t.Errorf("%d warnings for 3 refused addresses", warns)
	}
}

func TestDialPolicyRefusesConnect(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p := newDialPolicy(slog.New(slog.DiscardHandler), nil, nil, nil)
	d := p.dialer(nil)
	if c, err := d.Dial("tcp4", ln.Addr().String()); !errors.Is(err, ErrDialRefused) {
		if c != nil {
			c.Close()
		}
		t.Fatalf("dial an unknown address: err %v, want ErrDialRefused", err)
	}
	p.seen(netip.MustParseAddr("127.0.0.1"))
	c, err := d.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatalf("dial a recent source: %v", err)
	}
	c.Close()
}

func TestDialPolicyTrunkRoutes(t *testing.T) {
	trunkIP := netip.MustParseAddr("192.0.2.10")
	p := newDialPolicy(slog.New(slog.DiscardHandler), func(a netip.Addr) bool { return a == trunkIP }, nil, nil)
	msg := func(source, transport string) *sip.Request {
		req := sip.NewRequest(sip.BYE, sip.Uri{Host: "127.0.0.1"})
		req.AppendHeader(sip.NewHeader("Record-Route", "<sip:192.0.2.50;lr>, <sip:[2001:db8::5]:5070;transport=tcp;lr>"))
		req.AppendHeader(sip.NewHeader("Record-Route", "<sip:sbc.example.com;lr>"))
		req.SetTransport(transport)
		req.SetSource(source)
		return req
	}
	refused := func(addr string) bool {
		return errors.Is(p.control(context.Background(), "tcp", addr, nil), ErrDialRefused)
	}
	p.noteRoutes(msg("203.0.113.9:5060", "TCP")) // not a trunk
	p.noteRoutes(msg("192.0.2.10:5060", "UDP"))  // not over TCP
	if !refused("192.0.2.50:5060") {
		t.Fatal("a Record-Route address allowed from a message that is no trunk's over TCP")
	}
	p.noteRoutes(msg("192.0.2.10:40000", "TCP"))
	for _, addr := range []string{"192.0.2.50:5060", "[2001:db8::5]:5070"} {
		if refused(addr) {
			t.Errorf("%s, in a trunk's Record-Route, refused", addr)
		}
	}
}

func TestRecentSet(t *testing.T) {
	a, b, c := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("192.0.2.3")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	t.Run("kept at least keep, gone after two", func(t *testing.T) {
		r := newRecentSet(time.Hour, 100, true)
		r.add(a, t0)
		if !r.has(a, t0.Add(59*time.Minute)) || !r.has(a, t0.Add(61*time.Minute)) {
			t.Fatal("forgotten before an hour")
		}
		if r.has(a, t0.Add(3*time.Hour)) {
			t.Fatal("kept after three hours unseen")
		}
	})
	t.Run("evicting set drops the oldest when full", func(t *testing.T) {
		r := newRecentSet(time.Hour, 2, true)
		r.add(a, t0)
		r.add(b, t0) // a is now in the older generation
		r.add(c, t0) // the older generation (a) goes
		if r.has(a, t0) || !r.has(b, t0) || !r.has(c, t0) {
			t.Fatalf("after adding a, b, c to a set of 2: a %v b %v c %v", r.has(a, t0), r.has(b, t0), r.has(c, t0))
		}
	})
	t.Run("non-evicting set refuses when full", func(t *testing.T) {
		r := newRecentSet(time.Hour, 2, false)
		if !r.add(a, t0) || r.add(a, t0) || r.add(b, t0) {
			t.Fatal("add: want a new, a known, b refused")
		}
		if !r.add(b, t0.Add(time.Hour)) {
			t.Fatal("b refused once the generation is an hour old")
		}
		if r.add(a, t0.Add(time.Hour)) {
			t.Fatal("a reported new while still remembered")
		}
	})
}
