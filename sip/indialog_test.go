package sip

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/sip/b2bua"
	"github.com/switchboard-cc/switchboard/sip/guard"
)

// uasRequest builds a request of p in the dialog it answered (the INVITE
// inv, answered with To tag "callee"): From is the INVITE's To with its
// tag, To the INVITE's From. A body is sent with contentType.
func uasRequest(p *peer, inv, method string, cseq int, contentType, body string, extra ...string) string {
	target := strings.Trim(header(inv, "Contact"), "<>")
	lines := []string{method + " " + target + " SIP/2.0",
		fmt.Sprintf("Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s-%s-%d;rport", p.local(), p.user, method, cseq),
		"Max-Forwards: 70", "From: " + header(inv, "To") + ";tag=callee", "To: " + header(inv, "From"),
		"Call-ID: " + header(inv, "Call-ID"), fmt.Sprintf("CSeq: %d %s", cseq, method),
		"Contact: <sip:" + p.user + "@" + p.local() + ">"}
	lines = append(lines, extra...)
	if body != "" {
		lines = append(lines, "Content-Type: "+contentType)
	}
	return strings.Join(lines, "\r\n") + fmt.Sprintf("\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}

// phoneMedia is a raw phone's RTP socket.
type phoneMedia struct {
	t    *testing.T
	conn *net.UDPConn
	seq  uint16
}

func newPhoneMedia(t *testing.T) *phoneMedia {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &phoneMedia{t: t, conn: c}
}

// sdp is an SDP offering or answering PCMU on m's socket with direction.
func (m *phoneMedia) sdp(direction string) string {
	return fmt.Sprintf("v=0\r\no=- 3 3 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=%s\r\n",
		m.conn.LocalAddr().(*net.UDPAddr).Port, direction)
}

// answer is p's 200 OK to the INVITE req with m's SDP.
func (m *phoneMedia) answer(p *peer, req, direction string) string {
	sdp := m.sdp(direction)
	res := strings.TrimSuffix(reply(req, "200 OK"), "Content-Length: 0\r\n\r\n")
	return res + "Contact: <sip:" + p.user + "@" + p.local() + ">\r\n" +
		fmt.Sprintf("Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s", len(sdp), sdp)
}

// mediaAddr is the audio address in msg's SDP.
func mediaAddr(t *testing.T, msg string) *net.UDPAddr {
	t.Helper()
	var host string
	port := 0
	for _, l := range strings.Split(msg, "\r\n") {
		if v, ok := strings.CutPrefix(l, "c=IN IP4 "); ok {
			host = v
		}
		if v, ok := strings.CutPrefix(l, "m=audio "); ok {
			port, _ = strconv.Atoi(strings.Fields(v)[0])
		}
	}
	if host == "" || port == 0 {
		t.Fatalf("no audio address in:\n%s", msg)
	}
	return &net.UDPAddr{IP: net.ParseIP(host), Port: port}
}

// reaches sends PCMU packets from m to the appliance at to, one every
// 20 ms, until one arrives at dst (at most 5 s).
func (m *phoneMedia) reaches(to *net.UDPAddr, dst *phoneMedia) {
	m.t.Helper()
	buf := make([]byte, 1500)
	for range 250 {
		m.seq++
		pkt := make([]byte, 12+160) // RTP v2, PCMU, 20 ms of silence
		pkt[0] = 0x80
		binary.BigEndian.PutUint16(pkt[2:], m.seq)
		binary.BigEndian.PutUint32(pkt[4:], uint32(m.seq)*160)
		binary.BigEndian.PutUint32(pkt[8:], 0x5eed)
		if _, err := m.conn.WriteToUDP(pkt, to); err != nil {
			m.t.Fatal(err)
		}
		dst.conn.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		if n, _, err := dst.conn.ReadFromUDP(buf); err == nil && n > 12 {
			return
		}
	}
	m.t.Fatal("no audio relayed")
}

// bridgedCallback is a callback bridged by the appliance: agent 1002 was
// called first, then customer 1003.
type bridgedCallback struct {
	s                   *Server
	agent, customer     *peer
	agentRTP, custRTP   *phoneMedia
	agentInv, custInv   string // the INVITEs each phone answered
	agentCSeq, custCSeq int
	placed              chan error
}

func newCallbackCall(t *testing.T) *bridgedCallback {
	t.Helper()
	s := startServer(t, guard.Config{})
	cc := &bridgedCallback{s: s, placed: make(chan error, 1), agentRTP: newPhoneMedia(t), custRTP: newPhoneMedia(t)}
	cc.agent, cc.customer = newPeer(t, s, "127.0.0.1"), newPeer(t, s, "127.0.0.1")
	cc.agent.user, cc.customer.user = "1002", "1003"
	cc.agent.register("sip:" + s.Addr().String())
	cc.customer.register("sip:" + s.Addr().String())
	go func() {
		cc.placed <- s.PlaceCallback(context.Background(), b2bua.Callback{Extension: "1002", Number: "1003", Accept: func() error { return nil }})
	}()
	cc.agentInv = cc.agent.next("INVITE")
	cc.agent.send(cc.agentRTP.answer(cc.agent, cc.agentInv, "sendrecv"))
	cc.agent.next("ACK")
	cc.custInv = cc.customer.next("INVITE")
	cc.customer.send(cc.custRTP.answer(cc.customer, cc.custInv, "sendrecv"))
	cc.customer.next("ACK")
	cc.agentRTP.reaches(mediaAddr(t, cc.agentInv), cc.custRTP)
	return cc
}

// agentRequest sends a request of the agent in its dialog and returns the
// final answer.
func (cc *bridgedCallback) agentRequest(method, contentType, body string, extra ...string) string {
	cc.agentCSeq++
	return cc.agent.expect(uasRequest(cc.agent, cc.agentInv, method, cc.agentCSeq, contentType, body, extra...))
}

// hangUp ends the call from the customer's phone and waits for the
// callback to end: the agent's BYE is answered first, as the customer's
// 200 OK waits for the call's CDR.
func (cc *bridgedCallback) hangUp(t *testing.T) {
	t.Helper()
	cc.custCSeq++
	cc.customer.send(uasRequest(cc.customer, cc.custInv, "BYE", cc.custCSeq, "", ""))
	cc.agent.send(okTo(cc.agent.next("BYE")))
	if got := status(cc.customer.final(strconv.Itoa(cc.custCSeq) + " BYE")); got != "200 OK" {
		t.Fatalf("customer's BYE answered %q", got)
	}
	select {
	case err := <-cc.placed:
		if err != nil {
			t.Fatalf("PlaceCallback: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the callback did not end")
	}
}

// relayedHold sends a re-INVITE with direction through send, checks that
// to gets one with that direction in the appliance's SDP, answers it with
// want, and checks the sender's 200 OK says want too.
func relayedHold(t *testing.T, s *Server, send func(direction string) string, to *peer, toRTP *phoneMedia, direction, want string) {
	t.Helper()
	done := make(chan string, 1)
	go func() { done <- send(direction) }()
	reinv := to.next("INVITE")
	anchored(t, s, reinv)
	if !strings.Contains(reinv, "a="+direction+"\r\n") {
		t.Fatalf("re-INVITE to %s without a=%s:\n%s", to.user, direction, reinv)
	}
	to.send(toRTP.answer(to, reinv, want))
	to.next("ACK")
	res := <-done
	if status(res) != "200 OK" || !strings.Contains(res, "a="+want+"\r\n") {
		t.Fatalf("%s answered:\n%s", direction, res)
	}
	anchored(t, s, res)
}

// TestCallbackHoldResume: the agent of a callback puts the customer on
// hold (re-INVITE sendonly) and resumes: the customer's leg gets each
// re-INVITE with the direction and the appliance's SDP, and audio flows
// both ways after the resume.
func TestCallbackHoldResume(t *testing.T) {
	cc := newCallbackCall(t)
	send := func(direction string) string {
		return cc.agentRequest("INVITE", "application/sdp", cc.agentRTP.sdp(direction))
	}
	relayedHold(t, cc.s, send, cc.customer, cc.custRTP, "sendonly", "recvonly")
	relayedHold(t, cc.s, send, cc.customer, cc.custRTP, "sendrecv", "sendrecv")
	cc.agentRTP.reaches(mediaAddr(t, cc.agentInv), cc.custRTP)
	cc.custRTP.reaches(mediaAddr(t, cc.custInv), cc.agentRTP)
	cc.hangUp(t)
}

// TestCallbackInfoAndRefer: a DTMF digit the agent sends by INFO reaches
// the customer; the agent's REFER is refused 501 and the call goes on.
func TestCallbackInfoAndRefer(t *testing.T) {
	cc := newCallbackCall(t)
	body := "Signal=5\r\nDuration=160\r\n"
	done := make(chan string, 1)
	go func() { done <- cc.agentRequest("INFO", "application/dtmf-relay", body) }()
	info := cc.customer.next("INFO")
	cc.customer.send(okTo(info))
	if !strings.HasSuffix(info, body) || header(info, "Content-Type") != "application/dtmf-relay" {
		t.Fatalf("INFO relayed as:\n%s", info)
	}
	if got := status(<-done); got != "200 OK" {
		t.Fatalf("INFO answered %q", got)
	}
	refer := cc.agentRequest("REFER", "", "", "Refer-To: <sip:1001@"+cc.s.Addr().String()+">")
	if got := status(refer); got != "501 Not Implemented" {
		t.Fatalf("REFER answered %q", got)
	}
	cc.agentRTP.reaches(mediaAddr(t, cc.agentInv), cc.custRTP)
	cc.hangUp(t)
}

// TestHoldAfterCallerTransfer: once the caller transferred the called
// party 1002 to 1003, 1002's hold re-INVITE reaches 1003.
func TestHoldAfterCallerTransfer(t *testing.T) {
	tc := newTransferCall(t, "hold-after-xfer")
	tc.callerRefers(t, "1003")
	notifiedAt(t, tc.caller)
	inv := tc.target.next("INVITE")
	targetRTP := newPhoneMedia(t)
	tc.target.send(targetRTP.answer(tc.target, inv, "sendrecv"))
	tc.target.next("ACK")
	if code := notifiedAt(t, tc.caller); code != 200 {
		t.Fatalf("final NOTIFY %d, want 200", code)
	}
	if got := status(tc.caller.expect(tc.caller.inDialog("BYE", tc.ok, 4, ""))); got != "200 OK" {
		t.Fatalf("transferor's BYE answered %q", got)
	}
	send := func(direction string) string {
		tc.cseq++
		return tc.callee.expect(uasRequest(tc.callee, tc.inv, "INVITE", tc.cseq, "application/sdp", calleeSDP(direction)))
	}
	relayedHold(t, tc.s, send, tc.target, targetRTP, "inactive", "inactive")
	relayedHold(t, tc.s, send, tc.target, targetRTP, "sendrecv", "sendrecv")
	tc.hangUpBridged(t, tc.target)
	cdrsOf(t, tc.s, "hold-after-xfer", 2)
}

// calleeSDP is the callee's SDP (port 41000) with direction.
func calleeSDP(direction string) string {
	return "v=0\r\no=- 2 3 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 41000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=" + direction + "\r\n"
}
