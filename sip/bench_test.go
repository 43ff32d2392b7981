package sip

import (
	"fmt"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/sip/guard"
)

// BenchmarkOptions is the baseline: one UDP round trip through sipgo's
// transport and transaction layers with the cheapest handler.
func BenchmarkOptions(b *testing.B) {
	s := startServer(b, guard.Config{})
	p := newPeer(b, s, "127.0.0.1")
	ruri := "sip:" + s.Addr().String()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if res := p.expect(p.request("OPTIONS", ruri, fmt.Sprintf("o%d", i), 1)); !strings.HasPrefix(res, "SIP/2.0 200") {
			b.Fatalf("OPTIONS: %s", status(res))
		}
	}
}

// BenchmarkRegister is one authenticated registration as a phone does it:
// REGISTER, 401 challenge, REGISTER with MD5 credentials, 200.
func BenchmarkRegister(b *testing.B) {
	s := startServer(b, guard.Config{})
	p := newPeer(b, s, "127.0.0.1")
	ruri := "sip:" + s.Addr().String()
	contact := "Contact: <sip:1001@" + p.local() + ">"
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		id := fmt.Sprintf("r%d", i)
		ch := p.expect(p.request("REGISTER", ruri, id, 1, contact))
		res := p.expect(p.request("REGISTER", ruri, id, 2, contact, authorization(b, ch, "REGISTER", ruri, "1001", "secret", 1)))
		if !strings.HasPrefix(res, "SIP/2.0 200") {
			b.Fatalf("REGISTER: %s", status(res))
		}
	}
}

// BenchmarkCall is one answered call between two extensions with its
// hangup: INVITE, 407, authenticated INVITE forked to the callee, 180, 200
// with SDP, ACKs, BYE relayed to the callee — media sessions anchored but
// no RTP sent.
func BenchmarkCall(b *testing.B) {
	s := startServer(b, guard.Config{})
	caller, callee := callPeers(b, s)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		id := fmt.Sprintf("call-%d", i)
		caller.call("1002", id)
		inv := callee.next("INVITE")
		callee.send(reply(inv, "180 Ringing"))
		callee.send(callee.answer(inv, "sendrecv"))
		callee.next("ACK")
		ok := caller.final("2 INVITE")
		caller.send(caller.inDialog("ACK", ok, 2, ""))
		caller.send(caller.inDialog("BYE", ok, 3, ""))
		callee.send(reply(callee.next("BYE"), "200 OK"))
		if res := caller.final("3 BYE"); !strings.HasPrefix(res, "SIP/2.0 200") {
			b.Fatalf("BYE: %s", status(res))
		}
	}
}
