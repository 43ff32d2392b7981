package mail

import (
	"testing"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// TestConversationDovecot runs the end-to-end scenario against a real
// Dovecot (with IDLE) and the go-smtp sink.
func TestConversationDovecot(t *testing.T) {
	d := peertest.StartDovecot(t)
	conversationScenario(t, d.URL(), func(raw []byte) { d.Deliver(t, raw) })
	if unseen := d.Unseen(t); unseen != 0 {
		t.Fatalf("%d messages left unflagged on the server", unseen)
	}
}
