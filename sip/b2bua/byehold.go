package b2bua

import (
	"log/slog"
	"time"

	"github.com/emiago/sipgo/sip"
)

// byeHold bounds how long the answer to a BYE waits for the record of the
// call it ends: the call's end may first hang up the other leg, which
// takes up to byeTimeout.
const byeHold = byeTimeout + time.Second

// heldTx keeps the answer to a BYE that ends a call until the call's CDR
// is committed: answered first, a crash in between would leave a call
// that ended normally closed as interrupted at the next start.
type heldTx struct {
	sip.ServerTransaction
	res *sip.Response
}

// Respond keeps res for release.
func (h *heldTx) Respond(res *sip.Response) error {
	h.res = res
	return nil
}

// release sends the kept answer once committed is closed (nil: at once),
// or after byeHold at the latest: a phone must never be left
// retransmitting its BYE, even when the store or the call's end is stuck.
func (h *heldTx) release(log *slog.Logger, committed <-chan struct{}) {
	if committed != nil {
		t := time.NewTimer(byeHold)
		select {
		case <-committed:
		case <-t.C:
			log.Warn("b2bua: BYE answered before its call's record was committed", "call_id", h.callID())
		}
		t.Stop()
	}
	if h.res == nil {
		return
	}
	if err := h.ServerTransaction.Respond(h.res); err != nil {
		log.Debug("b2bua: answering a BYE", "call_id", h.callID(), "err", err)
	}
}

func (h *heldTx) callID() string {
	if h.res == nil {
		return ""
	}
	if id := h.res.CallID(); id != nil {
		return id.Value()
	}
	return ""
}
