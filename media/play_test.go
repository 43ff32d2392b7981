package media

import (
	"context"
	"encoding/binary"
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/media/dtmf"
	"github.com/switchboard-cc/switchboard/media/prompts"
	"github.com/zaf/g711"
)

// toneULaw returns d of a freq sine at peak amplitude as µ-law.
func toneULaw(freq float64, d time.Duration, amplitude float64) []byte {
	out := make([]byte, int(d*8000/time.Second))
	for i := range out {
		out[i] = g711.EncodeUlawFrame(int16(amplitude * math.Sin(2*math.Pi*freq*float64(i)/8000)))
	}
	return out
}

// toneShare returns the share of pcm's energy at freq and its peak level.
func toneShare(pcm []int16, freq float64) (share, peak float64) {
	c := 2 * math.Cos(2*math.Pi*freq/8000)
	var q1, q2, energy float64
	for _, v := range pcm {
		x := float64(v)
		energy += x * x
		q1, q2 = c*q1-q2+x, q1
	}
	p := q1*q1 + q2*q2 - c*q1*q2
	return 2 * p / float64(len(pcm)) / energy, 2 * math.Sqrt(p) / float64(len(pcm))
}

func answered(t *testing.T, e *Engine, phone *testPhone, formats string, extra ...string) *Session {
	t.Helper()
	s, err := e.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	offer, err := ParseSDP(sdpBody(phone.port(), "", formats, extra...))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Answer(offer, netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPlayThenBridgeKeepsOneStream(t *testing.T) {
	e := newTestEngine(t, 0)
	alice, bob := newTestPhone(t), newTestPhone(t)
	a := answered(t, e, alice, "8") // A-law: the µ-law prompt is transcoded
	b := answered(t, e, bob, "0")

	audio := toneULaw(1000, 300*time.Millisecond, 8000)
	if d, err := a.Play(context.Background(), audio, PlayOptions{}); err != nil || d.Key != 0 {
		t.Fatalf("Play = %v, %v", d, err)
	}
	var pcm []int16
	var ssrc uint32
	var seq uint16
	var ts uint32
	for i := range 15 {
		pkt := alice.recv(t)
		s, q, stamp := binary.BigEndian.Uint32(pkt[8:]), binary.BigEndian.Uint16(pkt[2:]), binary.BigEndian.Uint32(pkt[4:])
		if pkt[1]&0x7f != 8 || len(pkt) != 12+160 {
			t.Fatalf("packet %d: pt %d, %d bytes", i, pkt[1]&0x7f, len(pkt))
		}
		if i == 0 && pkt[1]&0x80 == 0 {
			t.Fatal("first packet lacks the marker bit")
		}
		if i > 0 && (s != ssrc || q != seq+1 || stamp != ts+160) {
			t.Fatalf("packet %d: ssrc %x seq %d ts %d after %x %d %d", i, s, q, stamp, ssrc, seq, ts)
		}
		ssrc, seq, ts = s, q, stamp
		for _, v := range pkt[12:] {
			pcm = append(pcm, g711.DecodeAlawFrame(v))
		}
	}
	if share, peak := toneShare(pcm, 1000); share < 0.9 || peak < 7000 || peak > 9000 {
		t.Fatalf("played audio: %.2f of the energy at 1 kHz with peak %.0f, want the 1 kHz tone at 8000", share, peak)
	}

	// The bridge continues the same stream toward Alice.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Bridge(ctx, a, b) }()
	bob.send(t, b.LocalPort(), 0, 777, make([]byte, 160))
	pkt := alice.recv(t)
	if binary.BigEndian.Uint32(pkt[8:]) != ssrc || binary.BigEndian.Uint16(pkt[2:]) != seq+1 || binary.BigEndian.Uint32(pkt[4:]) != ts+160 || pkt[1]&0x80 == 0 {
		t.Fatalf("bridged packet ssrc %x seq %d ts %d marker %v, want %x %d %d with marker", binary.BigEndian.Uint32(pkt[8:]), binary.BigEndian.Uint16(pkt[2:]), binary.BigEndian.Uint32(pkt[4:]), pkt[1]&0x80 != 0, ssrc, seq+1, ts+160)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestPlayBargeInAndLoop(t *testing.T) {
	e := newTestEngine(t, 0)
	alice := newTestPhone(t)
	a := answered(t, e, alice, "0 101", "a=rtpmap:101 telephone-event/8000")
	hello, err := prompts.Audio("en", []string{prompts.Welcome})
	if err != nil {
		t.Fatal(err)
	}

	result := make(chan dtmf.Digit, 1)
	errs := make(chan error, 1)
	go func() {
		d, err := a.Play(context.Background(), hello, PlayOptions{Loop: true, BargeIn: true})
		result <- d
		errs <- err
	}()
	alice.recv(t) // the prompt is playing
	events, _ := dtmf.EventPayloads('5', 60*time.Millisecond, 20*time.Millisecond, 10, 8000)
	for _, p := range events {
		alice.sendAt(t, a.LocalPort(), 101, 4000, p)
	}
	select {
	case d := <-result:
		if d.Key != '5' || <-errs != nil {
			t.Fatalf("barge-in returned %v", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the digit did not stop the prompt")
	}

	// Music loops until its context ends.
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		d, err := a.Play(ctx, prompts.Music()[:800], PlayOptions{Loop: true})
		result <- d
		errs <- err
	}()
	for range 8 { // 160 ms of a 100 ms clip: it looped
		alice.recv(t)
	}
	cancel()
	if d := <-result; d.Key != 0 || <-errs != nil {
		t.Fatalf("music returned %v", d)
	}
	if st := a.Stats(); st.PacketsOut < 9 || st.PacketsIn != uint64(len(events)) {
		t.Fatalf("stats %+v", st)
	}
}

func TestPlayOnClosedSession(t *testing.T) {
	e := newTestEngine(t, 0)
	alice := newTestPhone(t)
	a := answered(t, e, alice, "0")
	a.Close()
	if _, err := a.Play(context.Background(), prompts.Music(), PlayOptions{Loop: true}); err != ErrClosed {
		t.Fatalf("Play on a closed session = %v, want ErrClosed", err)
	}
}
