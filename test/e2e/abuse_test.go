package e2e

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// options sends an OPTIONS from a fresh socket on localIP, retransmitting
// like a phone (three tries within wait), and returns the status line of
// the answer, or "" when none came.
func options(t *testing.T, sipPort int, localIP, userAgent string, wait time.Duration) string {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(localIP)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	port := c.LocalAddr().(*net.UDPAddr).Port
	msg := fmt.Sprintf("OPTIONS sip:127.0.0.1:%d SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bK-%d;rport\r\n"+
		"From: <sip:probe@%s>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: %d@probe\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"+
		"User-Agent: %s\r\nContent-Length: 0\r\n\r\n", sipPort, localIP, port, time.Now().UnixNano(), localIP, time.Now().UnixNano(), userAgent)
	buf := make([]byte, 4096)
	for range 3 {
		if _, err := c.WriteToUDP([]byte(msg), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sipPort}); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(wait / 3))
		if n, err := c.Read(buf); err == nil {
			line, _, _ := strings.Cut(string(buf[:n]), "\r\n")
			return line
		}
	}
	return ""
}

func TestHostileTrafficKeepsServiceUp(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, nil, binPath, data)
	if got := options(t, srv.sipPort, "127.0.0.1", "probe", 3*time.Second); got != "SIP/2.0 200 OK" {
		t.Fatalf("OPTIONS answered %q", got)
	}
	junk := []string{
		"garbage\r\n\r\n",
		"INVITE sip:1002@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:1\r\n\r\n",
		"REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 255.255.255.255:5060;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n",
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 224.0.0.1:5060;branch=z9hG4bKstray\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: stray\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		"OPTIONS sip:127.0.0.1 SIP/2.0\r\nContent-Length: 999999\r\n\r\nshort",
		strings.Repeat("A", 60000),
		"\x00\x01\x02\xff",
	}
	c, err := net.Dial("udp4", fmt.Sprintf("127.0.0.1:%d", srv.sipPort))
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		for _, j := range junk {
			c.Write([]byte(j))
		}
	}
	c.Close()
	tc, err := net.Dial("tcp4", fmt.Sprintf("127.0.0.1:%d", srv.sipPort))
	if err == nil {
		tc.Write([]byte("INVITE sip:x SIP/2.0\r\nContent-Length: -5\r\n\r\n" + strings.Repeat("\r\n", 100)))
		tc.Close()
	}
	if got := options(t, srv.sipPort, "127.0.0.1", "probe", 3*time.Second); got != "SIP/2.0 200 OK" {
		t.Fatalf("after junk, OPTIONS answered %q\n%s", got, srv.output())
	}
	// Scanners get no answer at all.
	if got := options(t, srv.sipPort, "127.0.0.1", "friendly-scanner", time.Second); got != "" {
		t.Fatalf("a scanner got an answer: %q", got)
	}
}

func TestRegisterStormBansOnlyTheAttacker(t *testing.T) {
	peertest.Binary(t, "sipp")
	data := t.TempDir()
	mustCLI(t, "--data", data, "extension", "add", "1001", "--password", "right-pass1")
	srv := startServer(t, nil, binPath, data)
	// A storm of wrong passwords from 127.0.0.2.
	for i := range 11 {
		if err := sippRegisterContact(t, srv.sipPort, "1001", fmt.Sprintf("guess-%04d", i), "127.0.0.2", freeUDPPort(t), 0); err == nil {
			t.Fatalf("wrong password %d accepted", i)
		}
	}
	// The attacker is ignored now, even with the right password …
	if got := options(t, srv.sipPort, "127.0.0.2", "probe", time.Second); got != "" {
		t.Fatalf("banned address still answered: %q", got)
	}
	// … while the phone at 127.0.0.1 still registers.
	if err := sippRegister(t, srv.sipPort, "1001", "right-pass1"); err != nil {
		t.Fatalf("another address was locked out:\n%s", srv.output())
	}
	if !strings.Contains(srv.output(), "banned") {
		t.Errorf("no log line about the ban:\n%s", srv.output())
	}
}
