package sip

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/sip/guard"
)

// register binds p's address to its extension.
func (p *peer) register(ruri string) {
	p.t.Helper()
	contact := "Contact: <sip:" + p.user + "@" + p.local() + ">"
	callID := "reg-" + p.user + "-" + p.local()
	ch := p.expect(p.request("REGISTER", ruri, callID, 1, contact))
	res := p.expect(p.request("REGISTER", ruri, callID, 2, contact, authorization(p.t, ch, "REGISTER", ruri, p.user, "secret", 1)))
	if status(res) != "200 OK" {
		p.t.Fatalf("register %s: %s", p.user, status(res))
	}
}

// invite builds an INVITE to number offering PCMU on port 40000.
func (p *peer) invite(number, callID string, cseq int, extra ...string) string {
	ruri := "sip:" + number + "@" + p.srv
	extra = append(extra, "Contact: <sip:"+p.user+"@"+p.local()+">")
	req := strings.TrimSuffix(p.request("INVITE", ruri, callID, cseq, extra...), "Content-Length: 0\r\n\r\n")
	req = strings.Replace(req, "To: <sip:"+p.user+"@", "To: <sip:"+number+"@", 1)
	sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	return req + fmt.Sprintf("Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s", len(sdp), sdp)
}

// call sends an authenticated INVITE to number and returns the request
// as sent; the 407 is acknowledged.
func (p *peer) call(number, callID string) string {
	p.t.Helper()
	first := p.invite(number, callID, 1)
	ch := p.expect(first)
	if status(ch) != "407 Proxy Authentication Required" {
		p.t.Fatalf("INVITE without credentials: %s", ch)
	}
	p.send(ack(first, ch))
	inv := p.invite(number, callID, 2, authorization(p.t, ch, "INVITE", "sip:"+number+"@"+p.srv, p.user, "secret", 1))
	p.send(inv)
	return inv
}

