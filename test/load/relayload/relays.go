package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"

	"github.com/switchboard-cc/switchboard/media"
)

// relay carries one call's packets between its two phones and says which
// address each phone must send to.
type relay interface {
	start(a, b netip.AddrPort) (toA, toB netip.AddrPort, err error)
	stop()
}

// grouper is a relay that carries calls in groups: call k (from 0) goes
// through group(k).
type grouper interface {
	group(call int) uint8
}

// sideBySide carries the even calls through the bare forwarder (group 0)
// and the odd ones through the media engine (group 1) at the same time,
// so that both meet the same load on a shared machine: the difference of
// their latencies is what the engine adds.
type sideBySide struct {
	bare   *bare
	engine *engine
	n      int
}

func (r *sideBySide) group(call int) uint8 { return uint8(call % 2) }

func (r *sideBySide) start(a, b netip.AddrPort) (netip.AddrPort, netip.AddrPort, error) {
	r.n++
	if r.n%2 == 1 {
		return r.bare.start(a, b)
	}
	return r.engine.start(a, b)
}

func (r *sideBySide) stop() {
	r.bare.stop()
	r.engine.stop()
	r.n = 0
}

// direct is no relay: the phones send to each other.
type direct struct{}

func (direct) start(a, b netip.AddrPort) (netip.AddrPort, netip.AddrPort, error) { return b, a, nil }
func (direct) stop()                                                             {}

// bare is the baseline: one socket per side and one goroutine per
// direction that reads a packet and writes it on, nothing else.
type bare struct {
	conns []*net.UDPConn
	wg    sync.WaitGroup
}

func (r *bare) start(a, b netip.AddrPort) (netip.AddrPort, netip.AddrPort, error) {
	sa, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return netip.AddrPort{}, netip.AddrPort{}, err
	}
	sb, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		sa.Close()
		return netip.AddrPort{}, netip.AddrPort{}, err
	}
	r.conns = append(r.conns, sa, sb)
	forward := func(in, out *net.UDPConn, to netip.AddrPort) {
		defer r.wg.Done()
		buf := make([]byte, 1500)
		for {
			n, _, err := in.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			out.WriteToUDPAddrPort(buf[:n], to)
		}
	}
	r.wg.Add(2)
	go forward(sa, sb, b)
	go forward(sb, sa, a)
	return sa.LocalAddr().(*net.UDPAddr).AddrPort(), sb.LocalAddr().(*net.UDPAddr).AddrPort(), nil
}

func (r *bare) stop() {
	for _, c := range r.conns {
		c.Close()
	}
	r.wg.Wait()
}

// engine bridges each call through two media sessions.
type engine struct {
	eng      *media.Engine
	sessions []*media.Session
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

func newEngine(portMin, portMax int) (*engine, error) {
	e, err := media.NewEngine(media.Config{BindIP: "127.0.0.1", PortMin: portMin, PortMax: portMax, InactivityTimeout: -1})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &engine{eng: e, ctx: ctx, cancel: cancel}, nil
}

func sdpFor(p netip.AddrPort) []byte {
	return fmt.Appendf(nil, "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %d RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n", p.Port())
}

func (r *engine) start(a, b netip.AddrPort) (netip.AddrPort, netip.AddrPort, error) {
	var none netip.AddrPort
	x, err := r.eng.NewSession()
	if err != nil {
		return none, none, err
	}
	r.sessions = append(r.sessions, x)
	y, err := r.eng.NewSession()
	if err != nil {
		return none, none, err
	}
	r.sessions = append(r.sessions, y)
	da, err := media.ParseSDP(sdpFor(a))
	if err != nil {
		return none, none, err
	}
	db, err := media.ParseSDP(sdpFor(b))
	if err != nil {
		return none, none, err
	}
	if _, err := x.Answer(da, loopback); err != nil {
		return none, none, err
	}
	if err := y.SetRemote(db); err != nil {
		return none, none, err
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if err := media.Bridge(r.ctx, x, y); err != nil {
			fmt.Fprintln(os.Stderr, "bridge:", err)
		}
	}()
	return netip.AddrPortFrom(loopback, uint16(x.LocalPort())), netip.AddrPortFrom(loopback, uint16(y.LocalPort())), nil
}

// stop ends every bridge and frees the sessions; the engine can then
// carry another run's calls.
func (r *engine) stop() {
	r.cancel()
	r.wg.Wait()
	for _, s := range r.sessions {
		s.Close()
	}
	r.sessions = nil
	r.ctx, r.cancel = context.WithCancel(context.Background())
}
