package e2e

import (
	"strconv"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

func TestTwoBaresipPhonesTalkThroughTheAppliance(t *testing.T) {
	peertest.Binary(t, "baresip")
	data := t.TempDir()
	mustCLI(t, "--data", data, "extension", "add", "1001", "--password", "alice-pass1")
	mustCLI(t, "--data", data, "extension", "add", "1002", "--password", "bob-pass22")
	srv := startServer(t, nil, binPath, data)

	alice := peertest.StartBaresip(t, "1001", "alice-pass1", srv.sipPort, 440)
	bob := peertest.StartBaresip(t, "1002", "bob-pass22", srv.sipPort, 1000)
	alice.WaitRegistered()
	bob.WaitRegistered()

	talk(srv.sipPort, alice, bob, "1002")

	// Skip the first half second (jitter buffer start) and check each side
	// heard the other's tone, not its own.
	checkTone := func(name string, s []int16, want, other float64) {
		if len(s) > 4000 {
			s = s[4000:]
		}
		got, wrong := peertest.ToneLevel(s, want), peertest.ToneLevel(s, other)
		t.Logf("%s heard %.0f Hz at %.2f of its power (%.0f Hz: %.2f), %d samples", name, want, got, other, wrong, len(s))
		if got < 0.5 || wrong > 0.1 {
			t.Errorf("%s did not hear the %.0f Hz tone clearly: level %.2f, own tone %.2f\nserver:\n%s", name, want, got, wrong, srv.output())
		}
	}
	checkTone("bob", bob.Heard(), 440, 1000)
	checkTone("alice", alice.Heard(), 1000, 440)

	// Twenty milliseconds a packet for seconds each way: the CDR counts the
	// anchored media in both directions.
	rec := lastCDR(t, data)
	for _, col := range []string{"packets_a_to_b", "packets_b_to_a"} {
		if n, err := strconv.Atoi(rec[col]); err != nil || n < 50 {
			t.Errorf("CDR %s = %q, want the relayed packets (≥ 50)", col, rec[col])
		}
	}
	out := mustCLI(t, "--data", data, "cdr", "list")
	if !strings.Contains(out, "1001") || !strings.Contains(out, "1002") || !strings.Contains(out, "answered") || !strings.Contains(out, "caller hung up") {
		t.Errorf("cdr list lacks the answered call:\n%s\nserver:\n%s", out, srv.output())
	}
}
