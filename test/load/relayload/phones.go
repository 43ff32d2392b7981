package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
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
	// Group numbers each phone's call's group (relays measured side by
	// side); nil: one group.
	Group []uint8 `json:",omitempty"`
}

// tally is the count and the latency histogram of a group of phones.
type tally struct {
	Sent, Got uint64
	Hist      []uint64
}

func (t *tally) add(ph *phone) {
	if t.Hist == nil {
		t.Hist = make([]uint64, maxLatency/bucket+1)
	}
	t.Sent += ph.sent.Load()
	t.Got += ph.received.Load()
	for i, n := range ph.hist {
		t.Hist[i] += uint64(n)
	}
}

// report is the phones process's figures for the measured window.
type report struct {
	Event     string // "measuring", "stopped", then "done"
	Sent, Got uint64
	Hist      []uint64 `json:",omitempty"`
	// Groups are the figures of each group of the plan, when it has
	// groups.
	Groups []tally `json:",omitempty"`
	// Window is the measured time by the phones' clock, CPU what the
	// relay (parent) process used in it, read from /proc: a relay starved
	// of CPU reads the events late, so its own clock would mislead. Zero
	// where /proc does not say.
	Window, CPU time.Duration `json:",omitempty"`
}

// parentCPU returns the CPU time the parent process has used, from
// /proc/PID/stat (utime and stime, in clock ticks of 10 ms).
func parentCPU() (time.Duration, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", os.Getppid()))
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 > len(b) {
		return 0, false
	}
	f := strings.Fields(string(b[i+2:])) // from field 3, the state
	if len(f) < 13 {
		return 0, false
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, true
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
	if len(p.To) != len(phones) || p.Group != nil && len(p.Group) != len(phones) {
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
	// Counting starts at a future instant, stored before it comes: a
	// packet stamped from then on is counted both as sent and as received
	// (from now, a sender stamping between the clock read and the store
	// left its packet uncounted as sent but counted as received).
	start := time.Now().Add(20 * time.Millisecond)
	from.Store(start.UnixNano())
	time.Sleep(time.Until(start))
	cpu0, cpuOK := parentCPU()
	out.Encode(report{Event: "measuring"})
	send.Wait()
	cpu1, cpuOK1 := parentCPU()
	window := time.Since(start)
	out.Encode(report{Event: "stopped"})
	time.Sleep(300 * time.Millisecond) // let the last packets arrive
	for _, ph := range phones {
		ph.conn.Close()
	}
	recv.Wait()
	var all tally
	var groups []tally
	if p.Group != nil {
		groups = make([]tally, slices.Max(p.Group)+1)
	}
	for i, ph := range phones {
		all.add(ph)
		if groups != nil {
			groups[p.Group[i]].add(ph)
		}
	}
	r := report{Event: "done", Sent: all.Sent, Got: all.Got, Hist: all.Hist, Groups: groups}
	if cpuOK && cpuOK1 {
		r.Window, r.CPU = window, cpu1-cpu0
	}
	return out.Encode(r)
}
