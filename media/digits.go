package media

import (
	"github.com/switchboard-cc/switchboard/media/dtmf"
	"github.com/zaf/g711"
)

// DTMFMode says where a session looks for the digits its phone sends.
type DTMFMode int

const (
	// DTMFAuto takes RFC 4733 telephone-events when the phone negotiated
	// them and listens to the audio otherwise. It is the default.
	DTMFAuto DTMFMode = iota
	// DTMFEvents takes RFC 4733 telephone-events only.
	DTMFEvents
	// DTMFInband runs a tone detector on the phone's audio only.
	DTMFInband
	// DTMFOff looks at no RTP: digits come only from PushDigit (SIP INFO).
	DTMFOff
)

// digitQueue is how many digits wait for a slow reader before new ones
// are dropped.
const digitQueue = 32

// SetDTMFMode chooses where the session finds its phone's digits.
func (s *Session) SetDTMFMode(m DTMFMode) {
	s.mu.Lock()
	s.dtmfMode = m
	s.changed.Add(1)
	s.mu.Unlock()
}

// Digits delivers the digits the session's phone sends, whichever way
// they arrive: telephone-events or tones in its RTP (while the session's
// RTP is read, as in a Bridge) and PushDigit. The channel is never closed;
// digits are dropped when the reader falls digitQueue behind.
func (s *Session) Digits() <-chan dtmf.Digit { return s.digits }

// PushDigit adds a digit received outside RTP, such as a SIP INFO body
// parsed with dtmf.ParseInfo, to the session's Digits.
func (s *Session) PushDigit(d dtmf.Digit) {
	select {
	case s.digits <- d:
	default:
	}
}

// digitIn is the state of the goroutine reading a session's RTP for
// digits; the zero value is ready.
type digitIn struct {
	events  dtmf.Receiver
	tones   dtmf.Detector
	samples [160]int16
	found   [4]dtmf.Digit
}

// telephoneEvent passes one telephone-event payload to the receiver.
func (s *Session) telephoneEvent(in *leg, ts uint32, payload []byte) {
	if in.dtmfMode != DTMFAuto && in.dtmfMode != DTMFEvents {
		return
	}
	if d, ok, err := s.in.events.Packet(ts, payload); err == nil && ok {
		s.PushDigit(d)
	}
}

// audio passes one G.711 payload to the tone detector when the mode
// wants it.
func (s *Session) audio(in *leg, payload []byte) {
	if in.dtmfMode != DTMFInband && (in.dtmfMode != DTMFAuto || in.dtmfPT != 0) {
		return
	}
	ulaw := in.codec.Name == PCMU.Name
	for len(payload) > 0 {
		n := min(len(payload), len(s.in.samples))
		for i, v := range payload[:n] {
			if ulaw {
				s.in.samples[i] = g711.DecodeUlawFrame(v)
			} else {
				s.in.samples[i] = g711.DecodeAlawFrame(v)
			}
		}
		for _, d := range s.in.tones.Feed(s.in.samples[:n], s.in.found[:0]) {
			s.PushDigit(d)
		}
		payload = payload[n:]
	}
}
