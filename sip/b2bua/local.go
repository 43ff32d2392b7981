package b2bua

import (
	"context"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// Local takes the numbers extensions dial that are not extensions: the
// appliance's own services, such as an IVR flow's number or an agent's
// feature codes (*45 login …).
type Local interface {
	// Route returns what runs a call from extension caller to number, or
	// false when number is not a local service. The call is answered with
	// the appliance's media before run is called; run owns it until it
	// returns (the appliance hangs up) or the caller hangs up (ctx ends).
	Route(caller, number string) (run func(ctx context.Context, c *InboundCall) error, ok bool)
}

// HandleLocal runs a call from an authenticated extension to a local
// service and reports whether number was one.
func (b *B2BUA) HandleLocal(req *sip.Request, tx sip.ServerTransaction, caller string) bool {
	if b.deps.Local == nil {
		return false
	}
	number := req.Recipient.User
	run, ok := b.deps.Local.Route(caller, number)
	if !ok {
		return false
	}
	if !b.admit() {
		tx.Respond(sip.NewResponseFromRequest(req, 503, "Service Unavailable", nil))
		return true
	}
	defer b.calls.Done()
	c := b.newCall(req)
	c.cdr = store.CDR{CallID: c.aID, Caller: caller, Callee: number, StartedAt: time.Now()}
	id, err := b.deps.Store.StartCDR(context.Background(), c.cdr)
	if err != nil {
		b.log.Error("b2bua: start CDR", "err", err)
		tx.Respond(sip.NewResponseFromRequest(req, 500, "Server Internal Error", nil))
		return true
	}
	c.cdr.ID = id
	defer c.finish()
	in := &InboundCall{From: caller, DID: number}
	c.runAnswered(req, tx, in, number, func(ctx context.Context) error { return run(ctx, in) })
	return true
}
