package media

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/zaf/g711"
)

// relatchAfter is how long the latched source must stay silent before a
// packet from another address may take its place (a phone whose NAT
// binding changed), so that a stray sender cannot hijack a live stream.
const relatchAfter = time.Second

// Bridge relays RTP between a and b, both ways, until ctx ends (it then
// returns nil), a session is closed (ErrClosed), or an active leg sends no
// RTP for the engine's inactivity timeout (ErrInactive). Audio is
// transcoded when the legs negotiated different G.711 laws, telephone-event
// payload types are mapped, and each phone receives one continuous stream.
func Bridge(ctx context.Context, a, b *Session) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); relay(ctx, cancel, a, b) }()
	go func() { defer wg.Done(); relay(ctx, cancel, b, a) }()
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// relay moves packets arriving on from's socket to to's phone until ctx
// ends, the session is closed (ErrClosed through stop) or the inactivity
// timeout passes (ErrInactive). With a nil to it only reads: latching,
// statistics, digits and inactivity, for a session that plays to its
// phone. On Linux the engine's epoll readers serve it (see pollRelay);
// elsewhere, or when they cannot, a goroutine reads the socket.
func relay(ctx context.Context, stop context.CancelCauseFunc, from, to *Session) {
	d := newDirection(stop, from, to)
	if !from.eng.portable && pollRelay(ctx, d) {
		return
	}
	d.loop(ctx)
}

// relayDir is one direction of a relay: what arrives from from's phone goes to
// to's. It is the hot path: no allocation and no lock shared across calls
// per packet. Its fields belong to whoever reads from's socket.
type relayDir struct {
	stop     context.CancelCauseFunc
	from, to *Session
	timeout  time.Duration
	// lastRx is when the phone last sent, or when the call was last seen
	// on hold (held calls are exempt from the inactivity timeout).
	lastRx  time.Time
	latched netip.AddrPort
	in, out leg
}

func newDirection(stop context.CancelCauseFunc, from, to *Session) *relayDir {
	return &relayDir{stop: stop, from: from, to: to, timeout: from.eng.cfg.inactivity(),
		lastRx: time.Now(), in: from.leg(), out: to.leg()}
}

// packet handles one datagram from src, received at now.
func (d *relayDir) packet(pkt []byte, src netip.AddrPort, now time.Time) {
	if len(pkt) < 12 || pkt[0]>>6 != 2 {
		return // not RTP version 2
	}
	src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	if src != d.latched {
		if d.latched.IsValid() && now.Sub(d.lastRx) < relatchAfter {
			return // a stray sender while the phone's stream is alive
		}
		d.latched = src
		target := src // a copy, so that src stays off the heap
		d.from.target.Store(&target)
	}
	d.lastRx = now
	if d.from.gen() != d.in.gen || d.to.gen() != d.out.gen {
		d.in, d.out = d.from.leg(), d.to.leg() // a re-INVITE or a mode change
	}
	forward(pkt, now, d.from, d.to, &d.in, &d.out)
}

// expired reports whether the inactivity timeout has passed at now. It
// picks up re-INVITEs first: a held call is never inactive, and its
// silence starts counting only once it is resumed.
func (d *relayDir) expired(now time.Time) bool {
	d.in, d.out = d.from.leg(), d.to.leg()
	if d.in.held || d.out.held {
		d.lastRx = now
		return false
	}
	return d.timeout > 0 && now.Sub(d.lastRx) >= d.timeout
}

// deadline is when the inactivity timeout would pass, zero when it is
// disabled.
func (d *relayDir) deadline() time.Time {
	if d.timeout <= 0 {
		return time.Time{}
	}
	return d.lastRx.Add(d.timeout)
}

