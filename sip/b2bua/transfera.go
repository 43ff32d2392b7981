package b2bua

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/emiago/sipgo/sip"

	xfer "github.com/switchboard-cc/switchboard/sip/transfer"
)

// Transfer by the calling side: the extension that placed a call (to
// another extension, or out through a trunk) transfers the called party
// (leg B) with a blind REFER in its own dialog, leg A. The target is an
// extension or a number dialled through the trunks under the caller's
// class (flow and queue numbers, and attended transfer, are answered 501
// here). The called party hears music while the target rings; once the
// target answers, the two are bridged (the called party's leg and media
// session go on) and the caller's leg is hung up unless it sent BYE; the
// CDR ends there naming the transfer and a linked one goes on with the
// called party as caller. The two legs left relay hold and resume
// (re-INVITE) and INFO as on callback calls; a REFER there is answered
// 501.
// A failure goes as for leg B's transfers, except that with the
// transferor gone the called party hears goodbye.

// checkReferA reads a REFER of leg A into the transfer it asks for, or the
// status refusing it.
func (c *call) checkReferA(req *sip.Request) (*transfer, int, string) {
	c.mu.Lock()
	bridged, by := c.takes != nil && c.bl != nil, c.cdr.Caller
	c.mu.Unlock()
	ours, theirs := serverTags(c.a)
	fromTag, _ := req.From().Params.Get("tag")
	toTag, _ := req.To().Params.Get("tag")
	switch {
	case fromTag != theirs || toTag != ours:
		return nil, 481, "Call/Transaction Does Not Exist"
	case c.inbound:
		return nil, 403, "Forbidden"
	case !bridged:
		return nil, 501, "Not Implemented"
	}
	t, code, reason := referTarget(req)
	switch {
	case code != 0:
		return nil, code, reason
	case t.Replaces != nil, strings.HasPrefix(t.Number, "*"):
		return nil, 501, "Not Implemented"
	}
	route, refused := c.b.routeTransfer(by, t.Number)
	switch {
	case refused:
		return nil, 403, "Forbidden"
	case route.local != nil:
		return nil, 501, "Not Implemented"
	}
	contact := c.a.InviteRequest.Contact()
	return &transfer{number: t.Number, by: by, fromA: true, target: contact.Address, route: route,
		gone: make(chan struct{}), notes: make(chan frag, 2)}, 202, ""
}

// referTarget reads a REFER's Refer-To; code is 0, or the status refusing
// it.
func referTarget(req *sip.Request) (xfer.Target, int, string) {
	var values []string
	for _, name := range []string{"Refer-To", "r"} {
		for _, h := range req.GetHeaders(name) {
			values = append(values, h.Value())
		}
	}
	t, err := xfer.ParseReferTo(values)
	switch {
	case errors.Is(err, xfer.ErrUnsupported):
		return t, 501, "Not Implemented"
	case err != nil:
		return t, 400, "Bad Refer-To"
	}
	return t, 0, ""
}

// callerLeft takes a BYE of leg A while leg A transfers the call, and
// reports whether it was one.
func (c *call) callerLeft(req *sip.Request, tx sip.ServerTransaction) bool {
	c.mu.Lock()
	x := c.xfer
	c.mu.Unlock()
	if x == nil || !x.fromA || !x.present() || !c.callerBye.CompareAndSwap(false, true) {
		return false
	}
	x.left()
	if c.a.ReadBye(req, tx) != nil {
		tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
	}
	return true
}

// transferB runs a transfer by leg A for connect, the bridge stopped, and
// reports whether the call is over (done: connect returns) or goes on
// bridged as before.
func (c *call) transferB(w *referWatch, x *transfer) (done bool) {
	b := c.b
	ctx, stop := c.untilHangup()
	x.report(100, "Trying")
	stopMusic := onHold(ctx, c.sessB)
	leg, release, code, reason := c.ringFor(ctx, x, c.sessB.Remote(), c.cdr.Callee)
	stopMusic()
	if cause := stop(); cause != "" {
		c.abandonTransfer(x, leg, release)
		c.hungUp(cause)
		return true
	}
	status := fmt.Sprintf("%d %s", code, reason)
	if code == 200 {
		defer release()
		// The legs are rearranged before the NOTIFY, after which the
		// phones may hang up at once.
		c.handOverA(x, "transferred by "+x.by+" to "+x.number, x.number)
		cc := c.joinTarget(leg)
		x.report(code, reason)
		c.bridgeToTarget(cc, leg)
		return true
	}
	x.report(code, reason)
	switch {
	case x.present():
		b.log.Info("b2bua: transfer failed", "call_id", c.aID, "by", x.by, "to", x.number, "status", code, "reason", reason)
		x.failure = status
		w.arm(x)
		return false
	}
	c.goodbyeB(x, status)
	return true
}

// handOverA ends the CDR of the call leg A transferred (with cause) and
// starts the one of the called party's call with to: the called party is
// its caller (and leg B's session now counts as leg A's). Leg A is hung
// up unless its BYE comes within byeTimeout.
func (c *call) handOverA(x *transfer, cause, to string) {
	c.mu.Lock()
	sessA, sessB := c.sessA, c.sessB
	c.mu.Unlock()
	sa, sb := sessA.Stats(), sessB.Stats()
	c.mu.Lock()
	c.sessA, c.sessB = sessB, nil
	callee := c.cdr.Callee
	c.mu.Unlock()
	x.sess = sessA
	c.splitCDR(x, cause, sa, sb, sb, callee, to)
	c.linger(x, func(ctx context.Context) error { return c.a.Bye(ctx) }, func() { sessA.Close() })
}

// joinTarget moves leg B and the target's leg into a callbackCall (their
// BYEs are read there) and returns it.
func (c *call) joinTarget(leg *AgentLeg) *callbackCall {
	b := c.b
	c.mu.Lock()
	bl, bID := c.bl, c.bID
	c.bl, c.bID, c.sessB = nil, "", leg.sess
	c.mu.Unlock()
	cc := newCallbackCall(c.committed)
	b.addCallbackLeg(cc, bl, c.sessA)
	b.addCallbackLeg(cc, leg.dlg, leg.sess)
	b.untrackOwn(bID, c)
	return cc
}

// bridgeToTarget bridges the called party (leg B, whose session is now
// c.sessA) to the transfer's target until either hangs up or the
// appliance stops, then hangs both up.
func (c *call) bridgeToTarget(cc *callbackCall, leg *AgentLeg) {
	b := c.b
	defer b.untrackCallback(cc)
	r := startRelay(c.sessA, leg.sess)
	select {
	case <-cc.hangup:
		c.cdr.HangupCause = "hung up"
	case <-c.hangup: // leg B's BYE read just before it moved
		c.cdr.HangupCause = "hung up"
	case err := <-r.done:
		r.ended()
		c.cdr.HangupCause = "media: " + errString(err)
	case <-b.stop:
		c.cdr.HangupCause = causeShutdown
	}
	r.stop()
	b.byeLegs(cc)
}

// goodbyeB ends a call whose transfer by leg A failed once leg A had hung
// up: the called party hears goodbye and is hung up; the CDRs say why.
func (c *call) goodbyeB(x *transfer, status string) {
	c.b.log.Info("b2bua: transfer failed after the caller left", "call_id", c.aID, "by", x.by, "to", x.number, "status", status)
	c.handOverA(x, "transfer by "+x.by+" to "+x.number+" failed: "+status, "")
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	c.b.goodbye(ctx, c.sessA)
	cancel()
	c.cdr.HangupCause = "failed transfer ended"
	c.byeB("transfer failed")
}
