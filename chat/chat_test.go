package chat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/internal/store"
)

const testOrigin = "https://shop.example"

type fakeMail struct {
	mu        sync.Mutex
	sent      []Transcript
	to        []string
	left      []LeftMessage
	callbacks []CallbackRequest
}

func (f *fakeMail) SendTranscript(_ context.Context, to string, t Transcript) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.to = append(f.to, to)
	f.sent = append(f.sent, t)
	return nil
}

func (f *fakeMail) LeaveMessage(_ context.Context, m LeftMessage) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.left = append(f.left, m)
	return nil
}

func (f *fakeMail) RequestCallback(_ context.Context, c CallbackRequest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.callbacks = append(f.callbacks, c)
	return nil
}

type rig struct {
	t    *testing.T
	st   *store.Store
	dir  *customer.Directory
	dist *acd.Distributor
	srv  *Server
	http *httptest.Server
	mail *fakeMail
	cfg  Config
}

// testACD is the distributor's setup of the rig: alice and bob take three
// chats each (capacity 75, a chat is 25), sales1 serves the sales queue.
const testACD = `
agents:
  - {name: alice, capacity: 75}
  - {name: bob, capacity: 75}
  - {name: sales1}
queues:
  - {name: support, members: [alice, bob], ring_timeout: 30s, wrap_up: 0s}
  - {name: sales, members: [sales1], wrap_up: 0s}
`

func testConfig(mail *fakeMail) Config {
	return Config{
		Widgets:          []Widget{{Name: "website", Queue: "support", Origins: []string{testOrigin}}},
		AgentFromRequest: func(r *http.Request) (string, bool) { a := r.Header.Get("X-Agent"); return a, a != "" },
		Canned:           []string{"Hello, how can I help?"},
		Mailer:           mail,
		Fallback:         mail,
	}
}

func newRig(t *testing.T, cfg func(*Config)) *rig { return newRigACD(t, testACD, cfg) }

// newRigACD starts a rig whose distributor is configured by acdYAML.
func newRigACD(t *testing.T, acdYAML string, cfg func(*Config)) *rig {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f, err := config.Parse([]byte(acdYAML))
	if err != nil {
		t.Fatal(err)
	}
	if err := config.Apply(ctx, st, f); err != nil {
		t.Fatal(err)
	}
	dir, err := customer.New(st, customer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, st: st, dir: dir, mail: &fakeMail{}}
	r.cfg = testConfig(r.mail)
	if cfg != nil {
		cfg(&r.cfg)
	}
	r.start()
	return r
}

// start runs a distributor loaded from the rig's store (as serve does) and
// a Server on it behind a new HTTP server. A declining agent is left alone
// for a minute, so that the chat goes to someone else.
func (r *rig) start() {
	r.t.Helper()
	ctx := context.Background()
	r.dist = acd.New(acd.Config{Store: r.st, DeclineBackoff: time.Minute})
	if err := r.dist.Load(ctx); err != nil {
		r.t.Fatal(err)
	}
	srv, err := New(ctx, r.st, r.dir, r.dist, r.cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/chat/", http.StripPrefix("/chat", srv.Handler()))
	mux.Handle("/agent/chat/", http.StripPrefix("/agent/chat", srv.AgentHandler()))
	r.srv, r.http = srv, httptest.NewServer(mux)
	r.t.Cleanup(r.stop)
}

// stop stops the Server and its HTTP server and flushes the distributor, as
// a stopping appliance does.
func (r *rig) stop() {
	if r.http == nil {
		return
	}
	r.crash()
	if err := r.dist.Flush(context.Background()); err != nil {
		r.t.Error(err)
	}
}

// crash stops the Server and its HTTP server without flushing what the
// distributor writes behind (as kill -9 would lose it).
func (r *rig) crash() {
	r.srv.Close()
	r.http.Close()
	r.http = nil
}

// available sets agent available in the distributor, as the console's
// presence control does.
func (r *rig) available(agent string) {
	r.t.Helper()
	if err := r.dist.SetPresence(context.Background(), agent, acd.Presence{State: acd.Available}); err != nil {
		r.t.Fatal(err)
	}
}

type client struct {
	t  *testing.T
	ws *websocket.Conn
}

func (r *rig) dial(path string, h http.Header) (*client, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(r.http.URL, "http") + path
	ws, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		return nil, resp, err
	}
	c := &client{t: r.t, ws: ws}
	r.t.Cleanup(func() { ws.CloseNow() })
	return c, resp, nil
}

