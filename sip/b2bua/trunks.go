package b2bua

import (
	"context"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/media"
	"github.com/switchboard-cc/switchboard/sip/dialplan"
	"github.com/switchboard-cc/switchboard/sip/tollfraud"
	"github.com/switchboard-cc/switchboard/sip/trunk"
)

// Trunks is what the B2BUA needs to reach the phone network.
type Trunks struct {
	// Manager knows the trunks and builds their INVITEs.
	Manager *trunk.Manager
	// Setup holds the dial plan and each extension's permission class.
	Setup *trunk.Setup
	// Guard admits outbound calls under the toll-fraud limits.
	Guard *tollfraud.Guard
	// SetupTimeout is how long a trunk may stay silent (not even 100
	// Trying) before the next trunk is tried; 0 means 5 s.
	SetupTimeout time.Duration
}

func (t *Trunks) setupTimeout() time.Duration {
	if t.SetupTimeout <= 0 {
		return 5 * time.Second
	}
	return t.SetupTimeout
}

// Destinations runs the inbound trunk calls the dial plan routes to a queue
// or an IVR flow; the distributor and the voice IVR implement it. Each
// method is called once leg A is answered and its media anchored, and owns
// the call until it returns: returning hangs up. ctx is cancelled when the
// caller hangs up or the appliance stops.
//
// While Deps.Destinations is nil, or the queue or flow does not exist,
// such calls are refused with 480 Temporarily Unavailable and a log line.
type Destinations interface {
	// Has reports whether the queue or flow exists; calls routed to one
	// that does not are refused before they are answered.
	Has(dest dialplan.Destination) bool
	Queue(ctx context.Context, c *InboundCall, queue string) error
	Flow(ctx context.Context, c *InboundCall, flow string) error
}

// InboundCall is a trunk call handed to Destinations.
type InboundCall struct {
	// Trunk is the name of the trunk the call came in on.
	Trunk string
	// From is the caller's number as the provider sent it.
	From string
	// DID is the called number in E.164.
	DID string
	// Media is the caller's session, its DTMF mode set from the trunk:
	// play prompts to it and read its Digits.
	Media *media.Session
	// c is the call, for Ring.
	c *call
}

// SetQueue names the queue the caller waits in, for the call's CDR (CDR
// search by queue).
func (in *InboundCall) SetQueue(queue string) {
	in.c.mu.Lock()
	in.c.cdr.Queue = queue
	in.c.mu.Unlock()
}

// dtmfMode maps a trunk's DTMF setting to where the media session finds
// the digits: RFC 4733 events (audio when none were negotiated), in-band
// tones only (FXO gateways), or SIP INFO only.
func dtmfMode(t trunk.Trunk) media.DTMFMode {
	switch t.DTMFMode() {
	case trunk.DTMFInband:
		return media.DTMFInband
	case trunk.DTMFInfo:
		return media.DTMFOff
	}
	return media.DTMFAuto
}

// trunkOffer is what leg B offers trunk t for a caller's offer: the trunk's
// codecs in its order when it lists some (the bridge converts between the
// G.711 laws), else the caller's; telephone-event only when the trunk
// carries digits as RFC 4733 events, at the caller's payload type or the
// appliance's.
func trunkOffer(t trunk.Trunk, caller *media.Description) *media.Description {
	d := *caller
	if len(t.Codecs) > 0 {
		d.Codecs = nil
		for _, name := range t.Codecs {
			if c, ok := g711(name); ok {
				d.Codecs = append(d.Codecs, c)
			}
		}
	}
	switch {
	case t.DTMFMode() != trunk.DTMFRFC4733:
		d.DTMFPayloadType = 0
	case d.DTMFPayloadType == 0:
		d.DTMFPayloadType = media.TelephoneEvent.PayloadType
	}
	return &d
}

// answerable narrows a trunk's offer to what the trunk is configured for:
// the offered codecs it lists, in its order of preference (every offered
// codec when it lists none), and telephone-event only when the session
// takes RFC 4733 events (dtmf). Leg A's answer picks the first codec left.
func answerable(offer *media.Description, codecs []string, dtmf media.DTMFMode) *media.Description {
	d := *offer
	if len(codecs) > 0 {
		d.Codecs = nil
		for _, name := range codecs {
			for _, c := range offer.Codecs {
				if strings.EqualFold(c.Name, name) {
					d.Codecs = append(d.Codecs, c)
				}
			}
		}
	}
	if dtmf == media.DTMFInband || dtmf == media.DTMFOff {
		d.DTMFPayloadType = 0
	}
	return &d
}

// g711 returns the appliance's codec called name (PCMU or PCMA).
func g711(name string) (media.Codec, bool) {
	for _, c := range []media.Codec{media.PCMU, media.PCMA} {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return media.Codec{}, false
}
