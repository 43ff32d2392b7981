package load

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/switchboard-cc/switchboard/test/load/loadinfo"
	"golang.org/x/sync/errgroup"
)

// latencies collects the latencies of one kind of message.
type latencies struct {
	mu    sync.Mutex // guards the following fields
	d     []time.Duration
	worst [][2]time.Duration // per 100 ms of send time (since the stamps' t0): the largest latency
	sent  int
}

func (l *latencies) send() { l.mu.Lock(); l.sent++; l.mu.Unlock() }

// add records a message sent at (since the stamps' t0) that took d.
func (l *latencies) add(at, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.d = append(l.d, d)
	b := int(at / (100 * time.Millisecond))
	for len(l.worst) <= b {
		l.worst = append(l.worst, [2]time.Duration{time.Duration(len(l.worst)) * 100 * time.Millisecond, 0})
	}
	l.worst[b][1] = max(l.worst[b][1], d)
}

// stalls returns the send times (100 ms windows) whose slowest message
// took longer than over, at most five, slowest first.
func (l *latencies) stalls(over time.Duration) string {
	l.mu.Lock()
	w := slices.Clone(l.worst)
	l.mu.Unlock()
	slices.SortFunc(w, func(a, b [2]time.Duration) int { return int(b[1] - a[1]) })
	var out []string
	for _, x := range w[:min(5, len(w))] {
		if x[1] > over {
			out = append(out, fmt.Sprintf("%.1fs:%v", x[0].Seconds(), x[1].Round(time.Millisecond)))
		}
	}
	return strings.Join(out, " ")
}

func (l *latencies) count() int { l.mu.Lock(); defer l.mu.Unlock(); return len(l.d) }

func (l *latencies) done() bool { l.mu.Lock(); defer l.mu.Unlock(); return len(l.d) >= l.sent }

// pct returns the p-th percentile (100: the maximum).
func (l *latencies) pct(p int) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0
	}
	slices.Sort(l.d)
	i := min(max((len(l.d)*p+99)/100-1, 0), len(l.d)-1)
	return l.d[i].Round(10 * time.Microsecond)
}

// stamps makes message ids that carry their send time: PREFIX K.NANOS,
// NANOS since the stamps were made, so a receiver needs no shared map.
type stamps struct{ t0 time.Time }

func (s stamps) cid(prefix string, k int) string {
	return fmt.Sprintf("%s%d.%d", prefix, k, time.Since(s.t0))
}

// sentAt returns when the message stamped cid was made, as time since
// the stamps' t0, false if cid is not a stamp.
func (s stamps) sentAt(cid string) (time.Duration, bool) {
	i := strings.LastIndexByte(cid, '.')
	if i < 0 {
		return 0, false
	}
	ns, err := strconv.ParseInt(cid[i+1:], 10, 64)
	return time.Duration(ns), err == nil
}

// record adds to l the latency of the message stamped cid, if it is one.
func (s stamps) record(l *latencies, cid string) {
	if at, ok := s.sentAt(cid); ok {
		l.add(at, time.Since(s.t0)-at)
	}
}

// split adds to toServer the time from the sending of the message stamped
// cid to the server's reading of the clock for it (its "at": the socket,
// the server's read and parse, with any wait for a CPU on both sides), and
// to fromServer the rest of its way (commit, broadcast, the agent's read),
// so that a stall shows on which side of the server's post it was. Both
// processes read the same wall clock.
func (s stamps) split(toServer, fromServer *latencies, cid string, serverAt time.Time) {
	at, ok := s.sentAt(cid)
	if !ok || serverAt.IsZero() {
		return
	}
	posted := serverAt.Sub(s.t0.Add(at))
	toServer.add(at, posted)
	fromServer.add(at, time.Since(s.t0)-at-posted)
}

// result is one phase's figures.
type result struct {
	name      string
	conns     int
	agents    int
	loadStart string
	loadEnd   string
	mem       serverStats   // after setup
	cpu       time.Duration // the server's, during the window
	genCPU    time.Duration // the generator's (this process), during the window
	window    time.Duration
	lat       map[string]*latencies
	messages  []string              // the keys of lat that count messages sent
	parts     map[string]*latencies // parts of the latencies of lat
}

// sent returns how many messages were sent.
func (r *result) sent() int {
	msgs := 0
	for _, k := range r.messages {
		msgs += r.lat[k].sent
	}
	return msgs
}

// cpuPerMessage returns the server's CPU a message, in microseconds.
func (r *result) cpuPerMessage() float64 {
	return float64(r.cpu.Microseconds()) / float64(max(r.sent(), 1))
}

