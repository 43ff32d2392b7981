package sip

import (
	"io"
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"time"
)

func TestFramer(t *testing.T) {
	msg := "OPTIONS sip:a SIP/2.0\r\nl: 5\r\nVia: x\r\n\r\nhello"
	tests := []struct {
		name      string
		reads     []string
		idle      bool
		completed int
	}{
		{"keep-alive", []string{"\r\n\r\n"}, true, 0},
		{"whole message", []string{msg}, true, 1},
		{"two messages in one read", []string{msg + "\r\n" + msg}, true, 2},
		{"byte by byte", splitEvery(msg, 1), true, 1},
		{"half a request", []string{msg[:20]}, false, 0},
		{"headers without the body", []string{msg[:len(msg)-2]}, false, 0},
		{"empty line split over reads", []string{msg[:38], msg[38:]}, true, 1},
		{"a second message begun", []string{msg + "INVITE sip:b SIP/2.0\r\n"}, false, 1},
		{"Content-Length larger than what follows", []string{"INVITE sip:a SIP/2.0\r\nContent-Length: 99999\r\n\r\nv=0\r\n"}, false, 0},
		{"no Content-Length", []string{"BYE sip:a SIP/2.0\r\nVia: x\r\n\r\n"}, true, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var f framer
			done := 0
			for _, r := range tc.reads {
				f.feed([]byte(r))
				done += f.completed
				f.completed = 0
			}
			if f.idle() != tc.idle || done != tc.completed {
				t.Errorf("idle %v, completed %d; want %v, %d", f.idle(), done, tc.idle, tc.completed)
			}
		})
	}
}

func TestFramerBoundsHeaders(t *testing.T) {
	var f framer
	line := make([]byte, 4096)
	for i := range line {
		line[i] = 'A'
	}
	for range 1024 {
		f.feed(line)
	}
	if len(f.head) > maxHead || f.idle() {
		t.Fatalf("a 4 MB header line: kept %d bytes, idle %v", len(f.head), f.idle())
	}
}

func splitEvery(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

func TestTCPListenerCaps(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newTCPListener(ln, TCPLimits{PerSource: 2, MessageTimeout: time.Minute}, slog.New(slog.DiscardHandler),
		func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.2") }, func(netip.Addr) {})
	defer l.Close()
	accepted := make(chan net.Conn, 10)
	go func() {
		defer close(accepted)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	var clients []net.Conn
	for range 3 {
		c, err := net.Dial("tcp4", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	first, second := <-accepted, <-accepted
	// The third is over the cap: the server closes it.
	clients[2].SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := clients[2].Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("the third connection: read %v, want EOF", err)
	}
	// A banned source is closed at once, not counted.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	banned, err := d.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer banned.Close()
	banned.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := banned.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("a banned source: read %v, want EOF", err)
	}
	// Closing one makes room for another.
	first.Close()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	third := <-accepted
	third.Close()
	second.Close()
	if total, sources := l.open.Open(); total != 0 || sources != 0 {
		t.Fatalf("after closing all: total %d over %d sources", total, sources)
	}
}

func TestTCPConnClosesPeerNotReading(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newTCPListener(ln, TCPLimits{WriteTimeout: 100 * time.Millisecond}, slog.New(slog.DiscardHandler),
		func(netip.Addr) bool { return false }, func(netip.Addr) {})
	defer l.Close()
	peer, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The peer never reads: writes fill its window, then one times out.
	chunk := make([]byte, 64<<10)
	for i := 0; ; i++ {
		if _, err := c.Write(chunk); err != nil {
			break
		}
		if i == 10000 {
			t.Fatal("640 MB written to a peer that reads nothing")
		}
	}
	// The connection is closed: reading from it fails at once.
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("read from the connection after the write timeout")
	}
	if total, _ := l.open.Open(); total != 0 {
		t.Fatalf("the closed connection is still counted: %d", total)
	}
}
