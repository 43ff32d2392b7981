package media

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/switchboard-cc/switchboard/media/dtmf"
	"github.com/zaf/g711"
)

// Digit sending: RFC 4733 events at -10 dBm0, tones at about -8 dBm0 each.
const (
	eventVolume   = 10
	toneAmplitude = 4500
)

// SendDigit sends key to the session's phone, held for duration: as RFC
// 4733 telephone-events (§2.5.1: one timestamp, marker on the first packet,
// an update every 20 ms, the end packet three times) when the phone
// negotiated them, as an in-band dual tone otherwise. It paces in real
// time and keeps the phone's stream continuous; like Play, it runs while
// the session is neither bridged nor playing.
func (s *Session) SendDigit(ctx context.Context, key rune, duration time.Duration) error {
	duration = max(duration, 40*time.Millisecond)
	out := s.leg()
	if out.dtmfPT == 0 {
		g, err := dtmf.NewToneGenerator(key, toneAmplitude, 8000)
		if err != nil {
			return err
		}
		pcm := make([]int16, int(duration*8000/time.Second))
		g.Read(pcm)
		audio := make([]byte, len(pcm))
		for i, v := range pcm {
			audio[i] = g711.EncodeUlawFrame(v)
		}
		_, err = s.Play(ctx, audio, PlayOptions{})
		return err
	}
	payloads, err := dtmf.EventPayloads(key, duration, 20*time.Millisecond, eventVolume, 8000)
	if err != nil {
		return err
	}
	pkt := make([]byte, 12+dtmf.PayloadSize)
	seq, ts, _ := s.out.next()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i, p := range payloads {
		if i > 0 {
			s.out.seq++
			seq = s.out.seq
		}
		pkt[0], pkt[1] = 0x80, out.dtmfPT
		if i == 0 {
			pkt[1] |= 0x80
		}
		binary.BigEndian.PutUint16(pkt[2:], seq)
		binary.BigEndian.PutUint32(pkt[4:], ts)
		binary.BigEndian.PutUint32(pkt[8:], s.out.ssrc)
		copy(pkt[12:], p)
		if target := s.target.Load(); target != nil && out.accepts {
			s.send(pkt, *target)
		}
		if i < len(payloads)-3 { // the end packets go back to back
			select {
			case <-ctx.Done():
				return nil
			case <-tick.C:
			}
		}
	}
	// the audio that follows continues after the event's duration
	s.out.ts = ts + uint32(duration*8000/time.Second) - frameSize
	return nil
}
