package b2bua

import (
	"context"

	"github.com/emiago/sipgo"

	"github.com/switchboard-cc/switchboard/media"
	xfer "github.com/switchboard-cc/switchboard/sip/transfer"
)

// Attended transfer (RFC 5589 §7): the transferor first called the target
// through the appliance (the consultation call, where the transferor is
// leg A), then sends REFER in the original call with a Refer-To whose
// Replaces names the consultation call's leg A dialog. The target's leg
// of the consultation call is moved into the original call, bridged to
// the transferee without a new INVITE to either phone, and both of the
// transferor's legs end: the consultation call's CDR ends naming the
// transfer.

// takenLeg is leg B of a consultation call, handed to the call it joins.
type takenLeg struct {
	dlg  *sipgo.DialogClientSession
	sess *media.Session
	ext  string
}

// consultation finds the call a Replaces names for a transfer by
// extension by of call c: a call bridged by connect whose leg A is by's
// dialog with those tags and whose leg B is an extension. Else it returns
// the status refusing the REFER.
func (b *B2BUA) consultation(c *call, by string, r xfer.Replaces) (*call, int, string) {
	y := b.findID(r.CallID)
	if y == nil || y == c || y.aID != r.CallID {
		return nil, 481, "Call/Transaction Does Not Exist"
	}
	// y.takes is set once leg A was answered: its dialog is then read
	// only.
	y.mu.Lock()
	bridged, ext, caller := y.takes != nil, y.legBExt, y.cdr.Caller
	y.mu.Unlock()
	if !bridged {
		return nil, 481, "Call/Transaction Does Not Exist"
	}
	ours, theirs := serverTags(y.a)
	switch {
	case !(r.ToTag == ours && r.FromTag == theirs || r.ToTag == theirs && r.FromTag == ours):
		return nil, 481, "Call/Transaction Does Not Exist"
	case caller != by || y.inbound:
		return nil, 403, "Forbidden"
	case ext == "":
		return nil, 501, "Not Implemented"
	}
	return y, 202, ""
}

// takeLeg moves leg B of consultation call y into c: y's bridging
// goroutine hands it over and ends y.
func (c *call) takeLeg(ctx context.Context, y *call) (*AgentLeg, int, string) {
	y.mu.Lock()
	takes := y.takes
	y.mu.Unlock()
	if takes == nil {
		return nil, 481, "Call/Transaction Does Not Exist"
	}
	reply := make(chan *takenLeg, 1)
	wait, stop := context.WithTimeout(ctx, byeTimeout)
	defer stop()
	select {
	case takes <- reply:
	case <-wait.Done():
		return nil, 481, "Call/Transaction Does Not Exist"
	}
	t := <-reply
	return &AgentLeg{c: c, dlg: t.dlg, sess: t.sess, extension: t.ext}, 200, "OK"
}

// giveLegB hands leg B to the call that took it (attended transfer), the
// bridge stopped, and ends c: its CDR names the transfer, and leg A (the
// transferor) is hung up.
func (c *call) giveLegB(reply chan<- *takenLeg) {
	c.mu.Lock()
	t := &takenLeg{dlg: c.bl, sess: c.sessB, ext: c.legBExt}
	id := c.bID
	sb := c.sessB.Stats()
	c.cdr.PacketsBToA, c.cdr.LostB, c.cdr.JitterB = sb.PacketsIn, sb.Lost, sb.Jitter
	c.cdr.HangupCause = "attended transfer: " + t.ext + " joined the transferor's other call"
	c.cdr.TransferredBy, c.cdr.TransferredTo = c.cdr.Caller, t.ext
	c.bl, c.bID, c.sessB, c.legBExt = nil, "", nil, ""
	c.mu.Unlock()
	c.b.untrackOwn(id, c)
	reply <- t
	c.byeA()
}
