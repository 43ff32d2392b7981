package media

import (
	"sync/atomic"
	"time"
)

// Stats are a session's quality figures for the CDR.
type Stats struct {
	PacketsIn, PacketsOut uint64
	BytesIn, BytesOut     uint64
	// Lost is the number of packets the phone sent that never arrived
	// (RFC 3550 §A.3: expected minus received, per source).
	Lost uint64
	// Jitter is the RFC 3550 §A.8 interarrival jitter.
	Jitter time.Duration
	// Codec is the negotiated audio codec's name.
	Codec string
}

// stats are updated by the one goroutine reading the session and read by
// anyone through atomics.
type stats struct {
	packetsIn, packetsOut atomic.Uint64
	bytesIn, bytesOut     atomic.Uint64
	lost                  atomic.Uint64
	jitterNS              atomic.Int64

	// reader-owned state for loss and jitter
	ssrc          uint32
	baseSeq       uint32
	maxSeq        uint32 // extended highest sequence number
	received      uint64
	lostBefore    uint64 // loss of previous sources
	lastTransit   int64
	jitter        float64 // in timestamp units
	haveTransit   bool
	sourceStarted bool
}

// received records one RTP packet of the given header values, arriving at
// now, for a clock of rate Hz.
func (st *stats) record(ssrc uint32, seq uint16, ts uint32, now time.Time, rate int, size int) {
	st.packetsIn.Add(1)
	st.bytesIn.Add(uint64(size))
	if !st.sourceStarted || ssrc != st.ssrc {
		if st.sourceStarted {
			st.lostBefore += st.lostNow()
		}
		st.ssrc, st.baseSeq, st.maxSeq, st.received = ssrc, uint32(seq), uint32(seq), 0
		st.haveTransit, st.jitter, st.sourceStarted = false, 0, true
	}
	st.received++
	// extend the sequence number across wrap-around (RFC 3550 §A.1)
	cycles := st.maxSeq &^ 0xffff
	ext := cycles | uint32(seq)
	if d := int32(ext - st.maxSeq); d < -0x8000 {
		ext += 0x10000
	} else if d > 0x8000 {
		ext -= 0x10000
	}
	if int32(ext-st.maxSeq) > 0 {
		st.maxSeq = ext
	}
	st.lost.Store(st.lostBefore + st.lostNow())
	if rate <= 0 {
		return
	}
	arrival := now.UnixNano() * int64(rate) / int64(time.Second)
	transit := arrival - int64(ts)
	if st.haveTransit {
		d := transit - st.lastTransit
		if d < 0 {
			d = -d
		}
		st.jitter += (float64(d) - st.jitter) / 16
		st.jitterNS.Store(int64(st.jitter * float64(time.Second) / float64(rate)))
	}
	st.lastTransit, st.haveTransit = transit, true
}

func (st *stats) lostNow() uint64 {
	expected := uint64(st.maxSeq-st.baseSeq) + 1
	if expected > st.received {
		return expected - st.received
	}
	return 0
}

// Stats returns the session's figures so far.
func (s *Session) Stats() Stats {
	return Stats{
		PacketsIn:  s.stats.packetsIn.Load(),
		PacketsOut: s.stats.packetsOut.Load(),
		BytesIn:    s.stats.bytesIn.Load(),
		BytesOut:   s.stats.bytesOut.Load(),
		Lost:       s.stats.lost.Load(),
		Jitter:     time.Duration(s.stats.jitterNS.Load()),
		Codec:      s.Codec().Name,
	}
}
