package e2e

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// A trunk's codec list is what the appliance offers it and what it accepts
// from it: the caller's PCMU becomes PCMA toward a PCMA-only provider, and
// a provider's offer of PCMU, PCMA and telephone-event is answered with
// PCMA alone (its digits come by SIP INFO).
func TestTrunkCodecs(t *testing.T) {
	peertest.Binary(t, "sipp")
	data := t.TempDir()
	port := freeUDPPort(t)
	importConfig(t, data, fmt.Sprintf(`extensions:
  - {number: "1001", password: codec-pw-1}
  - {number: "1002", password: codec-pw-2}
trunks:
  - {name: alaw, type: peer, host: "%s:%d", codecs: [PCMA], dtmf: info}
routes:
  inbound:
    - {did: "+33123456789", to: "extension:1002"}
  outbound:
    - {pattern: "01XXXXXXXX", trunks: [alaw]}
`, providerIP, port))
	srv := startServer(t, nil, binPath, data)

	t.Run("outbound offer", func(t *testing.T) {
		waitP := providerUAS(t, "trunk_provider_codecs.xml", port, 1)
		if err := sippDial(t, srv, "1001", "codec-pw-1", "0198765432", 1); err != nil {
			t.Fatalf("extension's call: %v\nserver:\n%s", err, srv.output())
		}
		if err := waitP(); err != nil {
			t.Fatalf("provider (offer must hold PCMA alone): %v\nserver:\n%s", err, srv.output())
		}
		rec := closedCDRs(t, data, 1)[0]
		if rec["trunk"] != "alaw" || rec["disposition"] != "answered" {
			t.Fatalf("CDR = %v", rec)
		}
	})

	t.Run("inbound answer", func(t *testing.T) {
		waitCallee := sippCallee(t, srv, "1002", "codec-pw-2")
		err := trunkSipp(t, t.TempDir(), "trunk_provider_call_codecs.xml", fmt.Sprintf("127.0.0.1:%d", srv.sipPort), "-s", "0123456789",
			"-i", providerIP, "-p", strconv.Itoa(freeUDPPort(t)), "-mi", providerIP, "-mp", strconv.Itoa(freeUDPPort(t)), "-m", "1")()
		if err != nil {
			t.Fatalf("provider's call (answer must hold PCMA alone): %v\nserver:\n%s", err, srv.output())
		}
		if err := waitCallee(); err != nil {
			t.Fatalf("extension 1002: %v", err)
		}
		rec := closedCDRs(t, data, 2)[0]
		if rec["trunk"] != "alaw" || rec["disposition"] != "answered" || rec["codec"] != "PCMA" {
			t.Fatalf("CDR = %v", rec)
		}
	})
}