func (r *rig) visitor(token string) (*client, map[string]any) {
	r.t.Helper()
	c, _, err := r.dial("/chat/ws?widget=website", http.Header{"Origin": {testOrigin}})
	if err != nil {
		r.t.Fatal(err)
	}
	c.send(map[string]any{"type": "hello", "token": token})
	return c, c.expect("welcome")
}

// agent opens agent id's console and makes them available.
func (r *rig) agent(id string) (*client, map[string]any) {
	r.t.Helper()
	c, hello := r.console(id)
	r.available(id)
	return c, hello
}

// console opens agent id's console connection.
func (r *rig) console(id string) (*client, map[string]any) {
	r.t.Helper()
	c, _, err := r.dial("/agent/chat/ws", http.Header{"X-Agent": {id}})
	if err != nil {
		r.t.Fatal(err)
	}
	return c, c.expect("hello")
}

func (c *client) send(v any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("send %s: %v", b, err)
	}
}

// expect reads frames until one of type typ (others are skipped).
func (c *client) expect(typ string) map[string]any {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 1000 {
		_, data, err := c.ws.Read(ctx)
		if err != nil {
			c.t.Fatalf("waiting for %q: %v", typ, err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			c.t.Fatalf("bad frame %s", data)
		}
		if testing.Verbose() {
			c.t.Logf("frame %s", data)
		}
		if m["type"] == typ {
			return m
		}
	}
	c.t.Fatalf("no %q frame", typ)
	return nil
}

// expectState reads frames until a state frame with state.
func (c *client) expectState(state string) map[string]any {
	c.t.Helper()
	for range 100 {
		if f := c.expect("state"); f["state"] == state {
			return f
		}
	}
	c.t.Fatalf("no state %q", state)
	return nil
}

func (c *client) expectMsg() map[string]any {
	c.t.Helper()
	return c.expect("msg")["msg"].(map[string]any)
}

func (r *rig) getJSON(path, agent string, v any) int {
	r.t.Helper()
	req, _ := http.NewRequest("GET", r.http.URL+path, nil)
	if agent != "" {
		req.Header.Set("X-Agent", agent)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil && resp.StatusCode == 200 {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			r.t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// startChat opens a visitor with a pre-chat form and returns it queued.
func (r *rig) startChat(name, email, phone string) (*client, string, string) {
	r.t.Helper()
	v, w := r.visitor("")
	v.send(map[string]any{"type": "start", "name": name, "email": email, "phone": phone, "intent": "billing"})
	st := v.expectState(StateQueued)
	return v, w["token"].(string), st["chat"].(string)
}

// activeChat starts a chat that agent a is offered and accepts.
func (r *rig) activeChat(a *client, name, email, phone string) (*client, string, string) {
	r.t.Helper()
	v, token, id := r.startChat(name, email, phone)
	if o := a.expect("offer")["chat"].(map[string]any); o["id"] != id {
		r.t.Fatalf("offer %v; want %s", o["id"], id)
	}
	a.send(map[string]any{"type": "accept", "chat": id})
	v.expectState(StateActive)
	return v, token, id
}

func TestOriginAndAuth(t *testing.T) {
	r := newRig(t, nil)
	tests := []struct {
		name, path string
		h          http.Header
		code       int
	}{
		{"foreign origin", "/chat/ws?widget=website", http.Header{"Origin": {"https://evil.example"}}, http.StatusForbidden},
		{"no origin", "/chat/ws?widget=website", nil, http.StatusForbidden},
		{"unknown widget", "/chat/ws?widget=other", http.Header{"Origin": {testOrigin}}, http.StatusForbidden},
		{"agent not signed in", "/agent/chat/ws", nil, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, resp, err := r.dial(tt.path, tt.h)
			if err == nil || resp == nil || resp.StatusCode != tt.code {
				t.Fatalf("dial: %v, %v; want HTTP %d", resp, err, tt.code)
			}
		})
	}
	// A configuration import adds a widget at once.
	if err := r.srv.SetWidgets([]Widget{{Name: "other", Queue: "sales", Origins: []string{testOrigin}}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.dial("/chat/ws?widget=other", http.Header{"Origin": {testOrigin}}); err != nil {
		t.Fatalf("new widget: %v", err)
	}
	if _, resp, err := r.dial("/chat/ws?widget=website", http.Header{"Origin": {testOrigin}}); err == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("removed widget still served: %v", err)
	}
	if err := r.srv.SetWidgets([]Widget{{Name: "bad"}}); err == nil {
		t.Fatal("invalid widgets accepted")
	}
	if code := r.getJSON("/agent/chat/chats", "", nil); code != http.StatusUnauthorized {
		t.Fatalf("chats without agent: %d", code)
	}
	resp, err := http.Get(r.http.URL + "/chat/widget.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("widget.js: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestConversation(t *testing.T) {
	r := newRig(t, nil)
	ctx := context.Background()
	// The customer emailed this morning from the address they give in the form.
	mailer, err := r.dir.Resolve(ctx, customer.Identity{Kind: customer.Email, Value: "marie@example.com"}, "Marie", customer.Verified)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.dir.Record(ctx, mailer.ID, customer.Entry{Channel: customer.ChannelEmail, Kind: "email", Summary: "invoice", Ref: "thread-1", At: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	a, _ := r.agent("alice")
	v, _, chatID := r.startChat("Marie", "Marie@Example.com", "06 12 34 56 78")
	offer := a.expect("offer")["chat"].(map[string]any)
	if offer["id"] != chatID || offer["name"] != "Marie" || offer["intent"] != "billing" {
		t.Fatalf("offer = %v", offer)
	}
	a.send(map[string]any{"type": "accept", "chat": chatID})
	a.expectState(StateActive)
	v.expectState(StateActive)

	hostile := `<img src=x onerror=alert(1)>`
	v.send(map[string]any{"type": "msg", "cid": "c1", "text": hostile})
	ack := v.expect("ack")
	if ack["cid"] != "c1" {
		t.Fatalf("ack = %v", ack)
	}
	// Committed before acknowledged.
	stored, err := r.st.ChatMessages(ctx, chatID, 0)
	if err != nil || len(stored) != 1 || stored[0].Body != hostile {
		t.Fatalf("stored after ack = %+v, %v", stored, err)
	}
	if m := a.expectMsg(); m["text"] != hostile || m["from"] != "visitor" {
		t.Fatalf("agent got %v", m)
	}
	v.send(map[string]any{"type": "typing"})
	a.expect("typing")
	a.send(map[string]any{"type": "typing", "chat": chatID})
	v.expect("typing")
	a.send(map[string]any{"type": "msg", "chat": chatID, "cid": "a1", "text": "Hello Marie"})
	a.expect("ack")
	if m := v.expectMsg(); m["text"] != "Hello Marie" || m["from"] != "agent" {
		t.Fatalf("visitor got %v", m)
	}

	var chats []ChatSummary
	if r.getJSON("/agent/chat/chats", "alice", &chats); len(chats) != 1 || chats[0].ID != chatID {
		t.Fatalf("chats = %+v", chats)
	}
	var d ChatDetail
	if code := r.getJSON("/agent/chat/chats/"+chatID, "alice", &d); code != 200 {
		t.Fatalf("detail: %d", code)
	}
	if d.Customer.ID != mailer.ID || len(d.Messages) != 2 {
		t.Fatalf("detail customer %d (want %d), %d messages", d.Customer.ID, mailer.ID, len(d.Messages))
	}
	if len(d.Timeline) != 2 || d.Timeline[0].Channel != customer.ChannelChat || d.Timeline[1].Ref != "thread-1" {
		t.Fatalf("timeline beside the chat = %+v", d.Timeline)
	}
	if code := r.getJSON("/agent/chat/chats/"+chatID, "bob", nil); code != http.StatusNotFound {
		t.Fatalf("another agent read the chat: %d", code)
	}
	var canned []string
	if r.getJSON("/agent/chat/canned", "alice", &canned); len(canned) != 1 {
		t.Fatalf("canned = %v", canned)
	}

	v.send(map[string]any{"type": "transcript"})
	v.expect("transcript_sent")
	for range maxTranscripts - 1 {
		v.send(map[string]any{"type": "transcript", "email": "someone@else.example"})
		v.expect("transcript_sent")
	}
	v.send(map[string]any{"type": "transcript", "email": "spam@victim.example"})
	if e := v.expect("error"); e["code"] != "limit" {
		t.Fatalf("transcript over the limit: %v", e)
	}
	r.mail.mu.Lock()
	if len(r.mail.sent) != maxTranscripts || r.mail.to[0] != "marie@example.com" || len(r.mail.sent[0].Messages) != 2 {
		t.Fatalf("transcript %v to %v", r.mail.sent, r.mail.to)
	}
	r.mail.mu.Unlock()

	a.send(map[string]any{"type": "close", "chat": chatID, "disposition": "solved"})
	a.expectState(StateClosed)
	v.expectState(StateClosed)
	// The call from the number given in the chat pops the chat and the email.
	caller, err := r.dir.Resolve(ctx, customer.Identity{Kind: customer.Phone, Value: "+33612345678"}, "", customer.Verified)
	if err != nil || caller.ID != mailer.ID {
		t.Fatalf("caller %+v, %v; want customer %d", caller, err, mailer.ID)
	}
	tl, _ := r.dir.Timeline(ctx, caller.ID, 0)
	if len(tl) != 2 || tl[0].Detail["disposition"] != "solved" || !strings.Contains(tl[0].Detail["transcript"], hostile) || tl[0].Summary != "Chat: billing — "+hostile {
		t.Fatalf("timeline after close = %+v", tl)
	}
	v.send(map[string]any{"type": "msg", "cid": "late", "text": "still there?"})
	if e := v.expect("error"); e["code"] != "no_chat" {
		t.Fatalf("message to a closed chat: %v", e)
	}
}

func TestCapacityAndNextFreeSlot(t *testing.T) {
	r := newRig(t, nil)
	a, _ := r.agent("alice")
	var ids []string
	var visitors []*client
	for i := range 4 {
		v, _, id := r.startChat(fmt.Sprintf("Visitor %d", i), "", "")
		ids, visitors = append(ids, id), append(visitors, v)
	}
	for i := range 3 {
		o := a.expect("offer")["chat"].(map[string]any)
		if o["id"] != ids[i] {
			t.Fatalf("offer %d = %v; want %s (oldest first)", i, o["id"], ids[i])
		}
	}
	for i := range 3 {
		a.send(map[string]any{"type": "accept", "chat": ids[i]})
		visitors[i].expectState(StateActive)
	}
	var chats []ChatSummary
	if r.getJSON("/agent/chat/chats", "alice", &chats); len(chats) != 3 {
		t.Fatalf("agent holds %d chats; want 3 (capacity 75, chat 25)", len(chats))
	}
	a.send(map[string]any{"type": "close", "chat": ids[1], "disposition": "done"})
	o := a.expect("offer")["chat"].(map[string]any)
	if o["id"] != ids[3] {
		t.Fatalf("freed slot offered %v; want %s", o["id"], ids[3])
	}
	// Declined offers go to another agent.
	a.send(map[string]any{"type": "decline", "chat": ids[3]})
	b, _ := r.agent("bob")
	if o := b.expect("offer")["chat"].(map[string]any); o["id"] != ids[3] {
		t.Fatalf("bob offered %v", o["id"])
	}
	b.send(map[string]any{"type": "accept", "chat": ids[3]})
	visitors[3].expectState(StateActive)
	// A transfer to one agent offers the chat to that agent first.
	a.send(map[string]any{"type": "transfer", "chat": ids[0], "to_agent": "bob"})
	if o := b.expect("offer")["chat"].(map[string]any); o["id"] != ids[0] {
		t.Fatalf("bob offered %v after alice's transfer to him", o["id"])
	}
	a.send(map[string]any{"type": "accept", "chat": ids[3]})
	if e := a.expect("error"); !strings.Contains(e["error"].(string), "not held") {
		t.Fatalf("accepted a chat offered to bob: %v", e)
	}
}

func TestTransferToQueue(t *testing.T) {
	r := newRig(t, nil)
	a, _ := r.agent("alice")
	v, _, id := r.activeChat(a, "Zoé", "", "")
	v.send(map[string]any{"type": "msg", "cid": "x", "text": "before transfer"})
	v.expect("ack")
	a.send(map[string]any{"type": "transfer", "chat": id})
	if e := a.expect("error"); !strings.Contains(e["error"].(string), "to_queue") {
		t.Fatalf("transfer without target: %v", e)
	}
	a.send(map[string]any{"type": "transfer", "chat": id, "to_queue": "nowhere"})
	if e := a.expect("error"); !strings.Contains(e["error"].(string), "nowhere") {
		t.Fatalf("transfer to an unknown queue: %v", e)
	}
	a.send(map[string]any{"type": "transfer", "chat": id, "to_queue": "sales"})
	a.expectState("transferred")
	v.expectState(StateQueued)
	s, _ := r.agent("sales1")
	f := s.expect("offer")
	o := f["chat"].(map[string]any)
	if o["id"] != id || o["queue"] != "sales" || f["from"] != "alice" {
		t.Fatalf("sales offer = %v", f)
	}
	s.send(map[string]any{"type": "accept", "chat": id})
	v.expectState(StateActive)
	var d ChatDetail
	if r.getJSON("/agent/chat/chats/"+id, "sales1", &d); len(d.Messages) != 1 || d.Messages[0].Text != "before transfer" {
		t.Fatalf("transferred conversation = %+v", d.Messages)
	}
	a.send(map[string]any{"type": "msg", "chat": id, "text": "not mine any more"})
	if e := a.expect("error"); !strings.Contains(e["error"].(string), "not held") {
		t.Fatalf("old agent wrote to a transferred chat: %v", e)
	}
	rows, err := r.st.OpenChatSessions(context.Background())
	if err != nil || len(rows) != 1 || rows[0].Queue != "sales" || rows[0].Agent != "sales1" {
		t.Fatalf("stored after transfer = %+v, %v", rows, err)
	}
	if st := agentStatus(t, r.dist, "sales1"); len(st.Held) != 1 || st.Held[0] != id {
		t.Fatalf("distributor: sales1 holds %v", st.Held)
	}
	if st := agentStatus(t, r.dist, "alice"); len(st.Held) != 0 {
		t.Fatalf("distributor: alice still holds %v", st.Held)
	}
}

// agentStatus returns the distributor's live state of agent.
func agentStatus(t *testing.T, d *acd.Distributor, agent string) acd.AgentStatus {
	t.Helper()
	return named(t, d.Snapshot().Agents, agent, func(a acd.AgentStatus) string { return a.Name })
}

// queueStatus returns the distributor's live state of queue.
func queueStatus(t *testing.T, d *acd.Distributor, queue string) acd.QueueStatus {
	t.Helper()
	return named(t, d.Snapshot().Queues, queue, func(q acd.QueueStatus) string { return q.Name })
}

// named returns the element of xs whose name is name.
func named[T any](t *testing.T, xs []T, name string, nameOf func(T) string) T {
	t.Helper()
	for _, x := range xs {
		if nameOf(x) == name {
			return x
		}
	}
	t.Fatalf("%q not in the distributor's snapshot", name)
	var zero T
	return zero
}

func TestResumeAfterReload(t *testing.T) {
	r := newRig(t, nil)
	a, _ := r.agent("alice")
	v, token, id := r.activeChat(a, "Paul", "", "")
	v.send(map[string]any{"type": "msg", "cid": "m1", "text": "first"})
	v.expect("ack")
	v.ws.Close(websocket.StatusGoingAway, "reload")

	v2, w := r.visitor(token)
	if w["state"] != StateActive || w["chat"] != id {
		t.Fatalf("welcome after reload = %v", w)
	}
	hist := w["history"].([]any)
	if len(hist) != 1 || hist[0].(map[string]any)["text"] != "first" {
		t.Fatalf("history = %v", hist)
	}
	// The widget resends a message whose ack it lost: stored once.
	v2.send(map[string]any{"type": "msg", "cid": "m1", "text": "first"})
	if ack := v2.expect("ack"); ack["seq"] != float64(1) {
		t.Fatalf("resend ack = %v", ack)
	}
	msgs, _ := r.st.ChatMessages(context.Background(), id, 0)
	if len(msgs) != 1 {
		t.Fatalf("%d messages stored; want 1", len(msgs))
	}
	// A bad token gets a fresh one, no session.
	_, w3 := r.visitor("../../etc")
	if w3["state"] != "form" || w3["token"] == token {
		t.Fatalf("welcome for a bad token = %v", w3)
	}
}

func TestRestartDuringActiveChats(t *testing.T) {
	r := newRig(t, nil)
	a, _ := r.agent("alice")
	type vis struct {
		token, id string
		sent      []string
	}
	var vs []*vis
	for i := range 3 {
		v, token, id := r.activeChat(a, fmt.Sprintf("V%d", i), "", "")
		x := &vis{token: token, id: id}
		for j := range 3 {
			text := fmt.Sprintf("v%d-m%d", i, j)
			v.send(map[string]any{"type": "msg", "cid": text, "text": text})
			v.expect("ack")
			x.sent = append(x.sent, text)
		}
		vs = append(vs, x)
	}
	queued, _, queuedID := r.startChat("Waiting", "", "")
	queued.ws.CloseNow()
	// The first visitor's last message is in flight when the appliance
	// stops: its ack may never come, and the widget resends it (same cid)
	// on reconnect.
	inflight, _ := r.visitor(vs[0].token)
	inflight.send(map[string]any{"type": "msg", "cid": "inflight", "text": "in flight"})
	vs[0].sent = append(vs[0].sent, "in flight")

	r.stop()
	r.start()

	a2, hello := r.agent("alice")
	if chats := hello["chats"].([]any); len(chats) != 3 {
		t.Fatalf("agent holds %d chats after restart; want 3", len(chats))
	}
	for _, x := range vs {
		v, w := r.visitor(x.token)
		if w["state"] != StateActive || w["chat"] != x.id {
			t.Fatalf("welcome after restart = %v", w)
		}
		var got []string
		for _, m := range w["history"].([]any) {
			got = append(got, m.(map[string]any)["text"].(string))
		}
		if x == vs[0] {
			v.send(map[string]any{"type": "msg", "cid": "inflight", "text": "in flight"})
			v.expect("ack")
			if len(got) == len(x.sent)-1 {
				got = append(got, "in flight") // it had not been committed: the resend was
			}
			msgs, _ := r.st.ChatMessages(context.Background(), x.id, 0)
			if len(msgs) != len(x.sent) {
				t.Fatalf("%d messages stored after the resend; want %d, each once", len(msgs), len(x.sent))
			}
		}
		if strings.Join(got, ",") != strings.Join(x.sent, ",") {
			t.Fatalf("history after restart = %v; want %v", got, x.sent)
		}
		v.send(map[string]any{"type": "msg", "cid": "after", "text": "after restart"})
		v.expect("ack")
		for m := a2.expectMsg(); m["text"] != "after restart"; m = a2.expectMsg() {
			if m["text"] != "in flight" {
				t.Fatalf("agent got %v", m)
			}
		}
	}
	// The queued chat still waits and gets the next freed slot.
	a2.send(map[string]any{"type": "close", "chat": vs[0].id, "disposition": "done"})
	if o := a2.expect("offer")["chat"].(map[string]any); o["id"] != queuedID {
		t.Fatalf("offer after restart = %v; want %s", o["id"], queuedID)
	}
}

func TestUnavailableFallbacks(t *testing.T) {
	r := newRig(t, nil)
	v, _ := r.visitor("")
	v.send(map[string]any{"type": "leave_message", "text": "early"})
	v.expect("error")
	v.send(map[string]any{"type": "start", "name": "Léa", "email": "lea@example.com"})
	if u := v.expect("unavailable"); u["reason"] != "nobody" {
		t.Fatalf("unavailable = %v", u)
	}
	v.send(map[string]any{"type": "leave_message", "text": "Please call about my order"})
	v.expect("left")
	v.send(map[string]any{"type": "callback", "phone": "0612345678"})
	v.expect("left")
	r.mail.mu.Lock()
	defer r.mail.mu.Unlock()
	if len(r.mail.left) != 1 || r.mail.left[0].Email != "lea@example.com" || r.mail.left[0].CustomerID == 0 {
		t.Fatalf("left = %+v", r.mail.left)
	}
	if len(r.mail.callbacks) != 1 || r.mail.callbacks[0].Phone != "+33612345678" {
		t.Fatalf("callbacks = %+v", r.mail.callbacks)
	}
}

func TestAfterHoursAndQueueLimit(t *testing.T) {
	open := true
	var mu sync.Mutex
	// busy is available for chats but has no room for one (a chat takes
	// 25 units): chats wait, one at most.
	r := newRigACD(t, `
agents:
  - {name: busy, capacity: 10}
queues:
  - {name: support, members: [busy], max_length: 1}
`, func(c *Config) {
		c.Open = func(string, time.Time) bool { mu.Lock(); defer mu.Unlock(); return open }
	})
	r.agent("busy")
	r.startChat("First", "", "")
	v, _ := r.visitor("")
	v.send(map[string]any{"type": "start", "name": "Second"})
	if u := v.expect("unavailable"); u["reason"] != "busy" {
		t.Fatalf("over the queue limit: %v", u)
	}
	v.send(map[string]any{"type": "leave_message", "text": "call me", "email": "x@example.com"})
	if e := v.expect("error"); e["code"] != "contact" {
		t.Fatalf("leave a message without a contact: %v", e)
	}
	mu.Lock()
	open = false
	mu.Unlock()
	v2, _ := r.visitor("")
	v2.send(map[string]any{"type": "start", "name": "Third"})
	if u := v2.expect("unavailable"); u["reason"] != "closed" {
		t.Fatalf("after hours: %v", u)
	}
	if q := queueStatus(t, r.dist, "support"); q.Waiting != 1 {
		t.Fatalf("distributor: %d chats waiting; want 1", q.Waiting)
	}
	rows, _ := r.st.OpenChatSessions(context.Background())
	if len(rows) != 1 {
		t.Fatalf("%d open sessions; want 1 (the refused chat is closed)", len(rows))
	}
}

// TestNobodyForChatsWhenMembersTakeCallsOnly: members available for calls
// only do not staff the queue's chats: the visitor is offered to leave a
// message at once instead of waiting for nobody.
func TestNobodyForChatsWhenMembersTakeCallsOnly(t *testing.T) {
	r := newRigACD(t, `
agents:
  - {name: phoneonly, channels: [voice]}
queues:
  - {name: support, members: [phoneonly]}
`, nil)
	r.agent("phoneonly")
	v, _ := r.visitor("")
	v.send(map[string]any{"type": "start", "name": "Ann"})
	if u := v.expect("unavailable"); u["reason"] != "nobody" {
		t.Fatalf("chat with members on calls only: %v", u)
	}
	if q := queueStatus(t, r.dist, "support"); q.Waiting != 0 {
		t.Fatalf("distributor: %d chats waiting; want none", q.Waiting)
	}
}

func TestHostileVisitor(t *testing.T) {
	r := newRig(t, func(c *Config) { c.Rate, c.Burst, c.MaxMessage = 1, 5, 100 })
	a, _ := r.agent("alice")
	calm, _, _ := r.activeChat(a, "Calm", "", "")

	v, _, _ := r.startChat("Flood", "", "")
	v.send(map[string]any{"type": "msg", "cid": "big", "text": strings.Repeat("x", 101)})
	if e := v.expect("error"); e["code"] != "too_long" {
		t.Fatalf("long message: %v", e)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	for i := range 50 {
		if err = v.ws.Write(ctx, websocket.MessageText, []byte(fmt.Sprintf(`{"type":"msg","cid":"f%d","text":"spam"}`, i))); err != nil {
			break
		}
	}
	for range 1000 {
		if _, _, err = v.ws.Read(ctx); err != nil {
			break
		}
	}
	// The server closes with a policy violation; unread spam still in its
	// socket may turn that into a reset.
	if err == nil || (websocket.CloseStatus(err) != -1 && websocket.CloseStatus(err) != websocket.StatusPolicyViolation) {
		t.Fatalf("flooding visitor: %v; want its connection closed for policy violation", err)
	}
	// The other visitor is undisturbed.
	calm.send(map[string]any{"type": "msg", "cid": "ok", "text": "still here"})
	calm.expect("ack")

	bad, _ := r.visitor("")
	bad.send("not an object")
	_, _, err = bad.ws.Read(ctx)
	if websocket.CloseStatus(err) != websocket.StatusUnsupportedData {
		t.Fatalf("garbage closed with %v", err)
	}
}

func TestConnectionsPerAddress(t *testing.T) {
	r := newRig(t, func(c *Config) { c.MaxConnsPerIP = 3 })
	var open []*client
	for range 3 {
		c, _ := r.visitor("")
		open = append(open, c)
	}
	if _, resp, err := r.dial("/chat/ws?widget=website", http.Header{"Origin": {testOrigin}}); err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("connection over the per-address limit: %v, %v", resp, err)
	}
	open[0].ws.Close(websocket.StatusNormalClosure, "")
	for i := 0; ; i++ {
		_, resp, err := r.dial("/chat/ws?widget=website", http.Header{"Origin": {testOrigin}})
		if err == nil {
			break
		}
		if resp == nil || resp.StatusCode != http.StatusTooManyRequests || i == 500 {
			t.Fatalf("after a close: %v, %v", resp, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		w    []Widget
		want string
	}{
		{"ok", []Widget{{Name: "a", Queue: "q", Origins: []string{"https://x.example:8443"}}}, ""},
		{"no name", []Widget{{Queue: "q", Origins: []string{"https://x"}}}, "widgets[0].name"},
		{"duplicate", []Widget{{Name: "a", Queue: "q", Origins: []string{"https://x"}}, {Name: "a", Queue: "q", Origins: []string{"https://x"}}}, "widgets[1].name"},
		{"no queue", []Widget{{Name: "a", Origins: []string{"https://x"}}}, "widgets[0].queue"},
		{"no origins", []Widget{{Name: "a", Queue: "q"}}, "widgets[0].origins"},
		{"origin with path", []Widget{{Name: "a", Queue: "q", Origins: []string{"https://x/page"}}}, "widgets[0].origins[0]"},
		{"origin without scheme", []Widget{{Name: "a", Queue: "q", Origins: []string{"x.example"}}}, "widgets[0].origins[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Config{Widgets: tt.w}.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v; want mention of %s", err, tt.want)
			}
		})
	}
}

func TestChatSummaryQuotesTheVisitor(t *testing.T) {
	long := strings.Repeat("é", summaryWords+5)
	for _, tc := range []struct {
		intent string
		msgs   []Message
		want   string
	}{
		{"", nil, "Chat"},
		{"billing", []Message{{From: "agent", Text: "Hello"}}, "Chat: billing"},
		{"", []Message{{From: "system", Text: "joined"}, {From: "visitor", Text: "  my\n\tbox   is down "}, {From: "visitor", Text: "still"}}, "Chat — my box is down"},
		{"", []Message{{From: "visitor", Text: long}}, "Chat — " + long[:2*summaryWords] + "…"},
	} {
		if got := chatSummary(tc.intent, tc.msgs); got != tc.want {
			t.Errorf("chatSummary(%q, %v) = %q, want %q", tc.intent, tc.msgs, got, tc.want)
		}
	}
}
