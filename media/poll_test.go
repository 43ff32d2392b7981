package media

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"
)

// TestPortableRelay runs the tests that relay, play, mix and record again
// with every relay reading its socket in its own goroutine: the way on
// systems without the epoll readers, and the fallback on Linux.
func TestPortableRelay(t *testing.T) {
	portableEngines = true
	defer func() { portableEngines = false }()
	for name, test := range map[string]func(*testing.T){
		"BridgeDeliversDigits":                      TestBridgeDeliversDigits,
		"BridgeTranscodesAndKeepsStreamsContinuous": TestBridgeTranscodesAndKeepsStreamsContinuous,
		"BridgeLatchesToTheRealSource":              TestBridgeLatchesToTheRealSource,
		"BridgeEndsOnInactivity":                    TestBridgeEndsOnInactivity,
		"BridgeEndsAtCancelWithoutTimeout":          TestBridgeEndsAtCancelWithoutTimeout,
		"BridgeResumedCallEndsOnInactivity":         TestBridgeResumedCallEndsOnInactivity,
		"BridgeEndsWhenASessionCloses":              TestBridgeEndsWhenASessionCloses,
		"Mixer":                                     TestMixer,
		"PlayThenBridgeKeepsOneStream":              TestPlayThenBridgeKeepsOneStream,
		"PlayBargeInAndLoop":                        TestPlayBargeInAndLoop,
		"PlayOnClosedSession":                       TestPlayOnClosedSession,
		"RecordPutsCallerLeftAndAgentRight":         TestRecordPutsCallerLeftAndAgentRight,
		"SendDigitAsEvents":                         TestSendDigitAsEvents,
		"SendDigitInBand":                           TestSendDigitInBand,
	} {
		t.Run(name, test)
	}
}

// TestBridgeEndsWhenASessionCloses checks that closing a bridged session
// ends the bridge with ErrClosed, the other direction too.
func TestBridgeEndsWhenASessionCloses(t *testing.T) {
	a, b, pa, pb := bridgedPair(t, -1, "")
	done := make(chan error, 1)
	go func() { done <- Bridge(context.Background(), a, b) }()
	pa.send(t, a.LocalPort(), 0, 1, make([]byte, 160))
	pb.recv(t)
	b.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Bridge = %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Bridge still running 10 s after a session closed")
	}
}

// TestBridgeOnADualStackSocket bridges sessions bound to every address
// (the appliance's default): IPv4 phones' packets arrive from IPv4-mapped
// IPv6 addresses, and are latched and answered as IPv4.
func TestBridgeOnADualStackSocket(t *testing.T) {
	e := newTestEngineOn(t, "", -1)
	pa, pb := newTestPhone(t), newTestPhone(t)
	a, b := answered(t, e, pa, "0"), answered(t, e, pb, "0")
	t.Cleanup(func() { a.Close(); b.Close() })
	// a's phone sends from another port than its SDP said: latching.
	stray := newTestPhone(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Bridge(ctx, a, b) }()
	defer func() { cancel(); <-done }()
	stray.send(t, a.LocalPort(), 0, 7, make([]byte, 160))
	pb.recv(t)
	pb.send(t, b.LocalPort(), 0, 8, make([]byte, 160))
	got := stray.recv(t)
	if len(got) != 172 {
		t.Fatalf("the latched phone got %d bytes", len(got))
	}
	if tgt := a.target.Load(); tgt == nil || !tgt.Addr().Is4() || int(tgt.Port()) != stray.port() {
		t.Fatalf("latched to %v, want 127.0.0.1:%d", tgt, stray.port())
	}
}

// TestBridgeOverIPv6 relays between phones on ::1.
func TestBridgeOverIPv6(t *testing.T) {
	probe, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skip("no IPv6 loopback here:", err)
	}
	probe.Close()
	e := newTestEngineOn(t, "::1", -1)
	phone := func() (*net.UDPConn, netip.AddrPort) {
		c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, c.LocalAddr().(*net.UDPAddr).AddrPort()
	}
	ca, aa := phone()
	cb, ab := phone()
	session := func(at netip.AddrPort) *Session {
		s, err := e.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		d, err := ParseSDP([]byte("v=0\r\no=- 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\r\nt=0 0\r\nm=audio " + strconv.Itoa(int(at.Port())) + " RTP/AVP 0\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetRemote(d); err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := session(aa), session(ab)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Bridge(ctx, a, b) }()
	defer func() { cancel(); <-done }()
	pkt := make([]byte, 172)
	pkt[0] = 0x80
	if _, err := ca.WriteToUDPAddrPort(pkt, netip.AddrPortFrom(netip.IPv6Loopback(), uint16(a.LocalPort()))); err != nil {
		t.Fatal(err)
	}
	cb.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 1500)
	n, from, err := cb.ReadFromUDPAddrPort(buf)
	if err != nil || n != 172 || from.Port() != uint16(b.LocalPort()) {
		t.Fatalf("b's phone got %d bytes from %v: %v", n, from, err)
	}
}
