// Command relayload measures the media engine's relay under N concurrent
// G.711 calls, 20 ms packets both ways, against a bare UDP forwarder run
// the same way. It runs the phones alone (sending straight to each other),
// then through the bare forwarder, then through media.Bridge, and prints
// for each relay its CPU per call (the process's CPU minus the phones'),
// the ratio engine/bare, the loss and the added p99 latency.
package main

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/switchboard-cc/switchboard/media"
)

// rtpSize is a 20 ms PCMU packet: 12-byte header and 160 samples.
const rtpSize = 12 + 160

// bucket is the latency histogram resolution; latencies past maxLatency
// fall in the last bucket.
const (
	bucket     = 20 * time.Microsecond
	maxLatency = 200 * time.Millisecond
)

var loopback = netip.MustParseAddr("127.0.0.1")

// phone is one end of a call: it sends packets stamped with their send time
// and records the latency of those it receives.
type phone struct {
	conn     *net.UDPConn
	to       netip.AddrPort
	seq      uint16
	sent     atomic.Uint64
	received atomic.Uint64
	hist     []uint32
	// from is when counting starts, in Unix nanoseconds: packets sent
	// earlier are neither counted as sent nor as received.
	from *atomic.Int64
}

func newPhone(from *atomic.Int64) (*phone, error) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	return &phone{conn: c, hist: make([]uint32, maxLatency/bucket+1), from: from}, nil
}

