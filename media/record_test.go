package media

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zaf/g711"
)

func TestRecordPutsCallerLeftAndAgentRight(t *testing.T) {
	e := newTestEngine(t, 0)
	alice, bob := newTestPhone(t), newTestPhone(t)
	a := answered(t, e, alice, "0") // caller, µ-law
	b := answered(t, e, bob, "8")   // agent, A-law
	path := filepath.Join(t.TempDir(), "call.wav")

	ctx, cancel := context.WithCancel(context.Background())
	bridged, recorded := make(chan error, 1), make(chan error, 1)
	go func() { bridged <- Bridge(ctx, a, b) }()
	go func() { recorded <- Record(ctx, a, b, path) }()

	callerTone := toneULaw(1000, 600*time.Millisecond, 8000)
	agentTone := toneULaw(1500, 600*time.Millisecond, 8000)
	tick := time.NewTicker(20 * time.Millisecond)
	for i := 0; i+160 <= len(callerTone); i += 160 {
		alice.send(t, a.LocalPort(), 0, 1, callerTone[i:i+160])
		bob.send(t, b.LocalPort(), 8, 2, g711.Ulaw2Alaw(agentTone[i:i+160]))
		<-tick.C
	}
	tick.Stop()
	// every packet reached the relay, hence the taps
	sent := uint64(len(callerTone) / 160)
	for i := 0; a.Stats().PacketsIn < sent || b.Stats().PacketsIn < sent; i++ {
		if i == 300 {
			t.Fatalf("relayed %d and %d of %d packets", a.Stats().PacketsIn, b.Stats().PacketsIn, sent)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := Record(ctx, a, b, path); err != ErrRecording {
		t.Fatalf("second Record = %v, want ErrRecording", err)
	}
	cancel()
	if err := <-recorded; err != nil {
		t.Fatal(err)
	}
	if err := <-bridged; err != nil {
		t.Fatal(err)
	}

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) < 44+4*8000/2 || binary.LittleEndian.Uint32(raw[40:]) != uint32(len(raw)-44) {
		t.Fatalf("%d-byte file, data size %d", len(raw), binary.LittleEndian.Uint32(raw[40:]))
	}
	var left, right []int16
	for p := raw[44:]; len(p) >= 4; p = p[4:] {
		left = append(left, int16(binary.LittleEndian.Uint16(p)))
		right = append(right, int16(binary.LittleEndian.Uint16(p[2:])))
	}
	for _, ch := range []struct {
		name      string
		s         []int16
		want, not float64
	}{{"left (caller)", left, 1000, 1500}, {"right (agent)", right, 1500, 1000}} {
		// the best 200 ms window: the tone sits somewhere in the file
		var share, peak, other float64
		for i := 0; i+1600 <= len(ch.s); i += 400 {
			if sh, pk := toneShare(ch.s[i:i+1600], ch.want); sh > share {
				share, peak = sh, pk
				other, _ = toneShare(ch.s[i:i+1600], ch.not)
			}
		}
		if share < 0.9 || peak < 7000 || other > 0.01 {
			t.Errorf("%s: %.2f of the energy at %.0f Hz (peak %.0f), %.3f at %.0f Hz", ch.name, share, ch.want, peak, other, ch.not)
		}
	}
}
