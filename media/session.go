package media

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/switchboard-cc/switchboard/media/dtmf"
)

// Session is one call leg's RTP endpoint on the appliance: an even RTP port
// and the RTCP port above it. RTCP is received and ignored (the port is
// bound, so phones get no ICMP errors for their reports).
type Session struct {
	eng       *Engine
	port      int
	rtp       *rtpSocket
	rtcp      *net.UDPConn
	sessID    uint64
	closeOnce sync.Once
	closed    chan struct{} // closed by Close

	// target is where RTP toward the phone goes: the SDP address until the
	// phone's real source is latched (symmetric RTP, NAT).
	target atomic.Pointer[netip.AddrPort]

	// changed counts the changes to the fields mu guards, so that a relay
	// sees them at its next packet without taking mu per packet.
	changed atomic.Uint64

	mu       sync.Mutex // guards the following fields
	version  uint64
	remote   *Description
	codec    Codec // the audio codec, with the payload type the phone expects
	dtmfPT   uint8 // the phone's telephone-event payload type, 0 when none
	dtmfMode DTMFMode

	// out is the RTP stream toward the phone. It belongs to the one
	// goroutine feeding the session at a time (a bridge direction).
	out outStream

	stats stats

	// in is the digit detection state of the goroutine reading the
	// session's RTP; digits is where it and PushDigit deliver.
	in     digitIn
	digits chan dtmf.Digit

	// tap receives the phone's audio while Record runs, mixIn while a
	// mixer does.
	tap, mixIn atomic.Pointer[tap]
}

// outStream keeps the stream toward a phone continuous (one SSRC, sequence
// and timestamp with no jumps) whatever feeds it.
type outStream struct {
	ssrc      uint32
	seq       uint16
	ts        uint32
	started   bool
	inSSRC    uint32
	seqOffset uint16
	tsOffset  uint32
	// played says the last packets came from a player: the next relayed
	// packet starts a new source whatever its SSRC.
	played bool
}

// next returns the sequence number and timestamp of the next generated
// packet of 160 samples, and whether it starts a new source (marker bit).
func (o *outStream) next() (seq uint16, ts uint32, first bool) {
	if !o.started {
		o.started, o.played = true, true
		return o.seq, o.ts, true
	}
	first = !o.played
	o.seq++
	o.ts += 160
	o.played = true
	return o.seq, o.ts, first
}

func newSession(e *Engine, port int, rtp *rtpSocket, rtcp *net.UDPConn) *Session {
	s := &Session{eng: e, port: port, rtp: rtp, rtcp: rtcp, sessID: rand.Uint64() >> 1, closed: make(chan struct{}), digits: make(chan dtmf.Digit, digitQueue)}
	s.out.ssrc = rand.Uint32()
	s.out.seq = uint16(rand.Uint32())
	s.out.ts = rand.Uint32()
	return s
}

// LocalPort is the session's RTP port.
func (s *Session) LocalPort() int { return s.port }

// Close frees the session's ports. It is safe to call more than once.
func (s *Session) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.unpoll()
		s.rtp.close()
		s.rtcp.Close()
		s.eng.release(s.port)
	})
	return nil
}

// send writes pkt to the phone at target, counting what left.
func (s *Session) send(pkt []byte, target netip.AddrPort) {
	if s.rtp.writeTo(pkt, target) == nil {
		s.stats.packetsOut.Add(1)
		s.stats.bytesOut.Add(uint64(len(pkt)))
	}
}

// Offer returns an SDP offer for this session at advertise: the codecs the
// appliance speaks that like also has (in like's order), and like's
// direction. A nil like offers PCMU, PCMA and telephone-event, sendrecv.
func (s *Session) Offer(advertise netip.Addr, like *Description) ([]byte, error) {
	codecs := []Codec{PCMU, PCMA}
	dtmf := TelephoneEvent.PayloadType
	dir := SendRecv
	if like != nil {
		codecs = codecs[:0]
		for _, c := range like.Codecs {
			if sc, ok := supported(c); ok {
				codecs = append(codecs, Codec{PayloadType: sc.PayloadType, Name: sc.Name, ClockRate: sc.ClockRate})
			}
		}
		if len(codecs) == 0 {
			return nil, ErrNoCommonCodec
		}
		dtmf = like.DTMFPayloadType
		dir = like.Direction
	}
	s.mu.Lock()
	s.version++
	v := s.version
	s.mu.Unlock()
	return marshal(s.sessID, v, advertise, s.port, codecs, dtmf, dir)
}

// Answer accepts an offer: it picks the first offered codec the appliance
// speaks, keeps telephone-event when offered, mirrors the direction, and
// returns the SDP answer for this session at advertise.
func (s *Session) Answer(offer *Description, advertise netip.Addr) ([]byte, error) {
	var chosen Codec
	found := false
	for _, c := range offer.Codecs {
		if sc, ok := supported(c); ok {
			chosen, found = sc, true
			break
		}
	}
	if !found {
		return nil, ErrNoCommonCodec
	}
	if err := s.setRemote(offer, chosen); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.version++
	v := s.version
	s.mu.Unlock()
	return marshal(s.sessID, v, advertise, s.port, []Codec{chosen}, offer.DTMFPayloadType, mirror(offer.Direction))
}

// SetRemote applies the far side's description from an answer (or a
// re-offer already answered): where to send, which codec, which DTMF type.
func (s *Session) SetRemote(d *Description) error {
	for _, c := range d.Codecs {
		if sc, ok := supported(c); ok {
			return s.setRemote(d, sc)
		}
	}
	if d.Addr.Port() == 0 { // a removed stream keeps the codec it had
		s.mu.Lock()
		codec := s.codec
		s.mu.Unlock()
		return s.setRemote(d, codec)
	}
	return ErrNoCommonCodec
}

func (s *Session) setRemote(d *Description, codec Codec) error {
	if d.Addr.Port() != 0 && !d.Addr.Addr().IsValid() {
		return fmt.Errorf("%w: no remote address", ErrBadSDP)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remote = d
	s.codec = codec
	s.dtmfPT = d.DTMFPayloadType
	s.changed.Add(1)
	if d.Addr.Port() != 0 && !d.Addr.Addr().IsUnspecified() && s.target.Load() == nil {
		addr := d.Addr
		s.target.Store(&addr)
	}
	return nil
}

// Remote returns the far side's current description, nil before one is set.
func (s *Session) Remote() *Description {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.remote
}

// Codec returns the negotiated audio codec.
func (s *Session) Codec() Codec {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.codec
}

// gen returns the session's change count; a nil session has none.
func (s *Session) gen() uint64 {
	if s == nil {
		return 0
	}
	return s.changed.Load()
}

// leg is the snapshot of a session's negotiation a relay direction uses.
type leg struct {
	codec    Codec
	dtmfPT   uint8
	dtmfMode DTMFMode
	gen      uint64 // the session's changed count the snapshot reflects
	held     bool   // the phone's stream is on hold or removed
	accepts  bool   // the phone wants RTP (sendrecv or recvonly, port set)
}

func (s *Session) leg() leg {
	if s == nil {
		return leg{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := leg{codec: s.codec, dtmfPT: s.dtmfPT, dtmfMode: s.dtmfMode, gen: s.changed.Load()}
	l.held = s.remote == nil || s.remote.Held()
	l.accepts = s.remote != nil && s.remote.Addr.Port() != 0 &&
		(s.remote.Direction == SendRecv || s.remote.Direction == RecvOnly)
	return l
}