func (p *phone) addr() netip.AddrPort { return p.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

func (p *phone) send(pkt []byte, ssrc uint32) {
	p.seq++
	pkt[0], pkt[1] = 0x80, 0
	binary.BigEndian.PutUint16(pkt[2:], p.seq)
	binary.BigEndian.PutUint32(pkt[4:], uint32(p.seq)*160)
	binary.BigEndian.PutUint32(pkt[8:], ssrc)
	now := time.Now().UnixNano()
	binary.BigEndian.PutUint64(pkt[12:], uint64(now))
	if _, err := p.conn.WriteToUDPAddrPort(pkt, p.to); err == nil && now >= p.from.Load() {
		p.sent.Add(1)
	}
}

// receive reads until the socket is closed.
func (p *phone) receive() {
	buf := make([]byte, 1500)
	for {
		n, _, err := p.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		if n != rtpSize {
			continue
		}
		sent := int64(binary.BigEndian.Uint64(buf[12:]))
		if sent < p.from.Load() {
			continue
		}
		d := time.Duration(time.Now().UnixNano() - sent)
		p.hist[min(max(d, 0), maxLatency)/bucket]++
		p.received.Add(1)
	}
}

// relay carries one call's packets between its two phones and says which
// address each phone must send to.
type relay interface {
	start(a, b *phone) (toA, toB netip.AddrPort, err error)
	stop()
}

// direct is no relay: the phones send to each other.
type direct struct{}

func (direct) start(a, b *phone) (netip.AddrPort, netip.AddrPort, error) {
	return b.addr(), a.addr(), nil
}
func (direct) stop() {}

// bare is the baseline: one socket per side and one goroutine per
// direction that reads a packet and writes it on, nothing else.
type bare struct {
	conns []*net.UDPConn
	wg    sync.WaitGroup
}

func (r *bare) start(a, b *phone) (netip.AddrPort, netip.AddrPort, error) {
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
	go forward(sa, sb, b.addr())
	go forward(sb, sa, a.addr())
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
	cancel   context.CancelFunc
	ctx      context.Context
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

func sdpFor(p *phone) []byte {
	return fmt.Appendf(nil, "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %d RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n", p.addr().Port())
}

func (r *engine) start(a, b *phone) (netip.AddrPort, netip.AddrPort, error) {
	x, err := r.eng.NewSession()
	if err != nil {
		return netip.AddrPort{}, netip.AddrPort{}, err
	}
	y, err := r.eng.NewSession()
	if err != nil {
		x.Close()
		return netip.AddrPort{}, netip.AddrPort{}, err
	}
	r.sessions = append(r.sessions, x, y)
	da, err := media.ParseSDP(sdpFor(a))
	if err != nil {
		return netip.AddrPort{}, netip.AddrPort{}, err
	}
	db, err := media.ParseSDP(sdpFor(b))
	if err != nil {
		return netip.AddrPort{}, netip.AddrPort{}, err
	}
	if _, err := x.Answer(da, loopback); err != nil {
		return netip.AddrPort{}, netip.AddrPort{}, err
	}
	if err := y.SetRemote(db); err != nil {
		return netip.AddrPort{}, netip.AddrPort{}, err
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

func (r *engine) stop() {
	r.cancel()
	r.wg.Wait()
	for _, s := range r.sessions {
		s.Close()
	}
}

// result is one run's figures.
type result struct {
	cpu       time.Duration // process CPU during the measured window
	window    time.Duration
	sent, got uint64
	p50, p99  time.Duration
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// run places calls through r, sends for warmup+window, and measures.
func run(r relay, calls int, warmup, window time.Duration) (result, error) {
	var from atomic.Int64
	from.Store(1<<63 - 1)
	phones := make([]*phone, 0, 2*calls)
	defer func() {
		for _, p := range phones {
			p.conn.Close()
		}
	}()
	var recv sync.WaitGroup
	for range calls {
		a, err := newPhone(&from)
		if err != nil {
			return result{}, err
		}
		b, err := newPhone(&from)
		if err != nil {
			a.conn.Close()
			return result{}, err
		}
		phones = append(phones, a, b)
		if a.to, b.to, err = r.start(a, b); err != nil {
			return result{}, err
		}
		recv.Add(2)
		go func() { defer recv.Done(); a.receive() }()
		go func() { defer recv.Done(); b.receive() }()
	}

	// Senders: shards spread over the 20 ms period, as real phones are.
	const shards = 10
	ctx, cancel := context.WithTimeout(context.Background(), warmup+window)
	defer cancel()
	var send sync.WaitGroup
	for s := range shards {
		send.Add(1)
		go func() {
			defer send.Done()
			pkt := make([]byte, rtpSize)
			time.Sleep(time.Duration(s) * 20 * time.Millisecond / shards)
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				for i := s; i < len(phones); i += shards {
					phones[i].send(pkt, uint32(i+1))
				}
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
			}
		}()
	}
	time.Sleep(warmup)
	startCPU, start := cpuTime(), time.Now()
	from.Store(start.UnixNano())
	send.Wait()
	res := result{cpu: cpuTime() - startCPU, window: time.Since(start)}
	time.Sleep(300 * time.Millisecond) // let the last packets arrive
	r.stop()
	for _, p := range phones {
		p.conn.Close()
	}
	recv.Wait()

	hist := make([]uint64, maxLatency/bucket+1)
	for _, p := range phones {
		res.sent += p.sent.Load()
		res.got += p.received.Load()
		for i, n := range p.hist {
			hist[i] += uint64(n)
		}
	}
	res.p50, res.p99 = percentile(hist, res.got, 0.50), percentile(hist, res.got, 0.99)
	return res, nil
}

// latency prints a percentile, saying when it is past the histogram.
func latency(d time.Duration) string {
	if d > maxLatency {
		return "≥" + maxLatency.String()
	}
	return d.String()
}

func percentile(hist []uint64, total uint64, q float64) time.Duration {
	want := uint64(float64(total) * q)
	var n uint64
	for i, c := range hist {
		n += c
		if n > want {
			return time.Duration(i+1) * bucket // past maxLatency for the last bucket
		}
	}
	return maxLatency + bucket
}

func main() {
	calls := flag.Int("calls", 200, "concurrent calls")
	window := flag.Duration("duration", 10*time.Second, "measured time of each run")
	warmup := flag.Duration("warmup", 2*time.Second, "unmeasured time before each run")
	portMin := flag.Int("port-min", 30000, "engine RTP port range start")
	flag.Parse()

	eng, err := newEngine(*portMin, *portMin+8*(*calls)+100)
	if err != nil {
		fmt.Fprintln(os.Stderr, "relayload:", err)
		os.Exit(1)
	}
	runs := []struct {
		name string
		r    relay
	}{{"phones only", direct{}}, {"bare forwarder", &bare{}}, {"media engine", eng}}
	results := map[string]result{}
	for _, x := range runs {
		res, err := run(x.r, *calls, *warmup, *window)
		if err != nil {
			fmt.Fprintf(os.Stderr, "relayload: %s: %v\n", x.name, err)
			os.Exit(1)
		}
		results[x.name] = res
	}
	base := results["phones only"]
	fmt.Printf("relayload: %d calls, 2×50 packets/s each, %v measured per run\n", *calls, *window)
	fmt.Println("CPU/call is a share of one core: the phones' own for \"phones only\", the relay's (process minus phones) otherwise")
	fmt.Printf("%-15s %14s %10s %10s %12s %12s\n", "run", "CPU/call", "loss", "p50", "p99", "added p99")
	perCall := map[string]float64{}
	names := []string{"phones only", "bare forwarder", "media engine"}
	for _, name := range names {
		r := results[name]
		relayCPU := r.cpu
		if name != "phones only" {
			relayCPU -= base.cpu * r.window / base.window
		}
		// CPU per call as a share of one core, in per mille.
		perCall[name] = 1000 * float64(relayCPU) / float64(r.window) / float64(*calls)
		loss := 100 * (1 - float64(r.got)/float64(max(r.sent, 1)))
		added := "n/a"
		if r.p99 <= maxLatency && base.p99 <= maxLatency {
			added = (r.p99 - base.p99).String()
		}
		fmt.Printf("%-15s %11.3f ‰  %9.3f%% %10s %12s %12s\n", name, perCall[name], loss, latency(r.p50), latency(r.p99), added)
	}
	if b := perCall["bare forwarder"]; b > 0 {
		fmt.Printf("engine/bare CPU ratio: %.2f (target ≤ 1.5)\n", perCall["media engine"]/b)
	}
}
