package media

import (
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/media/dtmf"
)

// FuzzForward feeds arbitrary datagrams to the relay's per-packet path —
// header parsing, statistics, telephone-events, in-band detection, the
// recording tap, transcoding and stream rewriting — and checks that it
// never panics, forwards nothing that is not well-formed RTP of a
// negotiated type, and keeps the packet size.
func FuzzForward(f *testing.F) {
	rtp := func(pt byte, payload ...byte) []byte {
		return append([]byte{0x80, pt, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9}, payload...)
	}
	ev, _ := dtmf.EventPayloads('5', 40*time.Millisecond, 20*time.Millisecond, 10, 8000)
	f.Add(rtp(0, make([]byte, 160)...))
	f.Add(rtp(101, ev[0]...))
	f.Add(rtp(101, ev[len(ev)-1]...))
	f.Add(append([]byte{0x90, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9, 0xbe, 0xde, 0, 1, 1, 2, 3, 4}, make([]byte, 160)...))
	f.Add([]byte{0x8f, 0})
	f.Add(rtp(13, 0x40))

	e := newTestEngine(f, 0)
	from, err := e.NewSession()
	if err != nil {
		f.Fatal(err)
	}
	defer from.Close()
	to, err := e.NewSession()
	if err != nil {
		f.Fatal(err)
	}
	defer to.Close()
	sink := newTestPhone(f)
	offer, _ := ParseSDP(sdpBody(sink.port(), "", "0 8 101", "a=rtpmap:101 telephone-event/8000"))
	from.Answer(offer, offer.Addr.Addr())
	answer, _ := ParseSDP(sdpBody(sink.port(), "", "8 96", "a=rtpmap:96 telephone-event/8000"))
	to.SetRemote(answer)
	from.SetDTMFMode(DTMFAuto)
	from.tap.Store(newTap())
	in, out := from.leg(), to.leg()

	f.Fuzz(func(t *testing.T, pkt []byte) {
		if len(pkt) < 12 || pkt[0]>>6 != 2 {
			return // relay drops these before forward
		}
		before := to.Stats().PacketsOut
		buf := append([]byte(nil), pkt...)
		forward(buf, time.Now(), from, to, &in, &out)
		for len(from.Digits()) > 0 {
			if d := <-from.Digits(); d.Key == 0 {
				t.Fatal("empty digit")
			}
		}
		if len(buf) != len(pkt) {
			t.Fatal("packet size changed")
		}
		if to.Stats().PacketsOut != before {
			pt := pkt[1] & 0x7f
			if pt != 0 && pt != 101 {
				t.Fatalf("forwarded payload type %d", pt)
			}
			if got := buf[1] & 0x7f; got != 8 && got != 96 {
				t.Fatalf("sent payload type %d", got)
			}
		}
	})
}
