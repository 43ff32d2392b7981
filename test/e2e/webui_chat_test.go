package e2e

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/chat"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/internal/events"
	"github.com/switchboard-cc/switchboard/internal/peertest"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/webui"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

// chatVisitor is a website visitor speaking the widget's WebSocket protocol.
type chatVisitor struct {
	t  *testing.T
	ws *websocket.Conn
}

func (v *chatVisitor) send(frame map[string]any) {
	v.t.Helper()
	b, _ := json.Marshal(frame)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := v.ws.Write(ctx, websocket.MessageText, b); err != nil {
		v.t.Fatalf("visitor send: %v", err)
	}
}

// expect reads frames until one of type typ arrives (at most 50 frames).
func (v *chatVisitor) expect(typ string) map[string]any {
	v.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for range 50 {
		_, b, err := v.ws.Read(ctx)
		if err != nil {
			v.t.Fatalf("visitor waiting for %q: %v", typ, err)
		}
		var f map[string]any
		json.Unmarshal(b, &f)
		if f["type"] == typ {
			return f
		}
	}
	v.t.Fatalf("no %q frame", typ)
	return nil
}

// TestWebUIChatConsole: an agent signs in to the console and goes available
// (the distributor's presence); a visitor opens a chat on the website; the
// distributor offers it to the agent's console, the agent accepts, reads the
// visitor's message, answers, the visitor receives the answer, and the agent
// closes the chat. The distributor's event log has the chat entered,
// offered, accepted and completed.
func TestWebUIChatConsole(t *testing.T) {
	chromium := peertest.Binary(t, "chromium")
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dir, err := customer.New(st, customer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := config.Parse([]byte(`
agents:
  - {name: tina}
queues:
  - {name: support, members: [tina], wrap_up: 0s}
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := config.Apply(ctx, st, f); err != nil {
		t.Fatal(err)
	}
	dist := acd.New(acd.Config{Store: st, Logger: slog.New(slog.DiscardHandler)})
	if err := dist.Load(ctx); err != nil {
		t.Fatal(err)
	}
	srv, err := webui.New(st, events.NewBus(), webui.Config{Listen: "127.0.0.1:0", DataDir: data, Logger: slog.New(slog.DiscardHandler),
		Customers: dir, Live: webui.DistributorLive(dist)})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := chat.New(ctx, st, dir, dist, chat.Config{
		Widgets:          []chat.Widget{{Name: "website", Queue: "support", Origins: []string{"https://shop.example"}}},
		AgentFromRequest: srv.AgentFromRequest,
		Logger:           slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	srv.MountChat(cs)
	if err := srv.Auth().CreateUser(ctx, "tina", auth.RoleAgent, "tina-password", "Tina"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(ctx); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	defer func() {
		cs.Close()
		cancel()
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()
	base := "http://" + srv.Addr().String()

	agent, stopAgent := browser(t, chromium)
	defer stopAgent()
	browserLogin(t, agent, base, "tina", "tina-password")
	waitText(t, agent, "#my-presence", "offline")
	if err := chromedp.Do(agent, chromedp.Click(chromedp.CSS(`button[data-presence="available"]`))); err != nil {
		t.Fatal(err)
	}
	waitText(t, agent, "#my-presence", "available")
	waitText(t, agent, "#chat-status", "Connected: chats will be offered here.")

	dctx, dcancel := context.WithTimeout(ctx, 5*time.Second)
	defer dcancel()
	ws, _, err := websocket.Dial(dctx, "ws://"+srv.Addr().String()+"/chat/ws?widget=website",
		&websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://shop.example"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	v := &chatVisitor{t: t, ws: ws}
	v.send(map[string]any{"type": "hello", "token": ""})
	v.expect("welcome")
	v.send(map[string]any{"type": "start", "name": "Léa <b>Martin</b>", "email": "lea@example.com", "intent": "billing"})
	chatID, _ := v.expect("state")["chat"].(string)

	if err := acceptChat(agent); err != nil {
		t.Fatalf("offer and accept: %v", err)
	}
	title, err := chromedp.Run(agent, chromedp.Text(chromedp.CSS(".chat-card h3")))
	if err != nil || title != "Léa <b>Martin</b>" {
		t.Fatalf("chat title %q, %v", title, err)
	}
	v.send(map[string]any{"type": "msg", "text": "My order #42 is late", "cid": "v1"})
	waitText(t, agent, ".chat-log li.from-visitor", "My order #42 is late")

	err = chromedp.Do(agent,
		chromedp.SendKeys(chromedp.CSS(".chat-send input"), "Sorry about that, let me check."),
		chromedp.Click(chromedp.CSS(".chat-send button")),
	)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		m := v.expect("msg")
		if msg, _ := m["msg"].(map[string]any); msg != nil && msg["from"] == "agent" {
			if msg["text"] != "Sorry about that, let me check." {
				t.Fatalf("visitor got %v", msg)
			}
			screenshot(t, agent, "webui-console-chat")
			closeAndCheckLog(t, agent, v, st, dist, chatID)
			return
		}
	}
	t.Fatal("the agent's answer never reached the visitor")
}

// closeAndCheckLog closes the chat from the console, then reads the
// distributor's event log of its work item.
func closeAndCheckLog(t *testing.T, agent context.Context, v *chatVisitor, st *store.Store, dist *acd.Distributor, chatID string) {
	t.Helper()
	if err := jsClick(agent, ".chat-card.active button.danger"); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if v.expect("state")["state"] == chat.StateClosed {
			break
		}
	}
	ctx := context.Background()
	if err := dist.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	evs, err := st.ACDEvents(ctx, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range evs {
		if e.Item == chatID {
			if e.Channel != string(acd.Chat) || e.Queue != "support" {
				t.Fatalf("event %+v: want a chat of queue support", e)
			}
			kinds = append(kinds, e.Kind)
		}
	}
	if got := strings.Join(kinds, ","); got != "entered,offered,accepted,completed" {
		t.Fatalf("event log of chat %s: %s", chatID, got)
	}
	if held := dist.Snapshot().Agents[0].Held; len(held) != 0 {
		t.Fatalf("tina still holds %v", held)
	}
}
