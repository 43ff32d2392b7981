package b2bua

import (
	"context"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-cc/switchboard/media"
	"github.com/switchboard-cc/switchboard/media/dtmf"
)

// inDialogTimeout bounds a request relayed to the other leg.
const inDialogTimeout = 10 * time.Second

// peer is the other leg of an in-dialog request: where to send it and how.
type peer struct {
	target sip.Uri
	do     func(context.Context, *sip.Request) (*sip.Response, error)
	write  func(*sip.Request) error
	own    *media.Session // the session facing the request's sender
	other  *media.Session // the session facing the peer
}

// peerOf returns the leg opposite to the sender of req, or false while the
// call is not established.
func (c *call) peerOf(req *sip.Request) (peer, bool) {
	c.mu.Lock()
	bl := c.bl
	c.mu.Unlock()
	if bl == nil || bl.InviteResponse == nil || c.a.InviteRequest.Contact() == nil {
		return peer{}, false
	}
	if c.legOf(req) {
		contact := bl.InviteResponse.Contact()
		if contact == nil {
			return peer{}, false
		}
		return peer{target: contact.Address, do: bl.Do, write: bl.WriteRequest, own: c.sessA, other: c.sessB}, true
	}
	return peer{target: c.a.InviteRequest.Contact().Address, do: c.a.Do, write: c.a.WriteRequest, own: c.sessB, other: c.sessA}, true
}

// info answers an INFO (e.g. application/dtmf-relay), adds its digit to
// the sender's session and relays it. A caller the appliance itself
// answered (in an IVR or a queue, not bridged) has its digits read there.
func (c *call) info(req *sip.Request, tx sip.ServerTransaction) {
	p, ok := c.peerOf(req)
	if !ok && c.legOf(req) && c.sessA != nil && c.a != nil {
		tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
		if ct := req.ContentType(); ct != nil {
			if d, err := dtmf.ParseInfo(ct.Value(), req.Body()); err == nil {
				c.sessA.PushDigit(d)
			}
		}
		return
	}
	c.b.relayInfo(req, tx, p, ok)
}

// relayInfo answers an INFO on a bridged call, adds its digit to the
// session facing the sender and relays it to the peer p; ok false (no
// peer) answers 481.
func (b *B2BUA) relayInfo(req *sip.Request, tx sip.ServerTransaction, p peer, ok bool) {
	if !ok {
		tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		return
	}
	tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	fwd := sip.NewRequest(sip.INFO, p.target)
	if ct := req.ContentType(); ct != nil {
		fwd.AppendHeader(sip.NewHeader("Content-Type", ct.Value()))
		if d, err := dtmf.ParseInfo(ct.Value(), req.Body()); err == nil {
			p.own.PushDigit(d)
		}
	}
	fwd.SetBody(req.Body())
	ctx, cancel := context.WithTimeout(context.Background(), inDialogTimeout)
	defer cancel()
	if _, err := p.do(ctx, fwd); err != nil {
		b.log.Debug("b2bua: relaying INFO", "err", err)
	}
}

// reinvite relays a re-INVITE (hold, resume, new codec) to the other leg
// with the appliance's SDP, then answers the sender with its own.
func (c *call) reinvite(req *sip.Request, tx sip.ServerTransaction) {
	p, ok := c.peerOf(req)
	c.b.relayReinvite(req, tx, p, ok)
}

// relayReinvite relays a re-INVITE to the peer p with the appliance's SDP
// and answers the sender with its own; ok false (the call is not bridged)
// answers 491.
func (b *B2BUA) relayReinvite(req *sip.Request, tx sip.ServerTransaction, p peer, ok bool) {
	if !ok {
		tx.Respond(sip.NewResponseFromRequest(req, 491, "Request Pending", nil))
		return
	}
	desc, err := media.ParseSDP(req.Body())
	if err != nil {
		tx.Respond(sip.NewResponseFromRequest(req, 488, "Not Acceptable Here", nil))
		return
	}
	offer, err := p.other.Offer(b.cfg.Advertise, desc)
	if err != nil {
		tx.Respond(sip.NewResponseFromRequest(req, 488, "Not Acceptable Here", nil))
		return
	}
	fwd := sip.NewRequest(sip.INVITE, p.target)
	fwd.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	fwd.SetBody(offer)
	ctx, cancel := context.WithTimeout(context.Background(), inDialogTimeout)
	defer cancel()
	res, err := p.do(ctx, fwd)
	if err != nil {
		tx.Respond(sip.NewResponseFromRequest(req, 408, "Request Timeout", nil))
		return
	}
	if !res.IsSuccess() {
		tx.Respond(sip.NewResponseFromRequest(req, res.StatusCode, res.Reason, nil))
		return
	}
	if err := p.write(sip.NewRequest(sip.ACK, p.target)); err != nil {
		b.log.Debug("b2bua: ACK of a relayed re-INVITE", "err", err)
	}
	if ans, err := media.ParseSDP(res.Body()); err == nil {
		p.other.SetRemote(ans)
	}
	answer, err := p.own.Answer(desc, b.cfg.Advertise)
	if err != nil {
		tx.Respond(sip.NewResponseFromRequest(req, 488, "Not Acceptable Here", nil))
		return
	}
	ok200 := sip.NewSDPResponseFromRequest(req, answer)
	ok200.AppendHeader(&b.udp.ContactHDR)
	tx.Respond(ok200)
}
