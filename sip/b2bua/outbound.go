package b2bua

import (
	"context"
	"errors"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/media"
	"github.com/switchboard-cc/switchboard/sip/dialplan"
	"github.com/switchboard-cc/switchboard/sip/tollfraud"
)

// causeBudget ends an international call whose daily budget is spent.
const causeBudget = "international minutes spent"

// errSilentTrunk cancels a trunk attempt that got no response at all; the
// sipgo cause makes WaitAnswer return at once instead of waiting Timer B.
var errSilentTrunk = sipgo.WaitAnswerForceCancelErr

// HandleOutbound runs a call from caller (an authenticated extension) to
// the number in the Request-URI through the phone network: the dial plan
// picks the route and checks the caller's class (403, with a CDR), the
// toll-fraud guard admits it (403/503 and an alert), and the route's trunks
// are tried in order, the next one only on 5xx or silence. Providers'
// 401/407 challenges are answered with the trunk's credentials. While no
// trunk is configured, the number is taken as an extension's.
func (b *B2BUA) HandleOutbound(req *sip.Request, tx sip.ServerTransaction, caller string) {
	if len(b.deps.Trunks.Manager.Trunks()) == 0 {
		b.HandleInvite(req, tx, caller)
		return
	}
	if !b.admit() {
		tx.Respond(sip.NewResponseFromRequest(req, 503, "Service Unavailable", nil))
		return
	}
	defer b.calls.Done()
	dialled := req.Recipient.User
	c := b.newCall(req)
	c.cdr = store.CDR{CallID: c.aID, Caller: caller, Callee: dialled, StartedAt: time.Now()}
	if !c.open(req, tx) {
		return
	}
	defer c.finish()
	tr := b.deps.Trunks
	plan, err := tr.Setup.Plan.Outbound(tr.Setup.Caller(caller, true), dialled)
	if err != nil {
		b.log.Info("b2bua: outbound call refused by the dial plan", "extension", caller, "number", dialled, "err", err)
		c.refuse(req, tx, err)
		return
	}
	c.cdr.TrunkNumber = plan.E164
	guarded, err := tr.Guard.Admit(caller, plan.E164, plan.International(), plan.Emergency)
	if err != nil {
		c.refuse(req, tx, err)
		return
	}
	defer guarded.End()
	c.runOutbound(req, tx, plan, guarded)
}

// open starts c's CDR; when it cannot be written it has answered req with
// 500 and returns false.
func (c *call) open(req *sip.Request, tx sip.ServerTransaction) bool {
	id, err := c.b.deps.Store.StartCDR(context.Background(), c.cdr)
	if err != nil {
		c.b.log.Error("b2bua: start CDR", "err", err)
		tx.Respond(sip.NewResponseFromRequest(req, 500, "Server Internal Error", nil))
		return false
	}
	c.cdr.ID = id
	return true
}

// refuse rejects leg A with the status err carries and records the cause.
func (c *call) refuse(req *sip.Request, tx sip.ServerTransaction, err error) {
	code, reason := 500, "Server Internal Error"
	var se interface{ SIPStatus() (int, string) }
	if errors.As(err, &se) {
		code, reason = se.SIPStatus()
	}
	c.reject(req, tx, code, reason, dialplan.Disposition(code))
	c.cdr.HangupCause = err.Error()
}

func (c *call) runOutbound(req *sip.Request, tx sip.ServerTransaction, plan dialplan.Plan, guarded *tollfraud.Call) {
	b := c.b
	offer, ok := c.acceptA(req, tx)
	if !ok {
		return
	}
	defer b.untrack(c.aID)
	c.a.Respond(100, "Trying", nil)
	var err error
	if c.sessA, err = b.deps.Media.NewSession(); err != nil {
		c.noMedia(req, tx, err)
		return
	}
	if c.sessB, err = b.deps.Media.NewSession(); err != nil {
		c.noMedia(req, tx, err)
		return
	}
	if _, err := c.sessB.Offer(b.cfg.Advertise, offer); err != nil { // no codec the appliance speaks
		c.reject(req, tx, 488, "Not Acceptable Here", Failed)
		return
	}
	early := &earlyMedia{c: c}
	defer early.end()
	leg, bl, status, cause := c.dialTrunks(plan, offer, early)
	c.cdr.Trunk = leg.Trunk
	if bl == nil {
		switch cause {
		case Cancelled:
			c.cdr.Disposition, c.cdr.HangupCause, c.cdr.SIPStatus = Cancelled, "caller cancelled", 487
		case causeShutdown:
			c.reject(req, tx, 503, "Service Unavailable", Failed)
			c.cdr.HangupCause = causeShutdown
		default:
			code, reason := status, cause
			if code < 400 { // silence or a transport error: no usable status
				code, reason = 503, "Service Unavailable"
			}
			c.reject(req, tx, code, reason, dialplan.Disposition(status))
		}
		return
	}
	guarded.Answered()
	if budget, ok := guarded.Budget(); ok {
		stop := time.AfterFunc(budget, func() { c.signal(causeBudget) })
		defer stop.Stop()
	}
	early.end() // the answered call bridges the same sessions
	c.connect(bl)
}

// earlyMedia passes a provider's early media (an 18x with SDP: ringback
// tones, announcements; the gateway model of RFC 3960) to the caller before
// the answer: leg A gets 183 Session Progress with the appliance's SDP
// answer, which the 200 repeats, and the sessions are bridged until the
// trunk answers or fails. It belongs to the call's goroutine.
type earlyMedia struct {
	c    *call
	stop context.CancelFunc
	done chan error // the bridge's result; nil while none runs
}

