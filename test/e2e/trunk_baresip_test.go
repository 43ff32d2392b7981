package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// TestTrunkCallRingsABaresipDeskPhone: a provider (sipp) calls a DID, the
// inbound route rings extension 1002 — a baresip phone that answers by
// itself — and the 440 Hz tone the provider streams is heard in the
// phone's recording, through the appliance's anchored media. 1002 is a
// recorded extension: the appliance's recording holds the provider's tone
// on the left and the phone's on the right.
func TestTrunkCallRingsABaresipDeskPhone(t *testing.T) {
	peertest.Binary(t, "sipp")
	peertest.Binary(t, "baresip")
	data := t.TempDir()
	importConfig(t, data, fmt.Sprintf(`extensions:
  - {number: "1002", password: callee-pass2, record: true}
trunks:
  - {name: provider, type: peer, host: "%s"}
routes:
  inbound:
    - {did: "+33123456789", to: "extension:1002"}
`, providerIP))
	srv := startServer(t, nil, binPath, data)
	phone := peertest.StartBaresip(t, "1002", "callee-pass2", srv.sipPort, 1000)
	phone.WaitRegistered()

	dir := t.TempDir()
	writeUlaw(t, filepath.Join(dir, "audio.ulaw"), silence(300*time.Millisecond), sine(440, 3*time.Second))
	provider := trunkSipp(t, dir, "trunk_provider_call.xml", fmt.Sprintf("127.0.0.1:%d", srv.sipPort), "-s", "0123456789",
		"-i", providerIP, "-p", strconv.Itoa(freeUDPPort(t)), "-mi", providerIP, "-mp", strconv.Itoa(freeUDPPort(t)), "-m", "1")
	if err := provider(); err != nil {
		t.Fatalf("provider's call: %v\nserver:\n%s", err, srv.output())
	}
	phone.WaitFor("CALL_CLOSED", 15*time.Second, peertest.EventType("CALL_CLOSED"))
	phone.Stop()
	heard := phone.Heard()
	if len(heard) > 4000 {
		heard = heard[4000:]
	}
	level := peertest.ToneLevel(heard, 440)
	t.Logf("the phone heard 440 Hz at %.2f of its power over %d samples", level, len(heard))
	if level < 0.5 {
		t.Errorf("the desk phone did not hear the provider's tone (level %.2f)\nserver:\n%s", level, srv.output())
	}
	rec := closedCDRs(t, data, 1)[0]
	if rec["callee"] != "1002" || rec["trunk"] != "provider" || rec["disposition"] != "answered" || rec["recording"] == "" {
		t.Fatalf("CDR = %v", rec)
	}
	wav, err := os.ReadFile(filepath.Join(data, "recordings", rec["recording"]))
	if err != nil {
		t.Fatalf("recording named in the CDR: %v", err)
	}
	checkChannels(t, wav, 440, 1000)
}
