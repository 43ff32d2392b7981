// Package load holds load generators run against the appliance's parts.
package load

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/sync/errgroup"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/chat"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/internal/store"
)

var (
	chatConns    = flag.Int("chat.conns", 0, "concurrent visitor connections for TestChatLoad (0 skips it)")
	chatDuration = flag.Duration("chat.duration", 10*time.Second, "how long visitors exchange messages")
	chatInterval = flag.Duration("chat.interval", time.Second, "time between two messages of one visitor")
)

const origin = "https://shop.example"

// TestChatLoad opens -chat.conns visitor WebSockets to an in-process chat
// server on a real store, each chat routed by the distributor to one of
// conns/4 agents (four chats each) and accepted, then every visitor sends a message each -chat.interval for
// -chat.duration. It reports the visitor's send→ack latency (the message
// committed) and send→agent latency, p50 and p99, and the heap and stack
// per connection (server and client sides together).
//
//	go test ./test/load -run TestChatLoad -chat.conns=1000 -chat.duration=10s -v
func TestChatLoad(t *testing.T) {
	n := *chatConns
	if n == 0 {
		t.Skip("load generator: give -chat.conns=N")
	}
	ctx := t.Context()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dir, err := customer.New(st, customer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	// The distributor: n/4 agents, available, four chats each (capacity
	// 100, a chat is 25).
	agents := (n + 3) / 4
	dist := acd.New(acd.Config{Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	q := config.Queue{Name: "support"}
	var as []config.Agent
	for i := range agents {
		name := fmt.Sprintf("agent%04d", i)
		q.Members = append(q.Members, name)
		as = append(as, config.Agent{Name: name})
	}
	dist.SetConfig([]config.Queue{q}, as)
	for _, a := range as {
		if err := dist.SetPresence(ctx, a.Name, acd.Presence{State: acd.Available}); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := chat.New(ctx, st, dir, dist, chat.Config{
		Widgets:          []chat.Widget{{Name: "website", Queue: "support", Origins: []string{origin}}},
		AgentFromRequest: func(r *http.Request) (string, bool) { a := r.Header.Get("X-Agent"); return a, a != "" },
		MaxConnsPerIP:    n + 1,
		Rate:             100,
		Burst:            100,
		Logger:           slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/chat/", http.StripPrefix("/chat", srv.Handler()))
	mux.Handle("/agent/", http.StripPrefix("/agent", srv.AgentHandler()))
	hs := httptest.NewServer(mux)
	defer hs.Close()
	defer srv.Close()
	wsBase := "ws" + strings.TrimPrefix(hs.URL, "http")

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	// Agents accept every offer and record when visitor messages arrive.
	var mu sync.Mutex
	arrived := map[string]time.Time{} // cid → arrival at the agent
	g, gctx := errgroup.WithContext(ctx)
	agentCtx, stopAgents := context.WithCancel(gctx)
	defer stopAgents()
	for i := range agents {
		ws, _, err := websocket.Dial(ctx, wsBase+"/agent/ws", &websocket.DialOptions{HTTPHeader: http.Header{"X-Agent": {fmt.Sprintf("agent%04d", i)}}})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		g.Go(func() error {
			for {
				_, data, err := ws.Read(agentCtx)
				if err != nil {
					return nil
				}
				var f struct {
					Type string `json:"type"`
					Chat json.RawMessage
					Msg  struct {
						CID string `json:"cid"`
					} `json:"msg"`
				}
				if json.Unmarshal(data, &f) != nil {
					continue
				}
				switch f.Type {
				case "offer":
					var c struct {
						ID string `json:"id"`
					}
					json.Unmarshal(f.Chat, &c)
					ws.Write(agentCtx, websocket.MessageText, fmt.Appendf(nil, `{"type":"accept","chat":%q}`, c.ID))
				case "msg":
					mu.Lock()
					arrived[f.Msg.CID] = time.Now()
					mu.Unlock()
				}
			}
		})
	}

	// Visitors: connect, fill the form, wait to be active.
	type visitor struct {
		ws   *websocket.Conn
		sent map[string]time.Time
		ack  []time.Duration
	}
	vs := make([]*visitor, n)
	setup := time.Now()
	var sg errgroup.Group
	sg.SetLimit(50)
	for i := range vs {
		sg.Go(func() error {
			ws, _, err := websocket.Dial(ctx, wsBase+"/chat/ws?widget=website", &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
			if err != nil {
				return err
			}
			v := &visitor{ws: ws, sent: map[string]time.Time{}}
			vs[i] = v
			ws.Write(ctx, websocket.MessageText, []byte(`{"type":"hello"}`))
			ws.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"type":"start","name":"Visitor %d"}`, i))
			for {
				_, data, err := ws.Read(ctx)
				if err != nil {
					return err
				}
				if strings.Contains(string(data), `"state":"active"`) {
					return nil
				}
			}
		})
	}
	if err := sg.Wait(); err != nil {
		t.Fatalf("setup: %v", err)
	}
	t.Logf("%d chats active with %d agents in %v", n, agents, time.Since(setup).Round(time.Millisecond))
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	t.Logf("memory per connection (both sides, %d visitor + %d agent websockets): heap %.1f KiB, stacks %.1f KiB, goroutines %d",
		n, agents, float64(after.HeapInuse-before.HeapInuse)/1024/float64(n+agents),
		float64(after.StackInuse-before.StackInuse)/1024/float64(n+agents), runtime.NumGoroutine())

	// Exchange: each visitor sends every interval, staggered, and reads acks.
	runCtx, stop := context.WithTimeout(ctx, *chatDuration)
	defer stop()
	var vg sync.WaitGroup
	for i, v := range vs {
		vg.Go(func() {
			readDone := make(chan struct{})
			var vmu sync.Mutex
			go func() {
				defer close(readDone)
				for {
					_, data, err := v.ws.Read(ctx)
					if err != nil {
						return
					}
					var f struct {
						Type string `json:"type"`
						CID  string `json:"cid"`
					}
					if json.Unmarshal(data, &f) == nil && f.Type == "ack" {
						vmu.Lock()
						v.ack = append(v.ack, time.Since(v.sent[f.CID]))
						vmu.Unlock()
					}
				}
			}()
			time.Sleep(time.Duration(i) * *chatInterval / time.Duration(n))
			tick := time.NewTicker(*chatInterval)
			defer tick.Stop()
			for k := 0; ; k++ {
				cid := fmt.Sprintf("v%d-%d", i, k)
				vmu.Lock()
				v.sent[cid] = time.Now()
				vmu.Unlock()
				if err := v.ws.Write(ctx, websocket.MessageText, fmt.Appendf(nil, `{"type":"msg","cid":%q,"text":"hello from the load generator %d"}`, cid, k)); err != nil {
					break
				}
				select {
				case <-runCtx.Done():
				case <-tick.C:
					continue
				}
				break
			}
			time.Sleep(time.Second) // let the last acks arrive
			v.ws.Close(websocket.StatusNormalClosure, "")
			<-readDone
		})
	}
	vg.Wait()
	stopAgents()
	hs.CloseClientConnections()
	g.Wait()

	var acks, deliveries []time.Duration
	sent := 0
	mu.Lock()
	for _, v := range vs {
		acks = append(acks, v.ack...)
		sent += len(v.sent)
		for cid, at := range v.sent {
			if got, ok := arrived[cid]; ok {
				deliveries = append(deliveries, got.Sub(at))
			}
		}
	}
	mu.Unlock()
	t.Logf("%d messages sent in %v (%.0f/s), %d acknowledged, %d delivered to agents", sent, *chatDuration, float64(sent)/chatDuration.Seconds(), len(acks), len(deliveries))
	t.Logf("send→ack (committed): p50 %v  p99 %v  max %v", pct(acks, 50), pct(acks, 99), pct(acks, 100))
	t.Logf("send→agent:           p50 %v  p99 %v  max %v", pct(deliveries, 50), pct(deliveries, 99), pct(deliveries, 100))
	if len(acks) != sent {
		t.Errorf("%d of %d messages were not acknowledged", sent-len(acks), sent)
	}
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := (len(d)*p + 99) / 100
	i = min(max(i-1, 0), len(d)-1)
	return d[i].Round(10 * time.Microsecond)
}
