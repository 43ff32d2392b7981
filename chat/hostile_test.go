package chat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// visitorConns is how many visitor connections the Server holds open.
func (r *rig) visitorConns() int {
	r.srv.mu.Lock()
	defer r.srv.mu.Unlock()
	n := 0
	for _, c := range r.srv.perIP {
		n += c
	}
	return n
}

// waitConns waits up to 5 s for the Server to hold n visitor connections.
func (r *rig) waitConns(n int) {
	r.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for r.visitorConns() != n {
		if time.Now().After(deadline) {
			r.t.Fatalf("%d visitor connections open, want %d", r.visitorConns(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// readClose reads c until its connection ends and returns the close
// status (-1 when it ended without a close frame).
func readClose(t *testing.T, c *client) websocket.StatusCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 1000 {
		if _, _, err := c.ws.Read(ctx); err != nil {
			if ctx.Err() != nil {
				t.Fatal("the server kept the connection open")
			}
			return websocket.CloseStatus(err)
		}
	}
	t.Fatal("the server kept sending")
	return 0
}

// TestSilentVisitor: a visitor connection that never says hello is
// closed after HelloTimeout, for a policy violation (the widget does not
// reconnect after one).
func TestSilentVisitor(t *testing.T) {
	r := newRig(t, func(c *Config) { c.HelloTimeout = 100 * time.Millisecond })
	c, _, err := r.dial("/chat/ws?widget=website", http.Header{"Origin": {testOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	if got := readClose(t, c); got != websocket.StatusPolicyViolation && got != -1 {
		t.Fatalf("closed with %v, want a policy violation", got)
	}
	r.waitConns(0)
	// One that says hello in time stays.
	v, _ := r.visitor("")
	v.send(map[string]any{"type": "typing"})
	r.waitConns(1)
}

// TestPeerThatNeverReads: a visitor that stops reading never answers
// pings and is closed.
func TestPeerThatNeverReads(t *testing.T) {
	r := newRig(t, func(c *Config) { c.PingInterval = 100 * time.Millisecond })
	c, _, err := r.dial("/chat/ws?widget=website", http.Header{"Origin": {testOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	c.send(map[string]any{"type": "hello"})
	r.waitConns(0)
}

// TestReaderThatNeverReadsDoesNotBlock: an agent writing to a visitor
// that reads nothing (more frames than its queue holds, more bytes than
// its socket's buffers) gets every acknowledgement, and its next chat
// works.
func TestReaderThatNeverReadsDoesNotBlock(t *testing.T) {
	r := newRig(t, nil)
	a, _ := r.agent("alice")
	_, _, deaf := r.activeChat(a, "Deaf", "", "")
	text := strings.Repeat("x", 3900)
	for i := range sendQueue + 44 { // more than its queue holds
		a.send(map[string]any{"type": "msg", "chat": deaf, "cid": fmt.Sprint("d", i), "text": text})
		a.expect("ack")
	}
	calm, _, calmID := r.activeChat(a, "Calm", "", "")
	a.send(map[string]any{"type": "msg", "chat": calmID, "cid": "c", "text": "for you"})
	if m := calm.expectMsg(); m["text"] != "for you" {
		t.Fatalf("calm visitor got %v", m)
	}
}

// TestOversizedFrame: a frame over the read limit closes the connection
// as too big; a message under the limit but over MaxMessage is refused
// with an error frame and the connection kept.
func TestOversizedFrame(t *testing.T) {
	r := newRig(t, func(c *Config) { c.MaxMessage = 100 })
	r.available("alice")
	v, _, _ := r.startChat("Big", "", "")
	v.send(map[string]any{"type": "msg", "cid": "a", "text": strings.Repeat("y", 1000)})
	if e := v.expect("error"); e["code"] != "too_long" {
		t.Fatalf("long message: %v", e)
	}
	b, _ := json.Marshal(map[string]any{"type": "msg", "cid": "b", "text": strings.Repeat("z", 1<<20)})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// The server may close before the frame is all written: a broken pipe.
	_ = v.ws.Write(ctx, websocket.MessageText, b)
	if got := readClose(t, v); got != websocket.StatusMessageTooBig && got != -1 {
		t.Fatalf("closed with %v, want message too big", got)
	}
}

// TestChatsPerAddress: visitors at one address may hold MaxChatsPerIP
// chats open at once; the next is told "too_many" (no chat is queued),
// and a chat that ends frees its place.
func TestChatsPerAddress(t *testing.T) {
	r := newRig(t, func(c *Config) { c.MaxChatsPerIP = 2 })
	r.available("alice")
	first, _, _ := r.startChat("One", "", "")
	r.startChat("Two", "", "")
	v, _ := r.visitor("")
	v.send(map[string]any{"type": "start", "name": "Three"})
	if e := v.expect("error"); e["code"] != "too_many" {
		t.Fatalf("third chat: %v", e)
	}
	if q := queueStatus(t, r.dist, "support"); q.Waiting+q.Offered+q.Held != 2 {
		t.Fatalf("queue %+v, want 2 chats in it", q)
	}
	first.send(map[string]any{"type": "end"})
	first.expectState(StateClosed)
	v.send(map[string]any{"type": "start", "name": "Three"})
	v.expectState(StateQueued)
}

// TestHostileNamesStayData: script in a visitor's name and message
// reaches the agent as JSON strings, never as HTML.
func TestHostileNamesStayData(t *testing.T) {
	r := newRig(t, nil)
	a, _ := r.agent("alice")
	const evil = `<img src=x onerror="alert(1)"><script>alert(2)</script>`
	v, _, id := r.activeChat(a, evil, "", "")
	v.send(map[string]any{"type": "msg", "cid": "x", "text": evil})
	if m := a.expectMsg(); m["text"] != evil {
		t.Fatalf("agent got %v", m["text"])
	}
	req, _ := http.NewRequest("GET", r.http.URL+"/agent/chat/chats/"+id, nil)
	req.Header.Set("X-Agent", "alice")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("chat detail served as %q", ct)
	}
	var d struct {
		Chat ChatSummary `json:"chat"`
	}
	if err := json.NewDecoder(res.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	if d.Chat.Name != evil {
		t.Fatalf("name %q, want it kept as typed", d.Chat.Name)
	}
}

// TestFloodToldWhy: a visitor over its message rate hears why (an error
// frame "rate", which the widget words) before its connection is closed
// for policy violation.
func TestFloodToldWhy(t *testing.T) {
	r := newRig(t, func(c *Config) { c.Rate, c.Burst = 0.01, 5 })
	v, _ := r.visitor("") // the hello takes one of the 5
	for range 5 {
		v.send(map[string]any{"type": "typing"})
	}
	if e := v.expect("error"); e["code"] != "rate" {
		t.Fatalf("error frame %v, want code rate", e)
	}
	if got := readClose(t, v); got != websocket.StatusPolicyViolation {
		t.Fatalf("closed with %v, want a policy violation", got)
	}
}

// TestRateSharedByAChatsConnections: a visitor's connections to one chat
// share its message rate: many tabs (or a script) do not multiply it. (No
// connection here goes over its own 4 frames.)
func TestRateSharedByAChatsConnections(t *testing.T) {
	r := newRig(t, func(c *Config) { c.Rate, c.Burst = 0.01, 4 })
	r.available("alice")
	v, token, _ := r.startChat("Three tabs", "", "") // hello, start
	v.send(map[string]any{"type": "msg", "cid": "a", "text": "one"})
	v.expect("ack")
	for i := range 2 {
		conn, _ := r.visitor(token)
		for j := range 2 {
			conn.send(map[string]any{"type": "msg", "cid": fmt.Sprint(i, j), "text": "more"})
			if i == 1 && j == 1 { // the chat's 5th message
				if e := conn.expect("error"); e["code"] != "rate" {
					t.Fatalf("fifth message of the chat: %v, want error rate", e)
				}
				return
			}
			conn.expect("ack")
		}
	}
}
