package e2e

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/peertest"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// TestVoicemailBecomesACallbackItem: a provider's call routed to a flow
// whose node takes a voicemail streams a 440 Hz tone after the prompt and
// hangs up; the message is recorded (caller on the left channel) and
// delivered as a callback work item naming the recording and the number.
func TestVoicemailBecomesACallbackItem(t *testing.T) {
	peertest.Binary(t, "sipp")
	data := t.TempDir()
	importConfig(t, data, fmt.Sprintf(`trunks:
  - {name: provider, type: peer, host: "%s"}
routes:
  inbound:
    - {did: "+33123456789", to: "flow:messages"}
queues:
  - {name: support}
flows:
  - name: messages
    start: vm
    nodes:
      vm: {type: voicemail, prompt: welcome, queue: support, fallback: bye}
      bye: {type: hangup}
`, providerIP))
	srv := startServer(t, nil, binPath, data)
	dir := t.TempDir()
	writeUlaw(t, filepath.Join(dir, "audio.ulaw"), silence(3*time.Second), sine(440, 3*time.Second))
	provider := trunkSipp(t, dir, "trunk_provider_voicemail.xml", fmt.Sprintf("127.0.0.1:%d", srv.sipPort), "-s", "0123456789",
		"-i", providerIP, "-p", strconv.Itoa(freeUDPPort(t)), "-mi", providerIP, "-mp", strconv.Itoa(freeUDPPort(t)), "-m", "1")
	if err := provider(); err != nil {
		t.Fatalf("provider's call: %v\nserver:\n%s", err, srv.output())
	}
	var items []store.ACDItem
	deadline := time.Now().Add(10 * time.Second)
	for len(items) == 0 && time.Now().Before(deadline) {
		st, err := store.Open(context.Background(), data)
		if err != nil {
			t.Fatal(err)
		}
		items, err = st.ACDItems(context.Background())
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(items) != 1 || items[0].Channel != "callback" || items[0].Context["kind"] != "voicemail" ||
		items[0].Context["number"] != "0612345678" || items[0].Context["recording"] == "" {
		t.Fatalf("items after the voicemail: %+v\nserver:\n%s", items, srv.output())
	}
	wav, err := os.ReadFile(filepath.Join(data, "recordings", items[0].Context["recording"]))
	if err != nil {
		t.Fatal(err)
	}
	var left []int16
	for i := 44; i+4 <= len(wav); i += 4 {
		left = append(left, int16(binary.LittleEndian.Uint16(wav[i:])))
	}
	level := peertest.ToneLevel(left, 440)
	t.Logf("voicemail: %.1f s, 440 Hz at %.2f of the left channel's power", float64(len(left))/8000, level)
	if level < 0.3 {
		t.Errorf("the voicemail does not hold the caller's tone (level %.2f)", level)
	}
}
