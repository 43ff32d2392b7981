package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/internal/events"
	"github.com/switchboard-cc/switchboard/internal/peertest"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/webui"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

// scriptedLive stands in for the distributor (not in the tree yet): it
// holds a snapshot the test edits and publishes on the bus like acd will.
type scriptedLive struct {
	bus *events.Bus

	mu   sync.Mutex // guards snap
	snap webui.Snapshot
}

func (l *scriptedLive) Snapshot(context.Context) (webui.Snapshot, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.snap
	s.Queues = append([]webui.QueueStats(nil), l.snap.Queues...)
	s.Agents = append([]webui.AgentState(nil), l.snap.Agents...)
	return s, nil
}

func (l *scriptedLive) SetPresence(_ context.Context, agent string, p webui.PresenceChange) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := range l.snap.Agents {
		if l.snap.Agents[i].Name == agent {
			l.snap.Agents[i].Presence, l.snap.Agents[i].Reason, l.snap.Agents[i].InStateFor = p.Presence, p.Reason, 0
			l.bus.Publish("agent", agent)
			return nil
		}
	}
	return webui.ErrUnknownAgent
}

func (l *scriptedLive) setWaiting(n int, longest time.Duration) {
	l.mu.Lock()
	l.snap.Queues[0].Waiting, l.snap.Queues[0].LongestWait = n, longest
	l.mu.Unlock()
	l.bus.Publish("queue", "support")
}

func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	waitMatch(t, ctx, sel, fmt.Sprintf("%q", want), func(s string) bool { return strings.TrimSpace(s) == want })
}

// TestWebUIConsoleAndWallboard: an agent signs in, sees a customer's screen
// pop and goes available; the supervisor's wallboard follows the presence
// change and a waiting count going 0 → 1 → 0 without reloading, the queue
// turning red while its wait breaks the limit.
func TestWebUIConsoleAndWallboard(t *testing.T) {
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
	c, err := dir.Resolve(ctx, customer.Identity{Kind: customer.Phone, Value: "+33612345678"}, "Ana Lopez", customer.Verified)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Now().Add(-48 * time.Hour)
	for _, e := range []customer.Entry{
		{Channel: customer.ChannelVoice, Kind: "call", At: day, Summary: "Asked about an invoice", Ref: "cdr-1"},
		{Channel: customer.ChannelVoice, Kind: "note", At: day.Add(26 * time.Hour), Summary: "Promised a refund by Friday", Ref: "note-1"},
	} {
		if _, err := dir.Record(ctx, c.ID, e); err != nil {
			t.Fatal(err)
		}
	}
	bus := events.NewBus()
	live := &scriptedLive{bus: bus, snap: webui.Snapshot{
		Queues: []webui.QueueStats{
			{Name: "support", ServiceLevel: 0.9, TargetLevel: 0.8, MaxWait: 30 * time.Second},
			{Name: "sales", ServiceLevel: 1, TargetLevel: 0.8, Abandoned: 1},
		},
		Agents: []webui.AgentState{
			{Name: "tina", Presence: webui.PresenceOffline, FreeCapacity: 100},
			{Name: "omar", Presence: webui.PresenceAvailable, Held: 2, InStateFor: 14 * time.Minute, FreeCapacity: 50},
		},
	}}
	srv, err := webui.New(st, bus, webui.Config{Listen: "127.0.0.1:0", DataDir: data, Logger: slog.New(slog.DiscardHandler), Customers: dir, Live: live})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		name string
		role auth.Role
	}{{"tina", auth.RoleAgent}, {"sam", auth.RoleSupervisor}} {
		if err := srv.Auth().CreateUser(ctx, u.name, u.role, u.name+"-password", ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Listen(ctx); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()
	base := "http://" + srv.Addr().String()

	sup, stopSup := browser(t, chromium)
	defer stopSup()
	browserLogin(t, sup, base, "sam", "sam-password")
	if err := chromedp.Do(sup, chromedp.Navigate(base+"/wallboard"), chromedp.WaitVisible(chromedp.CSS("#queues"))); err != nil {
		t.Fatal(err)
	}
	waitPrefix(t, sup, "#wallboard-status", "Live")
	waitText(t, sup, `[data-queue="support"] [data-f="waiting"]`, "0")

	agent, stopAgent := browser(t, chromium)
	defer stopAgent()
	browserLogin(t, agent, base, "tina", "tina-password")
	err = chromedp.Do(agent,
		chromedp.WaitVisible(chromedp.CSS("#presence")),
		chromedp.Click(chromedp.CSS(`button[data-presence="available"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitText(t, agent, "#my-presence", "available")
	waitText(t, sup, `tr[data-agent="tina"] .badge`, "available")

	err = chromedp.Do(agent,
		chromedp.SendKeys(chromedp.CSS("#customer-q"), "0612345678"),
		chromedp.Submit(chromedp.CSS("#customer-q")),
		chromedp.Click(chromedp.CSS("#customer-results a")),
		chromedp.WaitVisible(chromedp.CSS("#screen-pop")),
	)
	if err != nil {
		t.Fatalf("screen pop: %v", err)
	}
	first, err := chromedp.Run(agent, chromedp.Text(chromedp.CSS("#timeline tbody tr")))
	if err != nil || !strings.Contains(first, "Promised a refund") {
		t.Fatalf("newest entry first: %q, %v", first, err)
	}
	screenshot(t, agent, "webui-console")

	live.setWaiting(1, 45*time.Second)
	waitText(t, sup, `[data-queue="support"] [data-f="waiting"]`, "1")
	waitText(t, sup, `[data-queue="support"] [data-f="longest_wait"]`, "0:45")
	if cls, err := chromedp.Run(sup, chromedp.AttributeValue(chromedp.CSS(`[data-queue="support"]`), "class")); err != nil || !strings.Contains(cls.Value, "breach") {
		t.Fatalf("queue over its wait limit not marked: %q, %v", cls.Value, err)
	}
	screenshot(t, sup, "webui-wallboard")
	live.setWaiting(0, 0)
	waitText(t, sup, `[data-queue="support"] [data-f="waiting"]`, "0")
}
