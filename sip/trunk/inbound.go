package trunk

import (
	"net/netip"

	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-cc/switchboard/sip/dialplan"
)

// UnknownSourceError refuses a call from an address no trunk has; it
// classifies itself as 403 so no call is created.
type UnknownSourceError struct {
	Source netip.AddrPort
}

// Error names the source.
func (e *UnknownSourceError) Error() string {
	return "trunk: call from unknown source " + e.Source.String()
}

// SIPStatus is 403 Forbidden.
func (e *UnknownSourceError) SIPStatus() (int, string) { return 403, "Forbidden" }

// Inbound routes an INVITE received from src: the source must belong to a
// trunk (else *UnknownSourceError, 403), the called number is read where the
// trunk says and routed by plan (errors carry their SIP status: 404 no
// route, 484 malformed number).
func (m *Manager) Inbound(src netip.AddrPort, req *sip.Request, plan *dialplan.Dialplan) (Trunk, dialplan.Destination, error) {
	t, ok := m.MatchPeer(src)
	if !ok {
		return Trunk{}, dialplan.Destination{}, &UnknownSourceError{Source: src}
	}
	dest, err := plan.Inbound(t.Name, t.CalledNumber(req))
	return t, dest, err
}

// Credentials returns the digest credentials to answer a provider's 401 or
// 407 with, e.g. in sipgo.AnswerOptions{Username, Password} of the
// B2BUA's DialogClientSession.WaitAnswer.
func (t Trunk) Credentials() (username, password string) { return t.Username, t.Password }
