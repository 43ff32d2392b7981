package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// reinvited waits until p's phone logged n re-INVITEs with an SDP offer
// (hold or resume relayed by the appliance).
func reinvited(t *testing.T, p *peertest.Baresip, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(p.Log(), "got re-INVITE (SDP Offer)") < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d re-INVITEs relayed, want %d", strings.Count(p.Log(), "got re-INVITE (SDP Offer)"), n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestHoldAfterCallerTransfer: ann calls the customer and transfers it to
// bob (REFER on the calling leg); bob puts the customer on hold with his
// desk phone's hold key and resumes: each re-INVITE reaches the
// customer's phone (it was answered 481 before) and the customer's
// hang-up ends both phones' calls. (What the phones heard is not checked:
// after the re-INVITEs, baresip 1.0's decode dump held under half a
// second, too little to analyse; the raw-SIP TestCallbackHoldResume
// checks audio after a resume.)
func TestHoldAfterCallerTransfer(t *testing.T) {
	d, bob := callerTransferred(t)
	bob.Command("hold", "")
	reinvited(t, d.customer, 1)
	bob.Command("resume", "")
	reinvited(t, d.customer, 2)
	d.hangUp(t, bob)
}
