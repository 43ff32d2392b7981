package media

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/media/dtmf"
)

// frameSize is one 20 ms G.711 packet's payload at 8 kHz.
const frameSize = 160

// ulawSilence is the µ-law code of a zero sample.
const ulawSilence = 0xff

// PlayOptions tune Session.Play.
type PlayOptions struct {
	// Loop repeats the audio until ctx ends or a digit barges in (music
	// on hold).
	Loop bool
	// BargeIn stops the playback on the first digit the phone sends and
	// returns it; without it digits stay queued on Digits.
	BargeIn bool
}

// Play sends audio, 8 kHz G.711 µ-law (the format of package prompts), to
// the session's phone in 20 ms packets, transcoded to the negotiated law.
// The phone's stream stays continuous across plays and bridges: one SSRC,
// consecutive sequence numbers, timestamps advancing by the samples sent.
// While it plays, the session's RTP is read as in a Bridge (latching,
// statistics, digits, inactivity). Play returns when the audio ends or ctx
// ends (nil error), on a barge-in (the digit), or on ErrClosed or
// ErrInactive. A session plays and bridges one thing at a time.
func (s *Session) Play(ctx context.Context, audio []byte, opts PlayOptions) (dtmf.Digit, error) {
	if len(audio) == 0 {
		return dtmf.Digit{}, nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	wg.Go(func() { relay(ctx, cancel, s, nil) })
	defer func() {
		cancel(nil) // wakes the reader (see relay)
		wg.Wait()
	}()

	var bargeIn <-chan dtmf.Digit
	if opts.BargeIn {
		bargeIn = s.digits
	}
	pkt := make([]byte, 12+frameSize)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	out := s.leg()
	for pos := 0; ; {
		if s.gen() != out.gen {
			out = s.leg()
		}
		s.sendFrame(pkt, audio, &pos, out)
		if pos >= len(audio) {
			if !opts.Loop {
				return dtmf.Digit{}, nil
			}
			pos = 0
		}
		select {
		case <-ctx.Done():
			return dtmf.Digit{}, playErr(ctx)
		case d := <-bargeIn:
			return d, nil
		case <-tick.C:
		}
	}
}

// playErr is Play's result once ctx ended: the reader's failure, or nil
// when the caller ended the playback.
func playErr(ctx context.Context) error {
	err := context.Cause(ctx)
	if errors.Is(err, ErrClosed) || errors.Is(err, ErrInactive) {
		return err
	}
	return nil
}

// sendFrame sends the next 20 ms of audio from *pos, padded with silence.
func (s *Session) sendFrame(pkt, audio []byte, pos *int, out leg) {
	payload := pkt[12:]
	n := copy(payload, audio[*pos:])
	for i := n; i < len(payload); i++ {
		payload[i] = ulawSilence
	}
	*pos += n
	seq, ts, first := s.out.next()
	target := s.target.Load()
	if target == nil || !out.accepts {
		return // the timeline still advances, as the phone expects
	}
	transcode(payload, PCMU.Name, out.codec.Name)
	pkt[0] = 0x80
	pkt[1] = out.codec.PayloadType
	if first {
		pkt[1] |= 0x80
	}
	binary.BigEndian.PutUint16(pkt[2:], seq)
	binary.BigEndian.PutUint32(pkt[4:], ts)
	binary.BigEndian.PutUint32(pkt[8:], s.out.ssrc)
	s.send(pkt, *target)
}
