package media

import (
	"context"
	"net"
	"net/netip"
	"testing"
)

// BenchmarkRelay times one 20 ms G.711 packet from phone to phone through
// the engine's bridge (PCMU to PCMA, so transcoding included) against a
// bare UDP forwarder doing only the read and the write.
func BenchmarkRelay(b *testing.B) {
	lo := netip.MustParseAddr("127.0.0.1")
	b.Run("engine", func(b *testing.B) {
		e := newTestEngine(b, -1)
		x, _ := e.NewSession()
		y, _ := e.NewSession()
		defer x.Close()
		defer y.Close()
		alice, bob := newTestPhone(b), newTestPhone(b)
		offer, _ := ParseSDP(sdpBody(alice.port(), "", "0"))
		if _, err := x.Answer(offer, lo); err != nil {
			b.Fatal(err)
		}
		ans, _ := ParseSDP(sdpBody(bob.port(), "", "8"))
		if err := y.SetRemote(ans); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- Bridge(ctx, x, y) }()
		pingPong(b, alice, bob, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: x.LocalPort()})
		cancel()
		<-done
	})
	b.Run("bare", func(b *testing.B) {
		alice, bob := newTestPhone(b), newTestPhone(b)
		in, out := newTestPhone(b), newTestPhone(b)
		bobAddr := bob.conn.LocalAddr().(*net.UDPAddr).AddrPort()
		go func() {
			buf := make([]byte, 1500)
			for {
				n, _, err := in.conn.ReadFromUDPAddrPort(buf)
				if err != nil {
					return
				}
				out.conn.WriteToUDPAddrPort(buf[:n], bobAddr)
			}
		}()
		pingPong(b, alice, bob, in.conn.LocalAddr().(*net.UDPAddr))
		in.conn.Close()
	})
}

// pingPong sends one RTP packet at a time from alice to relay and waits
// for it at bob.
func pingPong(b *testing.B, alice, bob *testPhone, relay *net.UDPAddr) {
	pkt := make([]byte, 12+160)
	pkt[0] = 0x80
	buf := make([]byte, 1500)
	to := relay.AddrPort()
	b.ReportAllocs()
	var seq uint16
	for b.Loop() {
		seq++
		pkt[2], pkt[3] = byte(seq>>8), byte(seq)
		if _, err := alice.conn.WriteToUDPAddrPort(pkt, to); err != nil {
			b.Fatal(err)
		}
		if _, _, err := bob.conn.ReadFromUDPAddrPort(buf); err != nil {
			b.Fatal(err)
		}
	}
}
