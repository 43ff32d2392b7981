package media

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

// TestRTPSocket checks a session's socket on its own: it sends to IPv4
// phones from an IPv4 and from a dual-stack socket, refuses what its
// family cannot reach with an error, gives the goroutine reader a view
// that reads, and once closed refuses everything with net.ErrClosed.
func TestRTPSocket(t *testing.T) {
	phone, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer phone.Close()
	to := phone.LocalAddr().(*net.UDPAddr).AddrPort()
	for _, bind := range []string{"127.0.0.1", ""} {
		t.Run("bind "+bind, func(t *testing.T) {
			var ip net.IP
			if bind != "" {
				ip = net.ParseIP(bind)
			}
			c, err := net.ListenUDP("udp", &net.UDPAddr{IP: ip})
			if err != nil {
				t.Fatal(err)
			}
			port := c.LocalAddr().(*net.UDPAddr).Port
			s, err := newRTPSocket(c)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.writeTo([]byte("hello"), to); err != nil {
				t.Fatalf("send to %v: %v", to, err)
			}
			if err := s.writeTo([]byte("mapped"), netip.AddrPortFrom(netip.MustParseAddr("::ffff:127.0.0.1"), to.Port())); err != nil {
				t.Fatalf("send to an IPv4-mapped address: %v", err)
			}
			buf := make([]byte, 64)
			for _, want := range []string{"hello", "mapped"} {
				phone.SetReadDeadline(time.Now().Add(5 * time.Second))
				n, _, err := phone.ReadFromUDPAddrPort(buf)
				if err != nil || string(buf[:n]) != want {
					t.Fatalf("phone read %q, %v; want %q", buf[:n], err, want)
				}
			}
			if bind != "" {
				if err := s.writeTo([]byte("x"), netip.MustParseAddrPort("[::1]:9")); err == nil {
					t.Error("an IPv4 socket sent to an IPv6 address")
				}
			}
			if err := s.writeTo([]byte("x"), netip.AddrPort{}); err == nil {
				t.Error("sent to no address")
			}
			r, err := s.reader()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := phone.WriteToUDPAddrPort([]byte("back"), netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))); err != nil {
				t.Fatal(err)
			}
			r.SetReadDeadline(time.Now().Add(5 * time.Second))
			if n, _, err := r.ReadFromUDPAddrPort(buf); err != nil || string(buf[:n]) != "back" {
				t.Fatalf("reader read %q, %v", buf[:n], err)
			}
			if err := s.close(); err != nil {
				t.Fatal(err)
			}
			if err := s.writeTo([]byte("x"), to); !errors.Is(err, net.ErrClosed) {
				t.Errorf("send after close: %v, want net.ErrClosed", err)
			}
			if _, _, err := r.ReadFromUDPAddrPort(buf); !errors.Is(err, net.ErrClosed) {
				t.Errorf("reader after close: %v, want net.ErrClosed", err)
			}
			if err := s.close(); !errors.Is(err, net.ErrClosed) {
				t.Errorf("second close: %v, want net.ErrClosed", err)
			}
		})
	}
}