func (r *result) log(t *testing.T) {
	t.Helper()
	msgs := r.sent()
	t.Logf("== %s: %d connections (+%d agents), load average %s at the start, %s at the end", r.name, r.conns, r.agents, r.loadStart, r.loadEnd)
	t.Logf("   server memory per visitor connection: heap %.1f KiB, stacks %.1f KiB (%d goroutines)",
		float64(r.mem.Heap)/1024/float64(r.conns), float64(r.mem.Stack)/1024/float64(r.conns), r.mem.Goroutines)
	t.Logf("   server CPU %v over %v for %d messages: %.0f µs a message, %.0f%% of a CPU",
		r.cpu.Round(time.Millisecond), r.window.Round(time.Millisecond), msgs,
		r.cpuPerMessage(), 100*r.cpu.Seconds()/r.window.Seconds())
	t.Logf("   generator CPU %v: %.0f%% of a CPU", r.genCPU.Round(time.Millisecond), 100*r.genCPU.Seconds()/r.window.Seconds())
	for _, k := range slices.Sorted(maps.Keys(r.lat)) {
		l := r.lat[k]
		t.Logf("   %-14s %6d sent %6d arrived  p50 %-9v p99 %-9v max %-9v stalls>50ms (sent at: max) %s", k, l.sent, l.count(), l.pct(50), l.pct(99), l.pct(100), l.stalls(50*time.Millisecond))
	}
	for _, k := range slices.Sorted(maps.Keys(r.parts)) {
		l := r.parts[k]
		t.Logf("   %-28s p50 %-9v p99 %-9v max %-9v stalls>50ms %s", k, l.pct(50), l.pct(99), l.pct(100), l.stalls(50*time.Millisecond))
	}
}

// dialAll dials n WebSockets, 50 at a time, running ready on each.
func dialAll(ctx context.Context, n int, url string, h http.Header, ready func(i int, ws *websocket.Conn) error) ([]*websocket.Conn, error) {
	out := make([]*websocket.Conn, n)
	var g errgroup.Group
	g.SetLimit(50)
	for i := range n {
		g.Go(func() error {
			ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: h})
			if err != nil {
				return err
			}
			out[i] = ws
			return ready(i, ws)
		})
	}
	err := g.Wait()
	return out, err
}

// exchange runs send(i, k) for every connection i every interval for d,
// connection i starting i/n of an interval late; it returns when all have
// stopped. A failed send stops that connection's sending.
func exchange(ctx context.Context, n int, every, d time.Duration, send func(i, k int) error) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var g errgroup.Group
	for i := range n {
		g.Go(func() error {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Duration(i) * every / time.Duration(n)):
			}
			tick := time.NewTicker(every)
			defer tick.Stop()
			for k := 0; ; k++ {
				if err := send(i, k); err != nil {
					return err
				}
				select {
				case <-ctx.Done():
					return nil
				case <-tick.C:
				}
			}
		})
	}
	return g.Wait()
}

