package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// rtpSize is a 20 ms PCMU packet: 12-byte header and 160 samples.
const rtpSize = 12 + 160

// bucket is the latency histogram resolution; latencies past maxLatency
// fall in the last bucket.
const (
	bucket     = 20 * time.Microsecond
	maxLatency = 200 * time.Millisecond
)

// hello is the phones process's first line: its phones' ports, two per
// call (caller, callee).
type hello struct {
	Ports []uint16
}

// plan is the parent's answer: where each phone sends, and the timing.
type plan struct {
	To             []uint16
	Warmup, Window time.Duration
}

// report is the phones process's figures for the measured window.
type report struct {
	Event     string // "measuring", "stopped", then "done"
	Sent, Got uint64
	Hist      []uint64 `json:",omitempty"`
}

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

// runPhones is the phones process: it opens 2×calls phones, reports their
// ports, reads the plan, sends for warmup+window and reports.
func runPhones(calls int) error {
	var from atomic.Int64
	from.Store(1<<63 - 1)
	phones := make([]*phone, 2*calls)
	var h hello
	for i := range phones {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return err
		}
		defer c.Close()
		phones[i] = &phone{conn: c, hist: make([]uint32, maxLatency/bucket+1), from: &from}
		h.Ports = append(h.Ports, uint16(c.LocalAddr().(*net.UDPAddr).Port))
	}
	out := json.NewEncoder(os.Stdout)
	if err := out.Encode(h); err != nil {
		return err
	}
	var p plan
	if err := json.NewDecoder(bufio.NewReader(os.Stdin)).Decode(&p); err != nil {
		return fmt.Errorf("read plan: %w", err)
	}
	if len(p.To) != len(phones) {
		return fmt.Errorf("plan for %d phones, have %d", len(p.To), len(phones))
	}
	var recv sync.WaitGroup
	for i, ph := range phones {
		ph.to = netip.AddrPortFrom(loopback, p.To[i])
		recv.Go(ph.receive)
	}

	// Senders: shards spread over the 20 ms period, as real phones are.
	const shards = 10
	ctx, cancel := context.WithTimeout(context.Background(), p.Warmup+p.Window)
	defer cancel()
	var send sync.WaitGroup
	for s := range shards {
		send.Go(func() {
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
		})
	}
	time.Sleep(p.Warmup)
	from.Store(time.Now().UnixNano())
	out.Encode(report{Event: "measuring"})
	send.Wait()
	out.Encode(report{Event: "stopped"})
	time.Sleep(300 * time.Millisecond) // let the last packets arrive
	for _, ph := range phones {
		ph.conn.Close()
	}
	recv.Wait()
	r := report{Event: "done", Hist: make([]uint64, maxLatency/bucket+1)}
	for _, ph := range phones {
		r.Sent += ph.sent.Load()
		r.Got += ph.received.Load()
		for i, n := range ph.hist {
			r.Hist[i] += uint64(n)
		}
	}
	return out.Encode(r)
}
