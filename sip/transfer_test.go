package sip

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/sip/guard"
	xfer "github.com/switchboard-cc/switchboard/sip/transfer"
)

// transferCall is a call from 1001 answered by 1002, with 1003 registered.
type transferCall struct {
	s                      *Server
	caller, callee, target *peer
	inv                    string // the INVITE 1002 answered
	ok                     string // the 200 OK 1001 got
	cseq                   int    // the callee's last CSeq in its dialog
}

func newTransferCall(t *testing.T, callID string) *transferCall {
	t.Helper()
	s := startServer(t, guard.Config{})
	caller, callee := callPeers(t, s)
	target := newPeer(t, s, "127.0.0.1")
	target.user = "1003"
	target.register("sip:" + s.Addr().String())
	caller.call("1002", callID)
	inv := callee.next("INVITE")
	callee.send(callee.answer(inv, "sendrecv"))
	callee.next("ACK")
	ok := caller.final("2 INVITE")
	if status(ok) != "200 OK" {
		t.Fatalf("call answered %q", status(ok))
	}
	caller.send(caller.inDialog("ACK", ok, 2, ""))
	return &transferCall{s: s, caller: caller, callee: callee, target: target, inv: inv, ok: ok}
}

// calleeRequest builds a request of the callee in its dialog (it is the
// UAS: From is the INVITE's To with its tag, To the INVITE's From).
func (tc *transferCall) calleeRequest(method string, extra ...string) string {
	tc.cseq++
	return uasRequest(tc.callee, tc.inv, method, tc.cseq, "", "", extra...)
}

// okTo answers an in-dialog request 200 OK, its To kept as is.
func okTo(req string) string {
	var lines []string
	lines = append(lines, "SIP/2.0 200 OK")
	for _, l := range strings.Split(req, "\r\n") {
		if n, _, ok := strings.Cut(l, ":"); ok && strings.EqualFold(n, "Via") {
			lines = append(lines, l)
		}
	}
	lines = append(lines, "From: "+header(req, "From"), "To: "+header(req, "To"), "Call-ID: "+header(req, "Call-ID"),
		"CSeq: "+header(req, "CSeq"), "Content-Length: 0", "", "")
	return strings.Join(lines, "\r\n")
}

// refer sends a REFER to number from the callee and returns the answer's
// status.
func (tc *transferCall) refer(number string) string {
	return status(tc.callee.expect(tc.calleeRequest("REFER", "Refer-To: <sip:"+number+"@"+tc.s.Addr().String()+">")))
}

// accepted sends a REFER to number from the callee and checks it is
// accepted and reported trying.
func (tc *transferCall) accepted(t *testing.T, number string) {
	t.Helper()
	if got := tc.refer(number); got != "202 Accepted" {
		t.Fatalf("REFER answered %q", got)
	}
	if code := tc.notified(t); code != 100 {
		t.Fatalf("first NOTIFY %d, want 100", code)
	}
}

// hangUp sends the callee's BYE in its dialog.
func (tc *transferCall) hangUp(t *testing.T) {
	t.Helper()
	if got := status(tc.callee.expect(tc.calleeRequest("BYE"))); got != "200 OK" {
		t.Fatalf("transferor's BYE answered %q", got)
	}
}

// hangUpBridged ends the call from the callee, bridged to other: other's
// BYE is answered first, as the callee's 200 OK waits for the call's CDR.
func (tc *transferCall) hangUpBridged(t *testing.T, other *peer) {
	t.Helper()
	tc.callee.send(tc.calleeRequest("BYE"))
	other.send(okTo(other.next("BYE")))
	if got := status(tc.callee.final(strconv.Itoa(tc.cseq) + " BYE")); got != "200 OK" {
		t.Fatalf("callee's BYE answered %q", got)
	}
}

// saidGoodbye checks that the caller, left by the transferor after the
// transfer to number failed with status, is hung up by the appliance (no
// queue to go back to) and that the CDRs say why.
func (tc *transferCall) saidGoodbye(t *testing.T, callID, number, status string) {
	t.Helper()
	bye := tc.caller.next("BYE")
	tc.caller.send(okTo(bye))
	recs := cdrsOf(t, tc.s, callID, 2)
	if recs[0].TransferredTo != number || !strings.Contains(recs[0].HangupCause, "failed: "+status) ||
		recs[1].TransferredFrom != recs[0].ID || !strings.Contains(recs[1].HangupCause, "failed transfer ended") {
		t.Errorf("CDRs %+v", recs)
	}
}

