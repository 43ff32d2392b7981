package b2bua

import (
	"context"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// waitFork waits for the final answer to one fork's INVITE. When ctx ends
// first, the INVITE is cancelled (RFC 3261 §9.1: once a provisional
// response came) and waitFork keeps waiting for its final response,
// because the phone may have answered before the CANCEL reached it: then
// the answer crossed the CANCEL and waitFork returns nil like any answer,
// for the caller to acknowledge and hang up. sipgo's own cancellation in
// WaitAnswer returns without that answer and ends the transaction, leaving
// such a phone up with nobody on the line.
// onResponse, when not nil, sees every response.
func (b *B2BUA) waitFork(ctx context.Context, leg *sipgo.DialogClientSession, onResponse func(*sip.Response)) error {
	waitCtx, giveUp := context.WithCancelCause(context.Background())
	defer giveUp(nil)
	var (
		mu          sync.Mutex // guards the following fields
		provisional bool
		cancelling  bool
	)
	// A cancelled INVITE waits 64·T1 for its final response, after which
	// RFC 3261 §9.1 lets the client give up.
	cancelWait := 64 * sip.T1
	cancelInvite := func() {
		cctx, stop := context.WithTimeout(context.Background(), cancelWait)
		defer stop()
		if _, err := leg.Do(cctx, cancelOf(leg.InviteRequest)); err != nil {
			b.log.Debug("b2bua: CANCEL of a ringing phone", "err", err)
		}
	}
	var cancelled sync.WaitGroup
	defer cancelled.Wait()
	stopWatch := context.AfterFunc(ctx, func() {
		mu.Lock()
		cancelling = true
		now := provisional
		mu.Unlock()
		if now {
			cancelled.Add(1)
			go func() {
				defer cancelled.Done()
				cancelInvite()
			}()
		}
		// The final response owed after a CANCEL may never come (a phone
		// gone silent): give up on it after cancelWait, or byeTimeout when
		// the appliance is stopping, without sipgo sending a CANCEL of its
		// own.
		wait := cancelWait
		select {
		case <-b.stop:
			wait = byeTimeout
		default:
		}
		t := time.AfterFunc(wait, func() { giveUp(sipgo.WaitAnswerForceCancelErr) })
		context.AfterFunc(waitCtx, func() { t.Stop() })
	})
	defer stopWatch()
	return leg.WaitAnswer(waitCtx, sipgo.AnswerOptions{OnResponse: func(r *sip.Response) error {
		if onResponse != nil {
			onResponse(r)
		}
		if !r.IsProvisional() {
			return nil
		}
		mu.Lock()
		first := !provisional
		provisional = true
		now := cancelling
		mu.Unlock()
		if first && now {
			cancelled.Add(1)
			go func() {
				defer cancelled.Done()
				cancelInvite()
			}()
		}
		return nil
	}})
}

// cancelOf builds the CANCEL of an INVITE (RFC 3261 §9.1): same
// Request-URI, top Via, From, To, Call-ID, CSeq number and Route.
func cancelOf(inv *sip.Request) *sip.Request {
	req := sip.NewRequest(sip.CANCEL, inv.Recipient)
	req.AppendHeader(sip.HeaderClone(inv.Via()))
	sip.CopyHeaders("Route", inv, req)
	req.AppendHeader(sip.HeaderClone(inv.From()))
	req.AppendHeader(sip.HeaderClone(inv.To()))
	req.AppendHeader(sip.HeaderClone(inv.CallID()))
	req.AppendHeader(&sip.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: sip.CANCEL})
	req.SetTransport(inv.Transport())
	req.SetSource(inv.Source())
	req.SetDestination(inv.Destination())
	return req
}

// hangupLate acknowledges a fork's answer that came when the call no
// longer wanted it (another phone won, the caller left, the CANCEL
// crossed the answer) and hangs it up (RFC 3261 §15: a UAC that does not
// want a session it was answered sends ACK, then BYE).
func (b *B2BUA) hangupLate(leg *sipgo.DialogClientSession) {
	if err := leg.Ack(context.Background()); err != nil {
		b.log.Debug("b2bua: ACK of a late answer", "err", err)
	}
	ctx, stop := context.WithTimeout(context.Background(), byeTimeout)
	defer stop()
	if err := leg.Bye(ctx); err != nil {
		b.log.Debug("b2bua: BYE of a late answer", "err", err)
	}
}

// hangupLateAsync is hangupLate in the background, tracked by b.calls, so
// that the fork loop waiting for the other answers does not wait for it.
func (b *B2BUA) hangupLateAsync(leg *sipgo.DialogClientSession) {
	b.calls.Add(1)
	go func() {
		defer b.calls.Done()
		b.hangupLate(leg)
	}()
}
