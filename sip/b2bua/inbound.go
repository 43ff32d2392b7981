package b2bua

import (
	"context"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/sip/dialplan"
	"github.com/switchboard-cc/switchboard/sip/trunk"
)

// HandleInbound runs a call trunk t delivered for did (E.164), which the
// dial plan routed to dest, from the first INVITE to the last BYE. The
// caller's media is anchored at the appliance and its digits are read as
// the trunk's DTMF mode says.
func (b *B2BUA) HandleInbound(req *sip.Request, tx sip.ServerTransaction, t trunk.Trunk, did string, dest dialplan.Destination) {
	if !b.admit() {
		tx.Respond(sip.NewResponseFromRequest(req, 503, "Service Unavailable", nil))
		return
	}
	defer b.calls.Done()
	from := ""
	if f := req.From(); f != nil {
		from = f.Address.User
	}
	c := b.newCall(req)
	c.dtmf, c.codecs, c.watchDigits, c.inbound = dtmfMode(t), t.Codecs, true, true
	callee := dest.String()
	if dest.Kind == dialplan.KindExtension {
		callee = dest.Target
	}
	c.cdr = store.CDR{CallID: c.aID, Caller: from, Callee: callee, StartedAt: time.Now(), Trunk: t.Name, TrunkNumber: did}
	if !c.open(req, tx) {
		return
	}
	defer c.finish()
	switch dest.Kind {
	case dialplan.KindExtension:
		c.run(req, tx, dest.Target)
	case dialplan.KindQueue, dialplan.KindFlow:
		if b.deps.Destinations == nil || !b.deps.Destinations.Has(dest) {
			b.log.Warn("b2bua: inbound call routed to a queue or flow that does not exist", "trunk", t.Name, "did", did, "to", dest.String())
			c.reject(req, tx, 480, "Temporarily Unavailable", Unavailable)
			return
		}
		c.runDestination(req, tx, &InboundCall{Trunk: t.Name, From: from, DID: did}, dest)
	default:
		b.log.Info("b2bua: inbound call refused by its route", "trunk", t.Name, "did", did, "message", dest.Target)
		c.reject(req, tx, 480, "Temporarily Unavailable", Rejected)
		c.cdr.HangupCause = "route: " + dest.String()
	}
}

// runDestination answers leg A and hands the call to Destinations until it
// returns or the caller hangs up.
func (c *call) runDestination(req *sip.Request, tx sip.ServerTransaction, in *InboundCall, dest dialplan.Destination) {
	c.runAnswered(req, tx, in, dest.String(), func(ctx context.Context) error {
		if dest.Kind == dialplan.KindQueue {
			return c.b.deps.Destinations.Queue(ctx, in, dest.Target)
		}
		return c.b.deps.Destinations.Flow(ctx, in, dest.Target)
	})
}

// runAnswered answers leg A with the appliance's media and runs fn until it
// returns (the appliance hangs up) or the caller hangs up (ctx ends).
func (c *call) runAnswered(req *sip.Request, tx sip.ServerTransaction, in *InboundCall, what string, fn func(ctx context.Context) error) {
	b := c.b
	if _, ok := c.acceptA(req, tx); !ok {
		return
	}
	defer b.untrack(c.aID)
	var err error
	if c.sessA, err = b.deps.Media.NewSession(); err != nil {
		c.noMedia(req, tx, err)
		return
	}
	c.sessA.SetDTMFMode(c.dtmf)
	answer, err := c.answerA()
	if err != nil {
		c.reject(req, tx, 488, "Not Acceptable Here", Failed)
		return
	}
	if err := c.a.RespondSDP(answer); err != nil {
		c.cdr.HangupCause = "caller never acknowledged the answer"
		return
	}
	c.cdr.AnsweredAt, c.cdr.Disposition, c.cdr.SIPStatus = time.Now(), Answered, 200
	in.Media, in.c = c.sessA, c
	c.serve(in, &continuation{what: what, run: func(ctx context.Context, _ *InboundCall) error { return fn(ctx) }})
}

// serve runs next on the answered leg A until it returns (the appliance
// hangs up) or the caller hangs up (its ctx ends). When it returned
// because the call was transferred, what the transfer left runs next.
func (c *call) serve(in *InboundCall, next *continuation) {
	b := c.b
	for next != nil {
		what, fn := next.what, next.run
		next = nil
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- fn(ctx, in) }()
		select {
		case err := <-done:
			cancel()
			if next = c.takeNext(); next != nil {
				continue
			}
			c.cdr.HangupCause = what + " ended: " + errString(err)
			c.byeA()
		case cause := <-c.hangup:
			cancel()
			<-done
			c.cdr.HangupCause = cause
			if cause == causeCalleeBye {
				c.byeA()
			}
			if left := c.takeNext(); left != nil {
				left.abandon()
			}
		case <-b.stop:
			cancel()
			<-done
			c.cdr.HangupCause = causeShutdown
			c.byeA()
			if left := c.takeNext(); left != nil {
				left.abandon()
			}
		}
	}
}

// logDigits logs the digits leg A sends until the returned stop is called
// (the observable trace of a gateway's in-band DTMF until the IVR reads
// them).
func (c *call) logDigits() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case d := <-c.sessA.Digits():
				c.b.log.Info("b2bua: digit from the caller", "call_id", c.aID, "trunk", c.cdr.Trunk, "digit", string(d.Key))
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}