// drain waits (10 s at most) for every message sent to have arrived.
func drain(ls map[string]*latencies) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		all := true
		for _, l := range ls {
			all = all && l.done()
		}
		if all {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// measure runs the exchange between two readings of the server's CPU and
// the load average, profiling the server into dir when dir is not "".
func measure(t *testing.T, s *server, r *result, dir string, run func() error) {
	t.Helper()
	ctx := t.Context()
	r.loadStart = loadinfo.Loadavg()
	before := s.stats(ctx)
	gen := loadinfo.CPUTime()
	start := time.Now()
	var profiled func()
	if dir != "" {
		profiled = s.profile(ctx, dir, *chatDuration)
	}
	if err := run(); err != nil {
		t.Errorf("%s: %v", r.name, err)
	}
	drain(r.lat)
	r.window = time.Since(start)
	r.cpu = s.stats(ctx).CPU - before.CPU
	r.genCPU = loadinfo.CPUTime() - gen
	r.loadEnd = loadinfo.Loadavg()
	if profiled != nil {
		profiled()
	}
}

// readAll runs read on every message of every connection until it closes;
// closeAll then closes them all and waits for the readers.
func readAll(ctx context.Context, conns []*websocket.Conn, read func(i int, data []byte)) (closeAll func()) {
	var wg sync.WaitGroup
	for i, ws := range conns {
		wg.Go(func() {
			for {
				_, data, err := ws.Read(ctx)
				if err != nil {
					return
				}
				read(i, data)
			}
		})
	}
	return func() {
		for _, ws := range conns {
			ws.CloseNow()
		}
		wg.Wait()
	}
}

// runEcho is the baseline phase: n connections to the echo server, each
// sending a message every interval for d.
func runEcho(t *testing.T, s *server, n int, every, d time.Duration) *result {
	ctx := t.Context()
	st := stamps{t0: time.Now()}
	lat := &latencies{}
	r := &result{name: "baseline: bare WebSocket echo", conns: n, lat: map[string]*latencies{"echo": lat}, messages: []string{"echo"}}
	conns, err := dialAll(ctx, n, "ws://"+s.addr+"/echo", nil, func(int, *websocket.Conn) error { return nil })
	if err != nil {
		t.Fatalf("echo setup: %v", err)
	}
	r.mem = s.stats(ctx)
	closeAll := readAll(ctx, conns, func(_ int, data []byte) {
		var f struct {
			CID string `json:"cid"`
		}
		if json.Unmarshal(data, &f) == nil {
			st.record(lat, f.CID)
		}
	})
	defer closeAll()
	st.t0 = time.Now()
	measure(t, s, r, "", func() error {
		return exchange(ctx, n, every, d, func(i, k int) error {
			lat.send()
			return conns[i].Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"type":"msg","cid":%q,"text":"hello from the load generator %d"}`, st.cid("e", k), k))
		})
	})
	return r
}

// chatFrame is what the generator reads of the chat server's frames.
type chatFrame struct {
	Type  string `json:"type"`
	Chat  json.RawMessage
	CID   string `json:"cid"`
	State string `json:"state"`
	Msg   struct {
		From string    `json:"from"`
		CID  string    `json:"cid"`
		At   time.Time `json:"at"`
	} `json:"msg"`
}

// runChat is the chat phase, see TestChatLoad.
func runChat(t *testing.T, s *server, n int, every, d time.Duration) *result {
	ctx := t.Context()
	st := stamps{t0: time.Now()}
	vAck, vToA, aAck, aToV := &latencies{}, &latencies{}, &latencies{}, &latencies{}
	r := &result{name: "chat", conns: n, agents: agentCount(n), lat: map[string]*latencies{
		"visitor ack": vAck, "visitor→agent": vToA, "agent ack": aAck, "agent→visitor": aToV,
	}, messages: []string{"visitor→agent", "agent→visitor"}}
	toServer, fromServer := &latencies{}, &latencies{}
	r.parts = map[string]*latencies{"visitor→agent: to the post": toServer, "visitor→agent: from the post": fromServer}
	base := "ws://" + s.addr

	// Agents accept every offer and answer every visitor message.
	agents := make([]*websocket.Conn, r.agents)
	for i := range agents {
		ws, _, err := websocket.Dial(ctx, base+"/agent/ws", &websocket.DialOptions{HTTPHeader: http.Header{"X-Agent": {agentName(i)}}})
		if err != nil {
			t.Fatal(err)
		}
		agents[i] = ws
	}
	var mu sync.Mutex
	replies := 0 // agent message numbers
	closeAgents := readAll(ctx, agents, func(i int, data []byte) {
		var f chatFrame
		if json.Unmarshal(data, &f) != nil {
			return
		}
		ws := agents[i]
		switch {
		case f.Type == "offer":
			var c struct {
				ID string `json:"id"`
			}
			json.Unmarshal(f.Chat, &c)
			ws.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"type":"accept","chat":%q}`, c.ID))
		case f.Type == "ack":
			st.record(aAck, f.CID)
		case f.Type == "msg" && f.Msg.From == "visitor":
			st.record(vToA, f.Msg.CID)
			st.split(toServer, fromServer, f.Msg.CID, f.Msg.At)
			mu.Lock()
			replies++
			k := replies
			mu.Unlock()
			aAck.send()
			aToV.send()
			ws.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"type":"msg","chat":%s,"cid":%q,"text":"thanks, looking into it %d"}`, f.Chat, st.cid("a", k), k))
		}
	})
	defer closeAgents()

	// Visitors: connect, fill the form, wait to be active.
	setup := time.Now()
	visitors, err := dialAll(ctx, n, base+"/chat/ws?widget=website", http.Header{"Origin": {origin}}, func(i int, ws *websocket.Conn) error {
		ws.Write(ctx, websocket.MessageText, []byte(`{"type":"hello"}`))
		ws.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"type":"start","name":"Visitor %d"}`, i))
		for {
			_, data, err := ws.Read(ctx)
			if err != nil {
				return err
			}
			var f chatFrame
			if json.Unmarshal(data, &f) == nil && f.Type == "state" && f.State == "active" {
				return nil
			}
		}
	})
	if err != nil {
		t.Fatalf("chat setup: %v", err)
	}
	t.Logf("%d chats active with %d agents in %v", n, r.agents, time.Since(setup).Round(time.Millisecond))
	r.mem = s.stats(ctx)
	closeVisitors := readAll(ctx, visitors, func(_ int, data []byte) {
		var f chatFrame
		if json.Unmarshal(data, &f) != nil {
			return
		}
		switch {
		case f.Type == "ack":
			st.record(vAck, f.CID)
		case f.Type == "msg" && f.Msg.From == "agent":
			st.record(aToV, f.Msg.CID)
		}
	})
	defer closeVisitors()
	st.t0 = time.Now()
	measure(t, s, r, *chatProfile, func() error {
		return exchange(ctx, n, every, d, func(i, k int) error {
			vAck.send()
			vToA.send()
			return visitors[i].Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"type":"msg","cid":%q,"text":"hello from the load generator %d"}`, st.cid("v", k), k))
		})
	})
	return r
}
