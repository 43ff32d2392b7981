package media

import (
	"context"
	"encoding/binary"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"
)

func TestSockaddrPort(t *testing.T) {
	v4 := make([]byte, unix.SizeofSockaddrInet4)
	binary.NativeEndian.PutUint16(v4, unix.AF_INET)
	binary.BigEndian.PutUint16(v4[2:], 5004)
	copy(v4[4:], []byte{192, 0, 2, 7})
	v6 := make([]byte, unix.SizeofSockaddrInet6)
	binary.NativeEndian.PutUint16(v6, unix.AF_INET6)
	binary.BigEndian.PutUint16(v6[2:], 40000)
	mapped := netip.MustParseAddr("::ffff:198.51.100.9").As16()
	copy(v6[8:], mapped[:])
	unknown := make([]byte, 16)
	binary.NativeEndian.PutUint16(unknown, unix.AF_UNIX)
	for _, tc := range []struct {
		name string
		raw  []byte
		want netip.AddrPort
	}{
		{"IPv4", v4, netip.MustParseAddrPort("192.0.2.7:5004")},
		{"IPv4-mapped IPv6", v6, netip.MustParseAddrPort("[::ffff:198.51.100.9]:40000")},
		{"IPv6 cut short", v6[:20], netip.AddrPort{}},
		{"IPv4 cut short", v4[:6], netip.AddrPort{}},
		{"another family", unknown, netip.AddrPort{}},
		{"nothing", nil, netip.AddrPort{}},
	} {
		if got := sockaddrPort(tc.raw); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestManyBridgesShareTheReaders bridges calls on sessions spread over
// every reader at once, sends a packet each way through each, and ends
// them: every packet arrives once, at the right phone, and nothing
// registered is left behind (TestMain sees the readers end).
func TestManyBridgesShareTheReaders(t *testing.T) {
	e := newTestEngine(t, -1)
	const calls = 24
	type call struct {
		a, b   *Session
		pa, pb *testPhone
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, calls)
	cs := make([]call, calls)
	for i := range cs {
		c := &cs[i]
		c.pa, c.pb = newTestPhone(t), newTestPhone(t)
		c.a, c.b = answered(t, e, c.pa, "0"), answered(t, e, c.pb, "8")
		t.Cleanup(func() { c.a.Close(); c.b.Close() })
		go func() { done <- Bridge(ctx, c.a, c.b) }()
	}
	for i := range cs {
		c := &cs[i]
		c.pa.send(t, c.a.LocalPort(), 0, uint32(i+1), make([]byte, 160))
		c.pb.send(t, c.b.LocalPort(), 8, uint32(i+100), make([]byte, 160))
	}
	for i := range cs {
		c := &cs[i]
		if pt := c.pb.recv(t)[1] & 0x7f; pt != 8 {
			t.Fatalf("call %d: b's phone got payload type %d, want 8 (transcoded)", i, pt)
		}
		if pt := c.pa.recv(t)[1] & 0x7f; pt != 0 {
			t.Fatalf("call %d: a's phone got payload type %d, want 0", i, pt)
		}
	}
	registered := 0
	for i := range e.polls.shards {
		p := &e.polls.shards[i]
		p.mu.Lock()
		registered += len(p.regs)
		p.mu.Unlock()
	}
	if registered != 2*calls {
		t.Fatalf("%d sockets registered with the readers, want %d", registered, 2*calls)
	}
	cancel()
	for range calls {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	for i := range e.polls.shards {
		p := &e.polls.shards[i]
		p.mu.Lock()
		left, ep := len(p.regs), p.ep
		p.mu.Unlock()
		if left != 0 || ep != nil {
			t.Fatalf("reader %d: %d sockets still registered, running %v", i, left, ep != nil)
		}
	}
}