// callerRefers sends a REFER to number from the caller (CSeq 3 of its
// dialog) and checks it is accepted.
func (tc *transferCall) callerRefers(t *testing.T, number string) {
	t.Helper()
	refer := strings.Replace(tc.caller.inDialog("REFER", tc.ok, 3, ""), "Content-Length: 0",
		"Refer-To: <sip:"+number+"@"+tc.s.Addr().String()+">\r\nContent-Length: 0", 1)
	if got := tc.caller.expect(refer); status(got) != "202 Accepted" {
		t.Fatalf("REFER answered:\n%s", got)
	}
}

// notified waits for the callee's NOTIFY, answers it and returns its
// sipfrag status code.
func (tc *transferCall) notified(t *testing.T) int {
	t.Helper()
	return notifiedAt(t, tc.callee)
}

// notifiedAt waits for a NOTIFY at p, answers it and returns its sipfrag
// status code.
func notifiedAt(t *testing.T, p *peer) int {
	t.Helper()
	n := p.next("NOTIFY")
	p.send(okTo(n))
	if header(n, "Event") != "refer" || !strings.HasPrefix(header(n, "Content-Type"), "message/sipfrag") {
		t.Fatalf("NOTIFY without Event: refer and a sipfrag:\n%s", n)
	}
	_, body, _ := strings.Cut(n, "\r\n\r\n")
	code, _, err := xfer.ParseFrag([]byte(body))
	if err != nil {
		t.Fatalf("NOTIFY body: %v\n%s", err, n)
	}
	return code
}

