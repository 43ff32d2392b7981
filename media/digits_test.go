package media

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/media/dtmf"
	"github.com/zaf/g711"
)

// sendAt sends one RTP packet with an explicit timestamp.
func (p *testPhone) sendAt(t *testing.T, to int, pt uint8, ts uint32, payload []byte) {
	t.Helper()
	pkt := make([]byte, 12+len(payload))
	pkt[0], pkt[1] = 0x80, pt
	binary.BigEndian.PutUint16(pkt[2:], p.seq)
	binary.BigEndian.PutUint32(pkt[4:], ts)
	binary.BigEndian.PutUint32(pkt[8:], 0x5555)
	copy(pkt[12:], payload)
	p.seq++
	if _, err := p.conn.WriteToUDP(pkt, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: to}); err != nil {
		t.Fatal(err)
	}
}

func waitDigit(t *testing.T, s *Session) dtmf.Digit {
	t.Helper()
	select {
	case d := <-s.Digits():
		return d
	case <-time.After(3 * time.Second):
		t.Fatal("no digit")
		return dtmf.Digit{}
	}
}

func noDigit(t *testing.T, s *Session) {
	t.Helper()
	select {
	case d := <-s.Digits():
		t.Fatalf("unexpected digit %v", d)
	default:
	}
}

func TestBridgeDeliversDigits(t *testing.T) {
	e := newTestEngine(t, 0)
	a, err := e.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := e.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	alice, bob := newTestPhone(t), newTestPhone(t)
	lo := netip.MustParseAddr("127.0.0.1")
	// Alice sends telephone-events (type 101); Bob has none and sends tones
	// in A-law audio.
	offerA, _ := ParseSDP(sdpBody(alice.port(), "", "0 101", "a=rtpmap:101 telephone-event/8000"))
	if _, err := a.Answer(offerA, lo); err != nil {
		t.Fatal(err)
	}
	ansB, _ := ParseSDP(sdpBody(bob.port(), "", "8"))
	if err := b.SetRemote(ansB); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Bridge(ctx, a, b) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Bridge = %v", err)
		}
	}()

	events, err := dtmf.EventPayloads('4', 100*time.Millisecond, 20*time.Millisecond, 10, 8000)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range events {
		alice.sendAt(t, a.LocalPort(), 101, 8000, p)
	}
	if d := waitDigit(t, a); d.Key != '4' || d.Duration != 100*time.Millisecond {
		t.Fatalf("alice's digit = %+v, want 4 for 100ms", d)
	}

	g, err := dtmf.NewToneGenerator('9', 5000, 8000)
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, 160)
	frame := make([]byte, 160)
	for i := range 15 { // 120 ms of tone then 180 ms of silence
		clear(pcm)
		if i < 6 {
			g.Read(pcm)
		}
		for j, v := range pcm {
			frame[j] = g711.EncodeAlawFrame(v)
		}
		bob.sendAt(t, b.LocalPort(), 8, uint32(i*160), frame)
		if i%3 == 2 {
			alice.recv(t) // keep the pace of a phone, not a flood
		}
	}
	if d := waitDigit(t, b); d.Key != '9' {
		t.Fatalf("bob's digit = %+v, want 9", d)
	}
	noDigit(t, a)

	b.PushDigit(dtmf.Digit{Key: '#'})
	if d := waitDigit(t, b); d.Key != '#' {
		t.Fatalf("pushed digit = %+v, want #", d)
	}

	// With detection off, the same events yield no digit.
	a.SetDTMFMode(DTMFOff)
	for _, p := range events {
		alice.sendAt(t, a.LocalPort(), 101, 16000, p)
	}
	// Packets are relayed in order: once the audio sent after the events
	// reaches Bob, the events were handled, and none was forwarded to a
	// phone that did not negotiate telephone-events.
	alice.sendAt(t, a.LocalPort(), 0, 16000, make([]byte, 160))
	if got := bob.recv(t); got[1]&0x7f != 8 {
		t.Fatalf("bob got payload type %d, want only audio (8)", got[1]&0x7f)
	}
	noDigit(t, a)
}
