package sip

import "github.com/emiago/sipgo/sip"

// stateless ends a request's server transaction as soon as h has answered
// it, as RFC 3261 §8.2.7 lets a stateless UAS do, instead of keeping it
// through Timer J (64·T1 = 32 s over UDP). Every request that reached no
// call (an unknown method's 405, an unmatched CANCEL's 481, an ACK) held
// about 4 KB for those 32 s: 10,000 such datagrams, sent with no
// credentials, kept 40 MB, and a few thousand a second would exhaust
// memory. A retransmission is answered afresh with the same status.
func stateless(h func(*sip.Request, sip.ServerTransaction)) func(*sip.Request, sip.ServerTransaction) {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		defer tx.Terminate()
		h(req, tx)
	}
}

// handleInfo hands an INFO to the B2BUA and, when it matched no call (481),
// ends its transaction at once (see stateless). An INFO within a call
// keeps its transaction through Timer J, so that a retransmission does
// not relay its DTMF digit twice.
func (s *Server) handleInfo(req *sip.Request, tx sip.ServerTransaction) {
	rec := &statusTx{ServerTransaction: tx}
	s.calls.HandleInfo(req, rec)
	if rec.code == 481 {
		tx.Terminate()
	}
}
