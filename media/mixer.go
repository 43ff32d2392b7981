package media

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/zaf/g711"
)

// MaxConference is the most legs Conference mixes.
const MaxConference = 8

// mixKeep is the most audio, in samples, a mixer input queues (60 ms):
// more would only add delay.
const mixKeep = 3 * frameSize

// SuperviseMode is what a supervisor's leg does to a call.
type SuperviseMode int

const (
	// Listen: the supervisor hears caller and agent; nobody hears them.
	Listen SuperviseMode = iota
	// Whisper: the supervisor hears both and only the agent hears them.
	Whisper
	// Barge: all three hear each other.
	Barge
)

// Supervise mixes a call between caller and agent with a supervisor's
// leg in the given mode until ctx ends (nil) or a leg fails (ErrClosed,
// ErrInactive). The legs must not be bridged or playing meanwhile; their
// streams continue across the change. Changing mode is ending one
// Supervise and starting another.
func Supervise(ctx context.Context, caller, agent, supervisor *Session, mode SuperviseMode) error {
	hears := [][]bool{ // hears[i][j]: leg i hears leg j
		{false, true, mode == Barge},
		{true, false, mode != Listen},
		{true, true, false},
	}
	return mix(ctx, []*Session{caller, agent, supervisor}, hears)
}

// Conference mixes up to MaxConference legs, each hearing all the others,
// until ctx ends (nil) or a leg fails (ErrClosed, ErrInactive).
func Conference(ctx context.Context, legs ...*Session) error {
	if len(legs) < 2 || len(legs) > MaxConference {
		return fmt.Errorf("media: a conference has 2 to %d legs, not %d", MaxConference, len(legs))
	}
	hears := make([][]bool, len(legs))
	for i := range hears {
		hears[i] = make([]bool, len(legs))
		for j := range hears[i] {
			hears[i][j] = i != j
		}
	}
	return mix(ctx, legs, hears)
}

// mix runs one reader per leg (latching, statistics, digits, the mixer's
// input) and, every 20 ms, sends each leg the sum of the legs it hears.
func mix(ctx context.Context, legs []*Session, hears [][]bool) error {
	inputs := make([]*tap, len(legs))
	for i, s := range legs {
		inputs[i] = newTap()
		if !s.mixIn.CompareAndSwap(nil, inputs[i]) {
			for _, done := range legs[:i] {
				done.mixIn.Store(nil)
			}
			return fmt.Errorf("media: session on port %d is already mixed", s.port)
		}
	}
	defer func() {
		for _, s := range legs {
			s.mixIn.Store(nil)
		}
	}()

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for _, s := range legs {
		wg.Go(func() { relay(ctx, cancel, s, nil) })
	}
	defer func() {
		cancel(nil)
		wg.Wait()
	}()

	pcm := make([][frameSize]int16, len(legs))
	sum := make([]int32, frameSize)
	pkt := make([]byte, 12+frameSize)
	outs := make([]leg, len(legs))
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			err := context.Cause(ctx)
			if errors.Is(err, ErrClosed) || errors.Is(err, ErrInactive) {
				return err
			}
			return nil
		case <-tick.C:
		}
		for i := range legs {
			inputs[i].take(pcm[i][:], mixKeep)
		}
		for i, s := range legs {
			if s.gen() != outs[i].gen || outs[i].codec.Name == "" {
				outs[i] = s.leg()
			}
			clear(sum)
			for j, on := range hears[i] {
				if on {
					for k, v := range pcm[j] {
						sum[k] += int32(v)
					}
				}
			}
			s.sendMixed(pkt, sum, outs[i])
		}
	}
}

// sendMixed encodes one 20 ms frame of mixed audio in the leg's law and
// sends it on the leg's continuous stream.
func (s *Session) sendMixed(pkt []byte, sum []int32, out leg) {
	seq, ts, first := s.out.next()
	target := s.target.Load()
	if target == nil || !out.accepts {
		return
	}
	alaw := out.codec.Name == PCMA.Name
	for k, v := range sum {
		x := int16(max(min(v, 32767), -32768))
		if alaw {
			pkt[12+k] = g711.EncodeAlawFrame(x)
		} else {
			pkt[12+k] = g711.EncodeUlawFrame(x)
		}
	}
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
