package media

import (
	"context"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/media/recorder"
	"github.com/zaf/g711"
)

// Recording timing: audio is written every recordTick, by the wall clock
// (a silent phone becomes silence in its channel), and the file's header
// is patched every recordFlush.
const (
	recordTick  = 100 * time.Millisecond
	recordFlush = time.Second
	// recordDelay is how far the file lags the clock, so that packets
	// delayed by network jitter still land in time.
	recordDelay = 200 * time.Millisecond
	// tapMax bounds the samples a tap holds: past it the oldest go (a
	// phone whose clock runs fast must not delay its channel for ever).
	tapMax = 3 * 1600
)

// tap collects the audio a session's phone sends, decoded, for Record.
type tap struct {
	mu      sync.Mutex // guards the following fields
	samples []int16
}

func newTap() *tap { return &tap{samples: make([]int16, 0, 2*tapMax)} }

// push decodes one G.711 payload of the given codec into the tap.
func (t *tap) push(payload []byte, codec string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.samples)+len(payload) > cap(t.samples) {
		drop := len(t.samples) + len(payload) - tapMax
		t.samples = t.samples[:copy(t.samples, t.samples[min(drop, len(t.samples)):])]
	}
	for _, v := range payload[:min(len(payload), cap(t.samples)-len(t.samples))] {
		if codec == PCMA.Name {
			t.samples = append(t.samples, g711.DecodeAlawFrame(v))
		} else {
			t.samples = append(t.samples, g711.DecodeUlawFrame(v))
		}
	}
}

// take moves up to len(out) samples into out, padding with silence, and
// drops what lies beyond keep samples.
func (t *tap) take(out []int16, keep int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := copy(out, t.samples)
	clear(out[n:])
	rest := t.samples[n:]
	rest = rest[max(0, len(rest)-keep):]
	t.samples = t.samples[:copy(t.samples, rest)]
}

// Record writes what caller's and agent's phones send — caller on the
// left channel, agent on the right — to a stereo WAV file at path until
// ctx ends, while the sessions are bridged or play. The file is playable
// at any moment (see package recorder). A session is recorded by one
// Record at a time (ErrRecording).
func Record(ctx context.Context, caller, agent *Session, path string) error {
	left, right := newTap(), newTap()
	if !caller.tap.CompareAndSwap(nil, left) {
		return ErrRecording
	}
	defer caller.tap.Store(nil)
	if !agent.tap.CompareAndSwap(nil, right) {
		return ErrRecording
	}
	defer agent.tap.Store(nil)
	w, err := recorder.Create(path)
	if err != nil {
		return err
	}
	defer w.Close()

	start := time.Now()
	tick := time.NewTicker(recordTick)
	defer tick.Stop()
	l, r := make([]int16, 2*tapMax), make([]int16, 2*tapMax)
	lastFlush := start
	for {
		var done bool
		select {
		case <-ctx.Done():
			done = true
		case <-tick.C:
		}
		now := time.Now()
		upTo := now.Sub(start) - recordDelay
		if done {
			upTo += recordDelay // what is queued now is all there will be
		}
		n := int(int64(upTo)*recorder.Rate/int64(time.Second) - w.Frames())
		for n > 0 {
			k := min(n, len(l))
			left.take(l[:k], tapMax)
			right.take(r[:k], tapMax)
			if err := w.Write(l[:k], r[:k]); err != nil {
				return err
			}
			n -= k
		}
		if done {
			return w.Close()
		}
		if now.Sub(lastFlush) >= recordFlush {
			if err := w.Flush(); err != nil {
				return err
			}
			lastFlush = now
		}
	}
}
