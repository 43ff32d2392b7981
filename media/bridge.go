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

// relay moves packets arriving on from's socket to to's phone. It is the
// hot path: one buffer, no allocation and no shared lock per packet. With
// a nil to it only reads: latching, statistics, digits and inactivity, for
// a session that plays to its phone.
//
// The read blocks until a packet comes, ctx ends (a function run by
// context.AfterFunc moves the read deadline into the past) or the
// inactivity timeout may have passed: the deadline is lastRx+timeout, set
// when the relay starts and moved only when it fires, so a flowing stream
// costs no timer update per packet and an idle relay no wake-up but that
// one. Re-INVITEs are seen per packet through the sessions' generations.
func relay(ctx context.Context, stop context.CancelCauseFunc, from, to *Session) {
	stopWaking := context.AfterFunc(ctx, func() { from.rtp.SetReadDeadline(time.Unix(1, 0)) })
	defer stopWaking()
	buf := make([]byte, 1500)
	timeout := from.eng.cfg.inactivity()
	now := time.Now()
	// lastRx is when the phone last sent, or when the call was last seen
	// on hold (held calls are exempt from the inactivity timeout).
	lastRx := now
	var latched netip.AddrPort
	in, out := from.leg(), to.leg()
	if !armDeadline(ctx, from, timeout, lastRx) {
		return
	}
	for {
		n, src, err := from.rtp.ReadFromUDPAddrPort(buf)
		now = time.Now()
		if ctx.Err() != nil {
			if err == nil && n >= 12 {
				// the relay ends, but the phone did send this packet
				from.stats.record(binary.BigEndian.Uint32(buf[8:]), binary.BigEndian.Uint16(buf[2:]), binary.BigEndian.Uint32(buf[4:]), now, 8000, n)
			}
			return
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				in, out = from.leg(), to.leg() // pick up re-INVITEs (hold, codec change)
				if in.held || out.held {
					lastRx = now
				} else if timeout > 0 && now.Sub(lastRx) >= timeout {
					stop(ErrInactive)
					return
				}
				if !armDeadline(ctx, from, timeout, lastRx) {
					return
				}
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				stop(ErrClosed)
			}
			return
		}
		if n < 12 || buf[0]>>6 != 2 {
			continue // not RTP version 2
		}
		src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
		if src != latched {
			if latched.IsValid() && now.Sub(lastRx) < relatchAfter {
				continue // a stray sender while the phone's stream is alive
			}
			latched = src
			target := src // a copy, so that src stays off the heap
			from.target.Store(&target)
		}
		lastRx = now
		if from.gen() != in.gen || to.gen() != out.gen {
			in, out = from.leg(), to.leg() // a re-INVITE or a mode change
		}
		forward(buf[:n], now, from, to, &in, &out)
	}
}

// armDeadline sets the read deadline of from's socket to the moment the
// inactivity timeout would pass (none when the timeout is disabled), and
// reports whether the relay may read: false once ctx has ended. The
// check comes after the write, so a cancellation's past deadline is never
// overwritten unseen.
func armDeadline(ctx context.Context, from *Session, timeout time.Duration, lastRx time.Time) bool {
	var deadline time.Time
	if timeout > 0 {
		deadline = lastRx.Add(timeout)
	}
	from.rtp.SetReadDeadline(deadline)
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
	if _, err := to.rtp.WriteToUDPAddrPort(pkt, *target); err == nil {
		to.stats.packetsOut.Add(1)
		to.stats.bytesOut.Add(uint64(len(pkt)))
	}
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
