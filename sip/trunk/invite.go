package trunk

import (
	"context"
	"fmt"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// NewInvite builds an INVITE for number on trunk t, presenting callerID
// (the trunk's username when empty), with an SDP body; Via, Call-ID and
// CSeq are added by the client when sent.
func (m *Manager) NewInvite(t Trunk, number, callerID string, sdp []byte) *sip.Request {
	req := sip.NewRequest(sip.INVITE, t.uri(number))
	if callerID == "" {
		callerID = t.Username
	}
	from := &sip.FromHeader{Address: t.uri(callerID), Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: t.uri(number), Params: sip.NewParams()})
	contactHost := m.cfg.ContactHost
	if contactHost == "" {
		contactHost = m.clientFor(t).Hostname()
	}
	req.AppendHeader(sip.NewHeader("Contact", "<sip:"+callerID+"@"+contactHost+">"))
	if sdp != nil {
		req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		req.SetBody(sdp)
	}
	req.SetTransport(t.transport())
	req.SetDestination(t.destination())
	return req
}

// Request starts a client transaction for req on trunk t (sent to its
// outbound proxy when it has one).
func (m *Manager) Request(ctx context.Context, t Trunk, req *sip.Request) (sip.ClientTransaction, error) {
	req.SetDestination(t.destination())
	tx, err := m.clientFor(t).TransactionRequest(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("trunk %s: %s: %w", t.Name, req.Method, err)
	}
	return tx, nil
}

// Authorize answers a provider's 401 or 407 to req with the trunk's
// credentials (RFC 3261 section 22.2): it adds Authorization or
// Proxy-Authorization, increments CSeq and starts a new transaction.
func (m *Manager) Authorize(ctx context.Context, t Trunk, req *sip.Request, res *sip.Response) (sip.ClientTransaction, error) {
	if res.StatusCode != sip.StatusUnauthorized && res.StatusCode != sip.StatusProxyAuthRequired {
		return nil, fmt.Errorf("trunk %s: authorize a %d: not a challenge", t.Name, res.StatusCode)
	}
	if t.Username == "" {
		return nil, fmt.Errorf("trunk %s: challenged with %d but the trunk has no credentials", t.Name, res.StatusCode)
	}
	req.SetDestination(t.destination())
	tx, err := m.clientFor(t).TransactionDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: t.Username, Password: t.Password})
	if err != nil {
		return nil, fmt.Errorf("trunk %s: authorize %s: %w", t.Name, req.Method, err)
	}
	return tx, nil
}