// loop reads from's socket in this goroutine. The read blocks until a
// packet comes, ctx ends (a function run by context.AfterFunc moves the
// read deadline into the past) or the inactivity timeout may have passed:
// the deadline is set when the loop starts and moved only when it fires,
// so a flowing stream costs no timer update per packet and an idle relay
// no wake-up but that one. Re-INVITEs are seen per packet through the
// sessions' generations.
func (d *relayDir) loop(ctx context.Context) {
	from := d.from
	conn, err := from.rtp.reader()
	if err != nil {
		if errors.Is(err, net.ErrClosed) {
			d.stop(ErrClosed)
		} else {
			from.eng.log.Error("media: cannot read the RTP socket", "port", from.port, "err", err)
			d.stop(err)
		}
		return
	}
	stopWaking := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stopWaking()
	buf := make([]byte, 1500)
	if !d.armDeadline(ctx, conn) {
		return
	}
	for {
		n, src, err := conn.ReadFromUDPAddrPort(buf)
		now := time.Now()
		if ctx.Err() != nil {
			if err == nil && n >= 12 {
				// the relay ends, but the phone did send this packet
				from.stats.record(binary.BigEndian.Uint32(buf[8:]), binary.BigEndian.Uint16(buf[2:]), binary.BigEndian.Uint32(buf[4:]), now, 8000, n)
			}
			return
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				if d.expired(now) {
					d.stop(ErrInactive)
					return
				}
				if !d.armDeadline(ctx, conn) {
					return
				}
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				d.stop(ErrClosed)
			}
			return
		}
		d.packet(buf[:n], src, now)
	}
}

// armDeadline sets the read deadline of conn, from's socket, to the
// moment the inactivity timeout would pass, and reports whether the loop
// may read: false once ctx has ended. The check comes after the write, so
// a cancellation's past deadline is never overwritten unseen.
func (d *relayDir) armDeadline(ctx context.Context, conn *net.UDPConn) bool {
	conn.SetReadDeadline(d.deadline())
	return ctx.Err() == nil
}

// forward rewrites one packet from from's phone for to's phone and sends it.
func forward(pkt []byte, now time.Time, from, to *Session, in, out *leg) {
	hdr := 12 + 4*int(pkt[0]&0x0f)
	if pkt[0]&0x10 != 0 { // header extension
		if len(pkt) < hdr+4 {
			return
		}
		hdr += 4 + 4*int(binary.BigEndian.Uint16(pkt[hdr+2:]))
	}
	if hdr > len(pkt) {
		return
	}
	pt := pkt[1] & 0x7f
	ssrc := binary.BigEndian.Uint32(pkt[8:])
	seq := binary.BigEndian.Uint16(pkt[2:])
	ts := binary.BigEndian.Uint32(pkt[4:])
	from.stats.record(ssrc, seq, ts, now, 8000, len(pkt))

	var outPT uint8
	switch {
	case pt == in.codec.PayloadType && in.codec.Name != "":
		from.audio(in, pkt[hdr:])
		if t := from.tap.Load(); t != nil {
			t.push(pkt[hdr:], in.codec.Name)
		}
		if t := from.mixIn.Load(); t != nil {
			t.push(pkt[hdr:], in.codec.Name)
		}
		outPT = out.codec.PayloadType
		transcode(pkt[hdr:], in.codec.Name, out.codec.Name)
	case pt == in.dtmfPT && in.dtmfPT != 0:
		from.telephoneEvent(in, ts, pkt[hdr:])
		if out.dtmfPT == 0 {
			return // the far phone takes no telephone-events
		}
		outPT = out.dtmfPT
	default:
		return // comfort noise or a format the far phone did not negotiate
	}
	if to == nil {
		return
	}
	target := to.target.Load()
	if target == nil || !out.accepts {
		return
	}
	o := &to.out
	marker := pkt[1] & 0x80
	if !o.started || ssrc != o.inSSRC || o.played {
		// a new source: continue the phone's stream where it stopped
		if o.started {
			o.seqOffset = o.seq + 1 - seq
			o.tsOffset = o.ts + 160 - ts
		} else {
			o.seqOffset = o.seq - seq
			o.tsOffset = o.ts - ts
		}
		o.inSSRC, o.started, o.played = ssrc, true, false
		marker = 0x80
	}
	o.seq = seq + o.seqOffset
	o.ts = ts + o.tsOffset
	pkt[1] = marker | outPT
	binary.BigEndian.PutUint16(pkt[2:], o.seq)
	binary.BigEndian.PutUint32(pkt[4:], o.ts)
	binary.BigEndian.PutUint32(pkt[8:], o.ssrc)
	to.send(pkt, *target)
}

// transcode converts G.711 payload in place between µ-law and A-law.
func transcode(p []byte, from, to string) {
	switch {
	case from == to:
	case from == PCMU.Name && to == PCMA.Name:
		for i, v := range p {
			p[i] = g711.Ulaw2AlawFrame(v)
		}
	case from == PCMA.Name && to == PCMU.Name:
		for i, v := range p {
			p[i] = g711.Alaw2UlawFrame(v)
		}
	}
}