// cdrsOf waits until n CDRs of callID are closed and returns them, oldest
// first.
func cdrsOf(t *testing.T, s *Server, callID string, n int) []store.CDR {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		all, err := s.st.ListCDRs(context.Background(), store.CDRFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var got []store.CDR
		for _, c := range all {
			if c.CallID == callID && !c.EndedAt.IsZero() {
				got = append(got, c)
			}
		}
		if len(got) >= n {
			slices.Reverse(got)
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d closed CDRs of %s, want %d", len(got), callID, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestBlindTransfer: 1002, called by 1001, transfers 1001 to 1003 (REFER):
// 202, NOTIFY 100 then 200, 1003 rings and answers, the transferor's leg
// ends with its BYE, and 1001 is now on the call with 1003 (1001's BYE
// reaches 1003). The first CDR ends at the transfer and names it; the
// second goes on with 1003, linked to it.
func TestBlindTransfer(t *testing.T) {
	tc := newTransferCall(t, "xfer-blind")
	tc.accepted(t, "1003")
	inv := tc.target.next("INVITE")
	anchored(t, tc.s, inv)
	if !strings.Contains(header(inv, "From"), "sip:1001@") || !strings.HasPrefix(header(inv, "Referred-By"), "<sip:1002@") {
		t.Errorf("the target sees %q referred by %q, want the transferee 1001 referred by 1002", header(inv, "From"), header(inv, "Referred-By"))
	}
	tc.target.send(tc.target.answer(inv, "sendrecv"))
	tc.target.next("ACK")
	if code := tc.notified(t); code != 200 {
		t.Fatalf("final NOTIFY %d, want 200", code)
	}
	tc.hangUp(t)
	tc.caller.send(tc.caller.inDialog("BYE", tc.ok, 3, ""))
	bye := tc.target.next("BYE")
	tc.target.send(reply(bye, "200 OK"))
	recs := cdrsOf(t, tc.s, "xfer-blind", 2)
	first, second := recs[0], recs[1]
	if first.Callee != "1002" || first.TransferredBy != "1002" || first.TransferredTo != "1003" || first.Disposition != "answered" {
		t.Errorf("first CDR %+v", first)
	}
	if second.Caller != "1001" || second.Callee != "1003" || second.TransferredBy != "1002" || second.TransferredFrom != first.ID ||
		second.Disposition != "answered" || second.HangupCause != "caller hung up" {
		t.Errorf("second CDR %+v", second)
	}
}

// TestTransferToMissingNumberKeepsTheCall: a REFER to a number that is no
// extension is accepted, its NOTIFY says 404, and the two stay connected.
func TestTransferToMissingNumberKeepsTheCall(t *testing.T) {
	tc := newTransferCall(t, "xfer-missing")
	tc.accepted(t, "1999")
	if code := tc.notified(t); code != 404 {
		t.Fatalf("final NOTIFY %d, want 404", code)
	}
	// Still bridged: the caller's hold reaches the callee, its BYE too.
	hold := "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendonly\r\n"
	tc.caller.send(tc.caller.inDialog("INVITE", tc.ok, 3, hold))
	reinv := tc.callee.next("INVITE")
	tc.callee.send(tc.callee.answer(reinv, "recvonly"))
	if got := status(tc.caller.final("3 INVITE")); got != "200 OK" {
		t.Fatalf("hold after the failed transfer: %q", got)
	}
	tc.caller.send(tc.caller.inDialog("BYE", tc.ok, 4, ""))
	bye := tc.callee.next("BYE")
	tc.callee.send(okTo(bye))
	rec := cdrsOf(t, tc.s, "xfer-missing", 1)
	if len(rec) != 1 || rec[0].TransferredTo != "" || rec[0].Callee != "1002" {
		t.Errorf("CDRs %+v, want the one call with 1002", rec)
	}
}

// TestTransferBusyAfterTransferorLeft: the transferor hangs up at once;
// the target is busy: the caller is not left alone: with no queue to go
// back to, it hears goodbye and is hung up, and the CDR says why.
func TestTransferBusyAfterTransferorLeft(t *testing.T) {
	tc := newTransferCall(t, "xfer-busy")
	tc.accepted(t, "1003")
	tc.hangUp(t)
	inv := tc.target.next("INVITE")
	tc.target.send(reply(inv, "486 Busy Here"))
	tc.saidGoodbye(t, "xfer-busy", "1003", "486 Busy Here")
}

// TestReferRefusals: REFERs the appliance cannot act on get the answer
// RFC 3515 asks for and change nothing.
func TestReferRefusals(t *testing.T) {
	tc := newTransferCall(t, "xfer-refused")
	srv := tc.s.Addr().String()
	outside := tc.callee.request("REFER", "sip:1003@"+srv, "xfer-outside", 1, "Refer-To: <sip:1003@"+srv+">")
	if got := status(tc.callee.expect(outside)); got != "403 Forbidden" {
		t.Errorf("out-of-dialog REFER answered %q, want 403", got)
	}
	unknown := strings.Replace(tc.calleeRequest("REFER", "Refer-To: <sip:1003@"+srv+">"), "Call-ID: "+header(tc.inv, "Call-ID"), "Call-ID: nothing-here", 1)
	if got := status(tc.callee.expect(unknown)); !strings.HasPrefix(got, "481") {
		t.Errorf("REFER in an unknown dialog answered %q, want 481", got)
	}
	forged := strings.Replace(tc.calleeRequest("REFER", "Refer-To: <sip:1003@"+srv+">"), "tag=callee", "tag=forged", 1)
	if got := status(tc.callee.expect(forged)); !strings.HasPrefix(got, "481") {
		t.Errorf("REFER with another dialog's tags answered %q, want 481", got)
	}
	for _, c := range []struct{ name, referTo, want string }{
		{"no Refer-To", "", "400"},
		{"two Refer-To", "Refer-To: <sip:1003@h>\r\nRefer-To: <sip:1001@h>", "400"},
		{"bad Refer-To", "Refer-To: <sip:@h>", "400"},
		{"mailto", "Refer-To: <mailto:a@b>", "501"},
		{"Replaces of no call", "Refer-To: <sip:1003@h?Replaces=a%3Bto-tag%3D1%3Bfrom-tag%3D2>", "481"},
		{"feature code", "Refer-To: <sip:*46@h>", "403"},
	} {
		var extra []string
		if c.referTo != "" {
			extra = append(extra, c.referTo)
		}
		if got := status(tc.callee.expect(tc.calleeRequest("REFER", extra...))); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: answered %q, want %s", c.name, got, c.want)
		}
	}
	callerRefer := strings.Replace(tc.caller.inDialog("REFER", tc.ok, 3, ""), "Content-Length: 0", "Refer-To: <sip:1003@"+srv+"?Replaces=a%3Bto-tag%3D1%3Bfrom-tag%3D2>\r\nContent-Length: 0", 1)
	if got := status(tc.caller.expect(callerRefer)); !strings.HasPrefix(got, "501") {
		t.Errorf("attended transfer from the caller's leg answered %q, want 501", got)
	}

	// A second REFER while the first rings its target: 491.
	tc.accepted(t, "1003")
	inv := tc.target.next("INVITE")
	if got := tc.refer("1003"); !strings.HasPrefix(got, "491") {
		t.Errorf("REFER during a transfer answered %q, want 491", got)
	}
	// The target declines: the call goes on with the callee.
	tc.target.send(reply(inv, "603 Decline"))
	if code := tc.notified(t); code != 603 {
		t.Errorf("final NOTIFY %d, want 603", code)
	}
	tc.caller.send(tc.caller.inDialog("BYE", tc.ok, 4, ""))
	bye := tc.callee.next("BYE")
	tc.callee.send(okTo(bye))
	if recs := cdrsOf(t, tc.s, "xfer-refused", 1); len(recs) != 1 || recs[0].HangupCause != "caller hung up" {
		t.Errorf("CDRs %+v", recs)
	}
}

// TestTransferFailsThenTransferorLeaves: the transfer fails while the
// transferor is on the call, which then hangs up at once (as baresip does
// when its blind transfer fails): the caller is not dropped with it but,
// with no queue to go back to, hears goodbye and is hung up by the
// appliance; the CDR says the transfer failed.
func TestTransferFailsThenTransferorLeaves(t *testing.T) {
	tc := newTransferCall(t, "xfer-fail-leave")
	tc.accepted(t, "1003")
	inv := tc.target.next("INVITE")
	tc.target.send(reply(inv, "486 Busy Here"))
	if code := tc.notified(t); code != 486 {
		t.Fatalf("final NOTIFY %d, want 486", code)
	}
	tc.hangUp(t)
	tc.saidGoodbye(t, "xfer-fail-leave", "1003", "486 Busy Here")
}

// tagOf returns the tag parameter of a From or To header value.
func tagOf(v string) string {
	_, tag, _ := strings.Cut(v, ";tag=")
	tag, _, _ = strings.Cut(tag, ";")
	return tag
}

// TestAttendedTransfer: 1002, called by 1001, consults 1003 in a second
// call through the appliance, then sends REFER in the first call naming
// the consultation with Replaces: 1001 and 1003 are joined without a new
// INVITE to either phone (1001's BYE reaches 1003 in the consultation
// call's dialog), both of 1002's legs end, and the CDRs name the transfer.
func TestAttendedTransfer(t *testing.T) {
	tc := newTransferCall(t, "xfer-attended")
	tc.callee.call("1003", "consult")
	inv := tc.target.next("INVITE")
	tc.target.send(tc.target.answer(inv, "sendrecv"))
	tc.target.next("ACK")
	ok := tc.callee.final("2 INVITE")
	if status(ok) != "200 OK" {
		t.Fatalf("consultation answered %q", status(ok))
	}
	tc.callee.send(tc.callee.inDialog("ACK", ok, 2, ""))

	replaces := url.PathEscape("consult;to-tag=" + tagOf(header(ok, "To")) + ";from-tag=" + tagOf(header(ok, "From")))
	replaces = strings.NewReplacer(";", "%3B", "=", "%3D").Replace(replaces)
	refer := tc.calleeRequest("REFER", "Refer-To: <sip:1003@"+tc.s.Addr().String()+"?Replaces="+replaces+">")
	if got := tc.callee.expect(refer); status(got) != "202 Accepted" {
		t.Fatalf("REFER answered:\n%s", got)
	}
	if code := tc.notified(t); code != 100 {
		t.Fatalf("first NOTIFY %d", code)
	}
	if code := tc.notified(t); code != 200 {
		t.Fatalf("final NOTIFY %d, want 200", code)
	}
	bye := tc.callee.next("BYE")
	if header(bye, "Call-ID") != "consult" {
		t.Fatalf("BYE of another call than the consultation:\n%s", bye)
	}
	tc.callee.send(okTo(bye))
	tc.hangUp(t)

	tc.caller.send(tc.caller.inDialog("BYE", tc.ok, 3, ""))
	bye = tc.target.next("BYE")
	if header(bye, "Call-ID") != header(inv, "Call-ID") {
		t.Fatalf("1003's BYE is not in its consultation dialog:\n%s", bye)
	}
	tc.target.send(okTo(bye))

	recs := cdrsOf(t, tc.s, "xfer-attended", 2)
	if recs[0].TransferredTo != "1003" || recs[0].TransferredBy != "1002" || recs[1].Callee != "1003" || recs[1].TransferredFrom != recs[0].ID ||
		recs[1].HangupCause != "caller hung up" {
		t.Errorf("the transferred call's CDRs %+v", recs)
	}
	consult := cdrsOf(t, tc.s, "consult", 1)[0]
	if consult.Caller != "1002" || consult.Callee != "1003" || consult.TransferredTo != "1003" || !strings.Contains(consult.HangupCause, "attended transfer") {
		t.Errorf("the consultation's CDR %+v", consult)
	}
}

// TestHangUpAfterRefusedRefer: the callee's REFER is refused (403) and
// its phone hangs up at once (baresip 1.0 does): the caller is handled as
// after a failed transfer whose transferor left (here: goodbye), not
// dropped with it.
func TestHangUpAfterRefusedRefer(t *testing.T) {
	tc := newTransferCall(t, "xfer-refused-leave")
	if got := tc.refer("*46"); !strings.HasPrefix(got, "403") {
		t.Fatalf("REFER to a feature code answered %q, want 403", got)
	}
	tc.hangUp(t)
	tc.saidGoodbye(t, "xfer-refused-leave", "*46", "403 Forbidden")
}

// TestCallerTransfersCallee: the calling extension transfers the called
// party: 1001, having called 1002, sends REFER to 1003; 1002 hears music
// while 1003 rings, then the two are bridged (1002's BYE reaches 1003),
// 1001's leg ends, and the CDRs follow: 1001→1002 transferred by 1001 to
// 1003, then 1002→1003 linked to it.
func TestCallerTransfersCallee(t *testing.T) {
	tc := newTransferCall(t, "xfer-by-caller")
	tc.callerRefers(t, "1003")
	if code := notifiedAt(t, tc.caller); code != 100 {
		t.Fatalf("first NOTIFY %d", code)
	}
	inv := tc.target.next("INVITE")
	if !strings.Contains(header(inv, "From"), "sip:1002@") {
		t.Errorf("the target sees %q, want the transferee 1002", header(inv, "From"))
	}
	tc.target.send(tc.target.answer(inv, "sendrecv"))
	tc.target.next("ACK")
	if code := notifiedAt(t, tc.caller); code != 200 {
		t.Fatalf("final NOTIFY %d, want 200", code)
	}
	if got := status(tc.caller.expect(tc.caller.inDialog("BYE", tc.ok, 4, ""))); got != "200 OK" {
		t.Fatalf("transferor's BYE answered %q", got)
	}
	tc.hangUpBridged(t, tc.target)
	recs := cdrsOf(t, tc.s, "xfer-by-caller", 2)
	if r := recs[0]; r.Caller != "1001" || r.Callee != "1002" || r.TransferredBy != "1001" || r.TransferredTo != "1003" {
		t.Errorf("first CDR %+v", r)
	}
	if r := recs[1]; r.Caller != "1002" || r.Callee != "1003" || r.TransferredFrom != recs[0].ID || r.HangupCause != "hung up" {
		t.Errorf("second CDR %+v", r)
	}
}

// TestCallerTransferFailsThenCallerLeaves: the caller's transfer of the
// called party to a missing number fails (NOTIFY 404) and the caller
// hangs up: the called party hears goodbye and is hung up, not dropped
// silently.
func TestCallerTransferFailsThenCallerLeaves(t *testing.T) {
	tc := newTransferCall(t, "xfer-by-caller-fails")
	tc.callerRefers(t, "1999")
	notifiedAt(t, tc.caller)
	if code := notifiedAt(t, tc.caller); code != 404 {
		t.Fatalf("final NOTIFY %d, want 404", code)
	}
	if got := status(tc.caller.expect(tc.caller.inDialog("BYE", tc.ok, 4, ""))); got != "200 OK" {
		t.Fatalf("caller's BYE answered %q", got)
	}
	bye := tc.callee.next("BYE")
	tc.callee.send(okTo(bye))
	recs := cdrsOf(t, tc.s, "xfer-by-caller-fails", 2)
	if !strings.Contains(recs[0].HangupCause, "failed: 404 Not Found") || recs[1].Caller != "1002" || recs[1].HangupCause != "failed transfer ended" {
		t.Errorf("CDRs %+v", recs)
	}
}
