package media

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/media/dtmf"
	"github.com/zaf/g711"
)

func TestSendDigitAsEvents(t *testing.T) {
	e := newTestEngine(t, 0)
	alice := newTestPhone(t)
	a := answered(t, e, alice, "0 101", "a=rtpmap:101 telephone-event/8000")
	if err := a.SendDigit(context.Background(), '7', 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var r dtmf.Receiver
	var got []dtmf.Digit
	var ts uint32
	for i := range 7 { // updates at 20-80 ms, then 3 end packets
		pkt := alice.recv(t)
		if pkt[1]&0x7f != 101 || (i == 0) != (pkt[1]&0x80 != 0) {
			t.Fatalf("packet %d: pt %d marker %v", i, pkt[1]&0x7f, pkt[1]&0x80 != 0)
		}
		if i == 0 {
			ts = binary.BigEndian.Uint32(pkt[4:])
		} else if binary.BigEndian.Uint32(pkt[4:]) != ts {
			t.Fatalf("packet %d changed the event's timestamp", i)
		}
		if d, ok, err := r.Packet(ts, pkt[12:]); err != nil {
			t.Fatal(err)
		} else if ok {
			got = append(got, d)
		}
	}
	if len(got) != 1 || got[0] != (dtmf.Digit{Key: '7', Duration: 100 * time.Millisecond}) {
		t.Fatalf("phone decoded %v", got)
	}
	// audio after the event continues the timeline
	a.Play(context.Background(), make([]byte, 160), PlayOptions{})
	if next := alice.recv(t); binary.BigEndian.Uint32(next[4:]) != ts+800 {
		t.Fatalf("audio after the event at ts %d, want %d", binary.BigEndian.Uint32(next[4:]), ts+800)
	}
}

func TestSendDigitInBand(t *testing.T) {
	e := newTestEngine(t, 0)
	alice := newTestPhone(t)
	a := answered(t, e, alice, "8") // no telephone-event: a tone, in A-law
	if err := a.SendDigit(context.Background(), '3', 120*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var det dtmf.Detector
	var got []dtmf.Digit
	pcm := make([]int16, 160)
	for range 6 {
		pkt := alice.recv(t)
		for i, v := range pkt[12:] {
			pcm[i] = g711.DecodeAlawFrame(v)
		}
		got = det.Feed(pcm, got)
	}
	got = det.Feed(make([]int16, 800), got) // silence ends the digit
	if len(got) != 1 || got[0].Key != '3' {
		t.Fatalf("phone detected %v, want 3", got)
	}
	if err := a.SendDigit(context.Background(), 'x', time.Second); err == nil {
		t.Fatal("sent a non-digit")
	}
}