// header returns the first value of a header in a raw message.
func header(msg, name string) string {
	for _, l := range strings.Split(msg, "\r\n") {
		if n, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(n, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// ack acknowledges a non-2xx final response res to the INVITE inv
// (RFC 3261 §17.1.1.3: same branch, the response's To).
func ack(inv, res string) string {
	line, _, _ := strings.Cut(inv, "\r\n")
	ruri := strings.Fields(line)[1]
	cseq := strings.Fields(header(inv, "CSeq"))[0]
	return strings.Join([]string{"ACK " + ruri + " SIP/2.0", "Via: " + header(inv, "Via"), "Max-Forwards: 70",
		"From: " + header(inv, "From"), "To: " + header(res, "To"), "Call-ID: " + header(inv, "Call-ID"),
		"CSeq: " + cseq + " ACK", "Content-Length: 0", "", ""}, "\r\n")
}

// reply answers the request req with a final status and no body.
func reply(req, code string) string {
	var lines []string
	lines = append(lines, "SIP/2.0 "+code)
	for _, l := range strings.Split(req, "\r\n") {
		if n, _, ok := strings.Cut(l, ":"); ok && strings.EqualFold(n, "Via") {
			lines = append(lines, l)
		}
	}
	lines = append(lines, "From: "+header(req, "From"), "To: "+header(req, "To")+";tag=callee", "Call-ID: "+header(req, "Call-ID"),
		"CSeq: "+header(req, "CSeq"), "Content-Length: 0", "", "")
	return strings.Join(lines, "\r\n")
}

// next returns the next request with method that reaches p.
func (p *peer) next(method string) string {
	p.t.Helper()
	for range 20 {
		msg := p.recv(5 * time.Second)
		if msg == "" {
			break
		}
		if strings.HasPrefix(msg, method+" ") {
			return msg
		}
	}
	p.t.Fatalf("no %s reached %s", method, p.user)
	return ""
}

// finalOf returns the caller's final response to its INVITE.
func (p *peer) finalOf() string {
	p.t.Helper()
	for range 20 {
		msg := p.recv(5 * time.Second)
		if msg == "" {
			break
		}
		if strings.HasPrefix(msg, "SIP/2.0 ") && !strings.HasPrefix(msg, "SIP/2.0 1") && strings.HasSuffix(header(msg, "CSeq"), "INVITE") {
			return msg
		}
	}
	p.t.Fatal("no final response to the INVITE")
	return ""
}

// cdr waits for the closed CDR of the call with that caller Call-ID.
func cdr(t *testing.T, s *Server, callID string) store.CDR {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if c, ok := cdrNow(t, s, callID); ok && !c.EndedAt.IsZero() {
			return c
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no closed CDR for %s", callID)
	return store.CDR{}
}

// cdrNow returns the newest CDR of the call with that caller Call-ID as
// the store has it now, closed or not, and whether there is one.
func cdrNow(t *testing.T, s *Server, callID string) (store.CDR, bool) {
	t.Helper()
	cdrs, err := s.st.ListCDRs(context.Background(), store.CDRFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cdrs {
		if c.CallID == callID {
			return c, true
		}
	}
	return store.CDR{}, false
}

// TestServerCallOutcomes runs calls through the B2BUA with raw UDP phones:
// the callee is offered the appliance's own media address, its busy
// answer reaches the caller, and each attempt leaves its CDR.
func TestServerCallOutcomes(t *testing.T) {
	s := startServer(t, guard.Config{})
	caller, callee := callPeers(t, s)

	t.Run("busy", func(t *testing.T) {
		caller.t, callee.t = t, t
		caller.call("1002", "busy-call")
		inv := callee.next("INVITE")
		if strings.Contains(inv, "m=audio 40000 ") || !strings.Contains(inv, "c=IN IP4 "+s.AdvertisedIP().String()) {
			t.Fatalf("the callee's offer is not anchored on the appliance:\n%s", inv)
		}
		callee.send(reply(inv, "486 Busy Here"))
		if got := callee.next("ACK"); header(got, "Call-ID") != header(inv, "Call-ID") {
			t.Fatalf("ACK for another call:\n%s", got)
		}
		res := caller.finalOf()
		if status(res) != "486 Busy Here" {
			t.Fatalf("caller got %q, want 486", status(res))
		}
		caller.send(ack(caller.invite("1002", "busy-call", 2), res))
		c := cdr(t, s, "busy-call")
		if c.Caller != "1001" || c.Callee != "1002" || c.Disposition != "busy" || c.SIPStatus != 486 || !c.AnsweredAt.IsZero() {
			t.Fatalf("CDR %+v", c)
		}
	})
	for _, tc := range []struct{ number, want, disposition string }{
		{"9999", "404 Not Found", "not-found"},
		{"1003", "480 Temporarily Unavailable", "unavailable"},
	} {
		t.Run(tc.number, func(t *testing.T) {
			caller.t = t
			caller.call(tc.number, "call-"+tc.number)
			res := caller.finalOf()
			if status(res) != tc.want {
				t.Fatalf("got %q, want %q", status(res), tc.want)
			}
			caller.send(ack(caller.invite(tc.number, "call-"+tc.number, 2), res))
			if c := cdr(t, s, "call-"+tc.number); c.Disposition != tc.disposition {
				t.Fatalf("CDR %+v, want disposition %s", c, tc.disposition)
			}
		})
	}
}

// final returns the final response whose CSeq is cseq (e.g. "3 INVITE").
func (p *peer) final(cseq string) string {
	p.t.Helper()
	for range 20 {
		msg := p.recv(5 * time.Second)
		if msg == "" {
			break
		}
		if strings.HasPrefix(msg, "SIP/2.0 ") && !strings.HasPrefix(msg, "SIP/2.0 1") && header(msg, "CSeq") == cseq {
			return msg
		}
	}
	p.t.Fatalf("no final response to %s", cseq)
	return ""
}

// inDialog builds a request inside the dialog that the 2xx res set up,
// from p, with an optional SDP body.
func (p *peer) inDialog(method string, res string, cseq int, sdp string) string {
	target := strings.Trim(header(res, "Contact"), "<>")
	if i := strings.IndexByte(target, '>'); i >= 0 {
		target = target[:i]
	}
	lines := []string{method + " " + target + " SIP/2.0",
		fmt.Sprintf("Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s-%s-%d;rport", p.local(), method, header(res, "Call-ID"), cseq),
		"Max-Forwards: 70", "From: " + header(res, "From"), "To: " + header(res, "To"), "Call-ID: " + header(res, "Call-ID"),
		fmt.Sprintf("CSeq: %d %s", cseq, method), "Contact: <sip:" + p.user + "@" + p.local() + ">"}
	if sdp != "" {
		lines = append(lines, "Content-Type: application/sdp")
	}
	return strings.Join(lines, "\r\n") + fmt.Sprintf("\r\nContent-Length: %d\r\n\r\n%s", len(sdp), sdp)
}

// answer is the callee's 200 OK with SDP to the INVITE req.
func (p *peer) answer(req, direction string) string {
	sdp := "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 41000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=" + direction + "\r\n"
	res := strings.TrimSuffix(reply(req, "200 OK"), "Content-Length: 0\r\n\r\n")
	return res + "Contact: <sip:" + p.user + "@" + p.local() + ">\r\n" +
		fmt.Sprintf("Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s", len(sdp), sdp)
}

// anchored fails unless msg's SDP points at the appliance and not at the
// phones' own media ports.
func anchored(t *testing.T, s *Server, msg string) {
	t.Helper()
	if !strings.Contains(msg, "c=IN IP4 "+s.AdvertisedIP().String()) || strings.Contains(msg, "m=audio 40000 ") || strings.Contains(msg, "m=audio 41000 ") {
		t.Fatalf("SDP not anchored on the appliance:\n%s", msg)
	}
}

// TestServerHoldAndShutdown answers a call, relays a hold re-INVITE with
// the appliance's SDP, then ends Serve's context: both phones get a BYE
// and the CDR is closed as answered with the shutdown as its cause.
func TestServerHoldAndShutdown(t *testing.T) {
	s, stop := startStoppable(t, guard.Config{})
	caller, callee := callPeers(t, s)
	ok := answeredCall(caller, callee, "live-call")
	if status(ok) != "200 OK" {
		t.Fatalf("caller got %q", status(ok))
	}
	anchored(t, s, ok)
	caller.send(caller.inDialog("ACK", ok, 2, ""))

	hold := "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendonly\r\n"
	caller.send(caller.inDialog("INVITE", ok, 3, hold))
	reinv := callee.next("INVITE")
	anchored(t, s, reinv)
	if !strings.Contains(header(reinv, "To"), "tag=callee") {
		t.Fatalf("re-INVITE outside the callee's dialog:\n%s", reinv)
	}
	callee.send(callee.answer(reinv, "recvonly"))
	callee.next("ACK")
	held := caller.final("3 INVITE")
	if status(held) != "200 OK" {
		t.Fatalf("hold answered %q", status(held))
	}
	anchored(t, s, held)
	caller.send(caller.inDialog("ACK", held, 3, ""))

	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	for _, p := range []*peer{caller, callee} {
		bye := p.next("BYE")
		p.send(reply(bye, "200 OK"))
	}
	select {
	case <-stopped:
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return")
	}
	c := cdr(t, s, "live-call")
	if c.Disposition != "answered" || c.AnsweredAt.IsZero() || c.HangupCause != "appliance stopping" {
		t.Fatalf("CDR %+v", c)
	}
}

// forked is a call from 1001 ringing both phones of 1002.
type forked struct {
	s                  *Server
	caller, desk, soft *peer
	invDesk, invSoft   string // the INVITEs each phone got
}

// ringTwoPhones registers two phones for 1002 and calls it from 1001 with
// that Call-ID; both phones answer 180.
func ringTwoPhones(t *testing.T, callID string) forked {
	t.Helper()
	s := startServer(t, guard.Config{})
	ruri := "sip:" + s.Addr().String()
	f := forked{s: s, caller: newPeer(t, s, "127.0.0.1"), desk: newPeer(t, s, "127.0.0.1"), soft: newPeer(t, s, "127.0.0.1")}
	for _, p := range []*peer{f.desk, f.soft} {
		p.user = "1002"
		p.register(ruri)
	}
	f.caller.call("1002", callID)
	f.invDesk, f.invSoft = f.desk.next("INVITE"), f.soft.next("INVITE")
	f.desk.send(reply(f.invDesk, "180 Ringing"))
	f.soft.send(reply(f.invSoft, "180 Ringing"))
	return f
}

// TestServerForksToEveryContact rings both phones of 1002 at once: the
// first to answer gets the call, the other is cancelled, and the caller's
// BYE reaches the phone that answered.
func TestServerForksToEveryContact(t *testing.T) {
	f := ringTwoPhones(t, "forked-call")
	caller, desk, soft, invDesk, invSoft := f.caller, f.desk, f.soft, f.invDesk, f.invSoft
	desk.send(desk.answer(invDesk, "sendrecv"))
	cancel := soft.next("CANCEL")
	if header(cancel, "Call-ID") != header(invSoft, "Call-ID") {
		t.Fatalf("CANCEL for another call:\n%s", cancel)
	}
	soft.send(reply(cancel, "200 OK"))
	soft.send(reply(invSoft, "487 Request Terminated"))
	soft.next("ACK")
	desk.next("ACK")

	ok := caller.final("2 INVITE")
	if status(ok) != "200 OK" {
		t.Fatalf("caller got %q", status(ok))
	}
	caller.send(caller.inDialog("ACK", ok, 2, ""))
	caller.send(caller.inDialog("BYE", ok, 3, ""))
	bye := desk.next("BYE")
	desk.send(reply(bye, "200 OK"))
	if res := caller.final("3 BYE"); status(res) != "200 OK" {
		t.Fatalf("BYE answered %q", status(res))
	}
	c := cdr(t, f.s, "forked-call")
	if c.Disposition != "answered" || c.HangupCause != "caller hung up" || c.Callee != "1002" {
		t.Fatalf("CDR %+v", c)
	}
}

// TestServerByeRetransmission answers a call and hangs it up from the
// caller: the BYE's transaction is not kept, yet its retransmission gets
// the same 200, and a BYE for no dialog gets 481.
func TestServerByeRetransmission(t *testing.T) {
	s := startServer(t, guard.Config{})
	caller, callee := callPeers(t, s)
	ok := answeredCall(caller, callee, "bye-retx")
	caller.send(caller.inDialog("ACK", ok, 2, ""))
	bye := caller.inDialog("BYE", ok, 3, "")
	caller.send(bye)
	callee.send(reply(callee.next("BYE"), "200 OK"))
	first := caller.final("3 BYE")
	if status(first) != "200 OK" {
		t.Fatalf("BYE answered %q", status(first))
	}
	caller.send(bye)
	if again := caller.final("3 BYE"); status(again) != "200 OK" || header(again, "To") != header(first, "To") {
		t.Fatalf("retransmitted BYE answered:\n%s\nfirst answer:\n%s", again, first)
	}
	caller.send(caller.inDialog("BYE", ok, 4, ""))
	if res := caller.final("4 BYE"); status(res) != "481 Call/Transaction Does Not Exist" {
		t.Fatalf("BYE after the call ended answered %q", status(res))
	}
}

// TestServerForkAnsweredAfterCancel rings two phones of 1002; one answers
// and the other answers too while the appliance's CANCEL is on its way
// (the 200 crosses the CANCEL): that late answer is acknowledged and then
// hung up, so that no phone is left up without a caller.
func TestServerForkAnsweredAfterCancel(t *testing.T) {
	f := ringTwoPhones(t, "crossed-call")
	caller, desk, soft, invDesk, invSoft := f.caller, f.desk, f.soft, f.invDesk, f.invSoft
	desk.send(desk.answer(invDesk, "sendrecv"))
	cancel := soft.next("CANCEL")
	// The soft phone had answered before the CANCEL reached it: its 200
	// to the INVITE crosses the CANCEL, which it then answers as a
	// transaction it no longer has pending.
	soft.send(soft.answer(invSoft, "sendrecv"))
	soft.send(reply(cancel, "481 Call/Transaction Does Not Exist"))
	if got := soft.next("ACK"); header(got, "Call-ID") != header(invSoft, "Call-ID") {
		t.Fatalf("ACK for another call:\n%s", got)
	}
	bye := soft.next("BYE")
	if header(bye, "Call-ID") != header(invSoft, "Call-ID") {
		t.Fatalf("BYE for another call:\n%s", bye)
	}
	soft.send(reply(bye, "200 OK"))
	desk.next("ACK")
	ok := caller.final("2 INVITE")
	if status(ok) != "200 OK" {
		t.Fatalf("caller got %q", status(ok))
	}
	caller.send(caller.inDialog("ACK", ok, 2, ""))
	caller.send(caller.inDialog("BYE", ok, 3, ""))
	desk.send(reply(desk.next("BYE"), "200 OK"))
	if res := caller.final("3 BYE"); status(res) != "200 OK" {
		t.Fatalf("BYE answered %q", status(res))
	}
}

// TestServerChallengeIsStateless checks that an INVITE's challenge keeps
// no transaction: its retransmission is challenged again, and the call
// then goes through with the credentials for either challenge.
func TestServerChallengeIsStateless(t *testing.T) {
	s := startServer(t, guard.Config{})
	caller := newPeer(t, s, "127.0.0.1")
	first := caller.invite("9999", "stateless-407", 1)
	ch := caller.expect(first)
	again := caller.expect(first)
	for _, res := range []string{ch, again} {
		if status(res) != "407 Proxy Authentication Required" {
			t.Fatalf("INVITE without credentials answered %q", status(res))
		}
	}
	caller.send(ack(first, again))
	caller.send(caller.invite("9999", "stateless-407", 2, authorization(t, ch, "INVITE", "sip:9999@"+s.Addr().String(), "1001", "secret", 1)))
	if res := caller.finalOf(); status(res) != "404 Not Found" {
		t.Fatalf("authenticated INVITE answered %q, want 404", status(res))
	}
}
