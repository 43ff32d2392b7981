package sip

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/credential"
	"github.com/switchboard-cc/switchboard/internal/events"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/media"
	"github.com/switchboard-cc/switchboard/sip/guard"
)

const testRealm = "switchboard.local"

// startServer runs a Server on 127.0.0.1:0 with extensions 1001, 1002 and
// 1003 (password "secret") until the test ends.
func startServer(t testing.TB, g guard.Config) *Server {
	t.Helper()
	s, _ := startStoppable(t, g)
	return s
}

// startStoppable is startServer that also returns stop, which ends Serve's
// context and waits for Serve to return (at the latest when the test ends).
func startStoppable(t testing.TB, g guard.Config) (*Server, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Update(ctx, func(tx *store.Tx) error {
		for _, n := range []string{"1001", "1002", "1003"} {
			if err := tx.PutExtension(ctx, store.Extension{Number: n, Realm: testRealm,
				HA1MD5: credential.HA1MD5(n, testRealm, "secret"), HA1SHA256: credential.HA1SHA256(n, testRealm, "secret")}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng, err := media.NewEngine(media.Config{BindIP: "127.0.0.1", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(st, eng, events.NewBus(), Config{Listen: "127.0.0.1:0", Guard: g, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Listen(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Serve: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Error("Serve did not return after its context ended")
			}
		})
	}
	t.Cleanup(stop)
	return s, stop
}

// peer is a raw UDP SIP client.
type peer struct {
	t    testing.TB
	conn *net.UDPConn
	srv  string
	user string // the extension in From and To
}

func newPeer(t testing.TB, s *Server, localIP string) *peer {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(localIP)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &peer{t: t, conn: c, srv: s.Addr().String(), user: "1001"}
}

func (p *peer) local() string { return p.conn.LocalAddr().String() }

// callPeers returns a caller (extension 1001) and a callee registered as
// 1002 on s.
func callPeers(t testing.TB, s *Server) (caller, callee *peer) {
	t.Helper()
	caller, callee = newPeer(t, s, "127.0.0.1"), newPeer(t, s, "127.0.0.1")
	callee.user = "1002"
	callee.register("sip:" + s.Addr().String())
	return caller, callee
}

// answeredCall calls callee from caller as callID; the callee answers and
// gets its ACK; it returns the caller's final response (not yet ACKed).
func answeredCall(caller, callee *peer, callID string) string {
	caller.call("1002", callID)
	inv := callee.next("INVITE")
	callee.send(callee.answer(inv, "sendrecv"))
	callee.next("ACK")
	return caller.final("2 INVITE")
}

// request builds a request with the mandatory headers; extra lines are
// added before the blank line.
func (p *peer) request(method, ruri, callID string, cseq int, extra ...string) string {
	hdr := []string{
		fmt.Sprintf("%s %s SIP/2.0", method, ruri),
		fmt.Sprintf("Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s-%d;rport", p.local(), callID, cseq),
		"Max-Forwards: 70",
		"From: <sip:" + p.user + "@" + testRealm + ">;tag=t1",
		"To: <sip:" + p.user + "@" + testRealm + ">",
		"Call-ID: " + callID,
		fmt.Sprintf("CSeq: %d %s", cseq, method),
	}
	hdr = append(hdr, extra...)
	return strings.Join(hdr, "\r\n") + "\r\nContent-Length: 0\r\n\r\n"
}

func (p *peer) send(msg string) {
	p.t.Helper()
	dst, _ := net.ResolveUDPAddr("udp4", p.srv)
	if _, err := p.conn.WriteToUDP([]byte(msg), dst); err != nil {
		p.t.Fatal(err)
	}
}

// recv returns the next message, or "" when none arrives within wait.
func (p *peer) recv(wait time.Duration) string {
	p.t.Helper()
	buf := make([]byte, 65535)
	p.conn.SetReadDeadline(time.Now().Add(wait))
	n, _, err := p.conn.ReadFromUDP(buf)
	if err != nil {
		return ""
	}
	return string(buf[:n])
}

// expect sends msg and returns the first final response.
func (p *peer) expect(msg string) string {
	p.t.Helper()
	p.send(msg)
	for range 10 {
		res := p.recv(5 * time.Second)
		if res == "" {
			p.t.Fatalf("no response to:\n%s", msg)
		}
		if !strings.HasPrefix(res, "SIP/2.0 1") {
			return res
		}
	}
	p.t.Fatalf("no final response to:\n%s", msg)
	return ""
}

func status(res string) string {
	line, _, _ := strings.Cut(res, "\r\n")
	return strings.TrimPrefix(line, "SIP/2.0 ")
}

var nonceRe = regexp.MustCompile(`nonce="([^"]+)"`)

// authorization answers an MD5 challenge found in res (WWW-Authenticate
// or Proxy-Authenticate) with the matching credentials header.
func authorization(t testing.TB, res, method, uri, user, password string, nc int) string {
	t.Helper()
	var challenge, header string
	for _, l := range strings.Split(res, "\r\n") {
		name, _, _ := strings.Cut(strings.ToLower(l), ":")
		if (name == "www-authenticate" || name == "proxy-authenticate") && strings.Contains(l, "MD5") {
			challenge, header = l, "Authorization"
			if name == "proxy-authenticate" {
				header = "Proxy-Authorization"
			}
		}
	}
	m := nonceRe.FindStringSubmatch(challenge)
	if m == nil {
		t.Fatalf("no MD5 challenge in:\n%s", res)
	}
	h := func(s string) string { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }
	ncs := fmt.Sprintf("%08x", nc)
	resp := h(h(user+":"+testRealm+":"+password) + ":" + m[1] + ":" + ncs + ":c0ffee:auth:" + h(method+":"+uri))
	return fmt.Sprintf(`%s: Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", algorithm=MD5, qop=auth, nc=%s, cnonce="c0ffee"`,
		header, user, testRealm, m[1], uri, resp, ncs)
}

func TestServerAnswers(t *testing.T) {
	s := startServer(t, guard.Config{})
	p := newPeer(t, s, "127.0.0.1")
	ruri := "sip:" + s.Addr().String()
	contact := "Contact: <sip:1001@" + p.local() + ">"

	cases := []struct {
		name, msg, want string
	}{
		{"options", p.request("OPTIONS", ruri, "opt", 1), "200 OK"},
		{"unknown method", p.request("SUBSCRIBE", ruri, "sub", 1), "405 Method Not Allowed"},
		{"register without credentials", p.request("REGISTER", ruri, "reg0", 1, contact), "401 Unauthorized"},
		{"cancel without transaction", p.request("CANCEL", ruri, "can", 1), "481 Call/Transaction Does Not Exist"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := status(p.expect(c.msg)); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestServerRegisters(t *testing.T) {
	s := startServer(t, guard.Config{})
	p := newPeer(t, s, "127.0.0.1")
	ruri := "sip:" + s.Addr().String()
	contact := "Contact: <sip:1001@" + p.local() + ">"

	ch := p.expect(p.request("REGISTER", ruri, "reg", 1, contact, "Expires: 600"))
	if status(ch) != "401 Unauthorized" || !strings.Contains(ch, "qop=\"auth\"") {
		t.Fatalf("challenge:\n%s", ch)
	}
	res := p.expect(p.request("REGISTER", ruri, "reg", 2, contact, "Expires: 600",
		authorization(t, ch, "REGISTER", ruri, "1001", "secret", 1)))
	if status(res) != "200 OK" || !strings.Contains(res, p.local()) {
		t.Fatalf("register:\n%s", res)
	}
	if got := len(s.Registrar().Lookup("1001")); got != 1 {
		t.Fatalf("contacts of 1001 = %d, want 1", got)
	}

	t.Run("replayed nonce count", func(t *testing.T) {
		res := p.expect(p.request("REGISTER", ruri, "reg", 3, contact,
			authorization(t, ch, "REGISTER", ruri, "1001", "secret", 1)))
		if status(res) != "401 Unauthorized" || !strings.Contains(res, "stale=true") {
			t.Fatalf("got:\n%s\nwant a fresh challenge with stale=true", res)
		}
	})
	t.Run("interval too brief", func(t *testing.T) {
		res := p.expect(p.request("REGISTER", ruri, "reg", 4, contact, "Expires: 5",
			authorization(t, ch, "REGISTER", ruri, "1001", "secret", 2)))
		if status(res) != "423 Interval Too Brief" || !strings.Contains(res, "Min-Expires: 60") {
			t.Fatalf("got:\n%s", res)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		res := p.expect(p.request("REGISTER", ruri, "reg", 5, contact,
			authorization(t, ch, "REGISTER", ruri, "1001", "wrong", 3)))
		if got := status(res); got != "403 Forbidden" {
			t.Fatalf("got %q, want 403", got)
		}
	})
	t.Run("unregister", func(t *testing.T) {
		res := p.expect(p.request("REGISTER", ruri, "reg", 6, "Contact: *", "Expires: 0",
			authorization(t, ch, "REGISTER", ruri, "1001", "secret", 4)))
		if got := status(res); got != "200 OK" {
			t.Fatalf("got %q, want 200", got)
		}
		if got := len(s.Registrar().Lookup("1001")); got != 0 {
			t.Fatalf("contacts of 1001 after unregister = %d, want 0", got)
		}
	})
}

// TestServerAnswersRetransmittedRegister: the transaction of a REGISTER
// ends with its answer, yet a retransmission (same branch) whose answer
// was lost gets the same answer again: the same challenge, and after
// credentials the same status, neither refused as a replayed nonce count,
// applied twice nor counted twice against the source.
func TestServerAnswersRetransmittedRegister(t *testing.T) {
	s := startServer(t, guard.Config{MaxFailures: 2})
	p := newPeer(t, s, "127.0.0.1")
	ruri := "sip:" + s.Addr().String()
	contact := "Contact: <sip:1001@" + p.local() + ">"
	challenge := p.request("REGISTER", ruri, "retx", 1, contact)
	ch := p.expect(challenge)
	for i := range 3 {
		if again := p.expect(challenge); again != ch {
			t.Fatalf("retransmission %d of the challenged REGISTER answered:\n%s\nfirst answer:\n%s", i+1, again, ch)
		}
	}
	cases := []struct {
		name, want string
		msg        string
	}{
		{"registered", "200 OK", p.request("REGISTER", ruri, "retx", 2, contact, "Expires: 600",
			authorization(t, ch, "REGISTER", ruri, "1001", "secret", 1))},
		{"interval too brief", "423 Interval Too Brief", p.request("REGISTER", ruri, "retx", 3, contact, "Expires: 5",
			authorization(t, ch, "REGISTER", ruri, "1001", "secret", 2))},
		{"wrong password", "403 Forbidden", p.request("REGISTER", ruri, "retx", 4, contact,
			authorization(t, ch, "REGISTER", ruri, "1001", "wrong", 3))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			first := p.expect(c.msg)
			for i := range 3 {
				again := p.expect(c.msg)
				if status(again) != c.want || header(again, "To") != header(first, "To") || header(again, "Contact") != header(first, "Contact") ||
					header(again, "Min-Expires") != header(first, "Min-Expires") {
					t.Fatalf("retransmission %d answered:\n%s\nfirst answer:\n%s", i+1, again, first)
				}
			}
			if got := len(s.Registrar().Lookup("1001")); got != 1 {
				t.Fatalf("contacts of 1001 = %d, want 1", got)
			}
		})
	}
	if got := status(p.expect(p.request("OPTIONS", ruri, "retx-alive", 1))); got != "200 OK" {
		t.Fatalf("OPTIONS after the retransmissions: %q (banned?)", got)
	}
}

// TestServerDropsHostileInput sends junk, stray responses and scanner
// requests: none gets an answer and the service keeps answering.
func TestServerDropsHostileInput(t *testing.T) {
	s := startServer(t, guard.Config{})
	p := newPeer(t, s, "127.0.0.1")
	ruri := "sip:" + s.Addr().String()

	hostile := []struct{ name, msg string }{
		{"garbage", "\x00\xff not sip at all\r\n\r\n"},
		{"truncated request", "INVITE sip:1002@x SIP/2.0\r\nVia: SIP/2.0/UDP"},
		{"stray response", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP " + p.local() + ";branch=z9hG4bK-stray\r\n" +
			"From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: stray\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"},
		{"scanner", p.request("OPTIONS", ruri, "scan", 1, "User-Agent: friendly-scanner")},
		{"sipvicious", p.request("REGISTER", ruri, "scan2", 1, "User-Agent: sipvicious")},
	}
	for _, h := range hostile {
		t.Run(h.name, func(t *testing.T) {
			p.send(h.msg)
			if res := p.recv(300 * time.Millisecond); res != "" {
				t.Fatalf("answered %q with:\n%s", h.msg, res)
			}
			if got := status(p.expect(p.request("OPTIONS", ruri, "alive-"+h.name, 1))); got != "200 OK" {
				t.Fatalf("OPTIONS after %s: %q", h.name, got)
			}
		})
	}
}

// TestServerBansOnlyTheAttacker: failed authentications from 127.0.0.2
// get that address ignored while 127.0.0.1 is still served.
func TestServerBansOnlyTheAttacker(t *testing.T) {
	s := startServer(t, guard.Config{MaxFailures: 3, Window: time.Minute, BanFor: time.Hour})
	attacker := newPeer(t, s, "127.0.0.2")
	ruri := "sip:" + s.Addr().String()
	contact := "Contact: <sip:1001@" + attacker.local() + ">"
	for i := range 3 {
		ch := attacker.expect(attacker.request("REGISTER", ruri, "atk", 2*i+1, contact))
		res := attacker.expect(attacker.request("REGISTER", ruri, "atk", 2*i+2, contact,
			authorization(t, ch, "REGISTER", ruri, "1001", "guess", 1)))
		if got := status(res); got != "403 Forbidden" {
			t.Fatalf("attempt %d: got %q, want 403", i, got)
		}
	}
	attacker.send(attacker.request("OPTIONS", ruri, "atk-opt", 1))
	if res := attacker.recv(500 * time.Millisecond); res != "" {
		t.Fatalf("banned source answered:\n%s", res)
	}
	good := newPeer(t, s, "127.0.0.1")
	if got := status(good.expect(good.request("OPTIONS", ruri, "good", 1))); got != "200 OK" {
		t.Fatalf("other source: %q", got)
	}
}