// progress takes a provisional response of the trunk leg and reports
// whether it carried usable early media, which then flows to the caller.
func (e *earlyMedia) progress(r *sip.Response) bool {
	c := e.c
	if len(r.Body()) == 0 {
		return false
	}
	d, err := media.ParseSDP(r.Body())
	if err == nil {
		err = c.sessB.SetRemote(d)
	}
	if err != nil {
		c.b.log.Debug("b2bua: early media without usable SDP", "call_id", c.aID, "status", r.StatusCode, "err", err)
		return false
	}
	if c.early == nil {
		ans, err := c.answerA()
		if err != nil {
			c.b.log.Debug("b2bua: no early media for the caller", "call_id", c.aID, "err", err)
			return false
		}
		if err := c.a.Respond(183, "Session Progress", ans, sip.NewHeader("Content-Type", "application/sdp")); err != nil {
			return false
		}
		c.early = ans
	}
	if e.done == nil {
		ctx, cancel := context.WithCancel(context.Background())
		e.stop, e.done = cancel, make(chan error, 1)
		go func() { e.done <- media.Bridge(ctx, c.sessA, c.sessB) }()
	}
	return true
}

// end stops relaying early media, if any flows.
func (e *earlyMedia) end() {
	if e.done == nil {
		return
	}
	e.stop()
	<-e.done
	e.done = nil
}

// failed ends the early media of a trunk attempt that failed and gives leg
// B a fresh session for the next trunk, so that the next provider's media
// is not held to the address the last one latched. The caller keeps the
// answer it had: the next trunk's early media reaches it the same way.
func (e *earlyMedia) failed() error {
	if e.c.sessB.Remote() == nil {
		return nil
	}
	e.end()
	e.c.sessB.Close()
	var err error
	e.c.sessB, err = e.c.b.deps.Media.NewSession()
	return err
}

// dialTrunks tries the plan's trunks in order, offering each the caller's
// codecs (offer), and returns the last leg tried with its answered dialog,
// or its final status and a cause (Cancelled, causeShutdown or the
// provider's reason phrase). Early media of the trunks goes to the caller
// through early.
func (c *call) dialTrunks(plan dialplan.Plan, offer *media.Description, early *earlyMedia) (dialplan.Leg, *sipgo.DialogClientSession, int, string) {
	b := c.b
	tr := b.deps.Trunks
	ctx, cancel := context.WithCancel(c.a.Context())
	watch := make(chan struct{})
	go func() {
		defer close(watch)
		select {
		case <-b.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	defer func() { cancel(); <-watch }()

	var won *sipgo.DialogClientSession
	cause := ""
	rang := false
	leg, status, err := dialplan.Dial(ctx, plan, func(ctx context.Context, l dialplan.Leg) (int, error) {
		t, ok := tr.Manager.Trunk(l.Trunk)
		if !ok {
			b.log.Error("b2bua: outbound route names an unknown trunk", "trunk", l.Trunk)
			return 0, nil
		}
		if err := early.failed(); err != nil {
			b.log.Error("b2bua: media session for the next trunk", "trunk", l.Trunk, "err", err)
			return 0, nil
		}
		offerB, err := c.sessB.Offer(b.cfg.Advertise, trunkOffer(t, offer))
		if err != nil {
			b.log.Error("b2bua: no codec to offer the trunk", "trunk", t.Name, "codecs", t.Codecs)
			return 0, nil
		}
		inv := tr.Manager.NewInvite(t, plan.Number, l.CallerID, offerB)
		transport := "UDP"
		if t.Transport == "tcp" {
			transport = "TCP"
		}
		actx, acancel := context.WithCancelCause(ctx)
		defer acancel(nil)
		silent := time.AfterFunc(tr.setupTimeout(), func() { acancel(errSilentTrunk) })
		defer silent.Stop()
		ringing := time.AfterFunc(b.cfg.RingTimeout+tr.setupTimeout(), func() { acancel(context.DeadlineExceeded) })
		defer ringing.Stop()
		dl, err := b.dialogUA(transport).WriteInvite(actx, inv)
		if err == nil {
			user, pass := t.Credentials()
			err = dl.WaitAnswer(actx, sipgo.AnswerOptions{Username: user, Password: pass, OnResponse: func(r *sip.Response) error {
				silent.Stop()
				if r.StatusCode <= 100 || r.StatusCode >= 200 {
					return nil
				}
				if early.progress(r) {
					rang = true
				} else if (r.StatusCode == 180 || r.StatusCode == 183) && !rang {
					rang = true
					c.a.Respond(180, "Ringing", nil)
				}
				return nil
			}})
		}
		var de *sipgo.ErrDialogResponse
		switch {
		case err == nil:
			won = dl
			return 200, nil
		case errors.As(err, &de):
			cause = de.Res.Reason
			b.log.Info("b2bua: trunk answered with a failure", "trunk", t.Name, "status", de.Res.StatusCode, "reason", de.Res.Reason)
			return de.Res.StatusCode, nil
		case ctx.Err() != nil: // the caller cancelled or the appliance stops
			return 0, ctx.Err()
		case errors.Is(context.Cause(actx), context.DeadlineExceeded):
			cause = "no answer"
			return 408, nil // it rang: no other trunk
		default:
			cause = "trunk " + t.Name + " silent"
			b.log.Warn("b2bua: trunk did not answer", "trunk", t.Name, "err", err)
			return 0, context.DeadlineExceeded
		}
	})
	switch {
	case won != nil:
		return leg, won, 200, ""
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		select {
		case <-b.stop:
			return leg, nil, status, causeShutdown
		default:
			return leg, nil, status, Cancelled
		}
	}
	return leg, nil, status, cause
}
