package dtmf

import (
	"encoding/binary"
	"fmt"
	"time"
)

// PayloadSize is the size of an RFC 4733 §2.3 event payload.
const PayloadSize = 4

// Event is a decoded RFC 4733 §2.3 telephone-event payload.
type Event struct {
	Code     uint8
	End      bool
	Volume   uint8  // 0-63, in -dBm0
	Duration uint16 // in timestamp units since the event began
}

// ParseEvent decodes a telephone-event payload. Bytes past the first four
// (RFC 4733 allows none for a single event) are ignored.
func ParseEvent(p []byte) (Event, error) {
	if len(p) < PayloadSize {
		return Event{}, fmt.Errorf("%w: %d bytes", ErrBadEvent, len(p))
	}
	return Event{
		Code:     p[0],
		End:      p[1]&0x80 != 0,
		Volume:   p[1] & 0x3f,
		Duration: binary.BigEndian.Uint16(p[2:]),
	}, nil
}

// AppendTo appends the event's wire form to b.
func (e Event) AppendTo(b []byte) []byte {
	flags := e.Volume & 0x3f
	if e.End {
		flags |= 0x80
	}
	return binary.BigEndian.AppendUint16(append(b, e.Code, flags), e.Duration)
}

// Receiver turns the telephone-event packets of one RTP stream into digits
// (RFC 4733 §2.5.2). All packets of one event share an RTP timestamp; the
// digit is reported once, on the first end packet, and the redundant end
// packets that follow are dropped. An event whose end packets were all lost
// is reported when the next event begins. Its zero value is ready for a
// stream with an 8 kHz clock; it is used by one goroutine.
type Receiver struct {
	// ClockRate is the stream's RTP clock in Hz; zero means 8000.
	ClockRate int

	active   bool   // an event is in progress
	ts       uint32 // its RTP timestamp
	code     uint8
	duration uint16
	reported bool // its digit was already given
}

// Packet takes one telephone-event packet with its RTP timestamp. It
// returns a digit when one completed. Payloads that carry no key (events
// 16 and above, such as flash) are accepted and yield no digit.
func (r *Receiver) Packet(ts uint32, payload []byte) (Digit, bool, error) {
	ev, err := ParseEvent(payload)
	if err != nil {
		return Digit{}, false, err
	}
	var out Digit
	var ok bool
	if !r.active || ts != r.ts {
		if r.active && int32(ts-r.ts) < 0 {
			return Digit{}, false, nil // a late packet of an older event
		}
		if r.active && !r.reported {
			out, ok = r.digit() // the previous event lost its end packets
		}
		r.active, r.ts, r.code, r.duration, r.reported = true, ts, ev.Code, ev.Duration, false
	} else if r.reported {
		return Digit{}, false, nil // redundant end packet
	}
	r.duration = max(r.duration, ev.Duration)
	if ev.End && !ok {
		// When the previous digit is being reported, this one waits for
		// its retransmitted end packet: one call returns one digit.
		out, ok = r.digit()
	}
	return out, ok, nil
}

// digit reports the current event once; events without a key yield none.
func (r *Receiver) digit() (Digit, bool) {
	r.reported = true
	key, err := KeyOf(r.code)
	if err != nil {
		return Digit{}, false
	}
	rate := r.ClockRate
	if rate <= 0 {
		rate = 8000
	}
	return Digit{Key: key, Duration: time.Duration(r.duration) * time.Second / time.Duration(rate)}, true
}

// EventPayloads returns the payloads a sender transmits for key held for
// duration (RFC 4733 §2.5.1): one every packet interval with a growing
// duration, the first to be sent with the RTP marker bit, then three copies
// of the end packet. All share one RTP timestamp, that of the event's start.
// volume is in -dBm0 (0-63); clock is the RTP clock rate in Hz.
func EventPayloads(key rune, duration, interval time.Duration, volume uint8, clock int) ([][]byte, error) {
	code, err := CodeOf(key)
	if err != nil {
		return nil, err
	}
	if interval <= 0 || duration < interval || clock <= 0 {
		return nil, fmt.Errorf("dtmf: duration %v, interval %v and clock %d must be positive with duration ≥ interval", duration, interval, clock)
	}
	units := func(d time.Duration) uint16 {
		return uint16(min(int64(d)*int64(clock)/int64(time.Second), 0xffff))
	}
	var out [][]byte
	for d := interval; d < duration; d += interval {
		out = append(out, Event{Code: code, Volume: volume & 0x3f, Duration: units(d)}.AppendTo(nil))
	}
	end := Event{Code: code, End: true, Volume: volume & 0x3f, Duration: units(duration)}
	for range 3 {
		out = append(out, end.AppendTo(nil))
	}
	return out, nil
}
