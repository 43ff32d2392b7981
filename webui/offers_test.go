package webui

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

// ringer is a channel handler that takes every offer and does nothing.
type ringer struct{}

func (ringer) Offer(context.Context, acd.Offer) {}

// popFixture is the panel on a real distributor with a known customer
// (Ana, with history on three channels) and an extension named Front desk.
func popFixture(t *testing.T) (*fixture, *acd.Distributor, customer.Customer) {
	t.Helper()
	d := acd.New(acd.Config{Logger: slog.New(slog.DiscardHandler)})
	d.SetConfig([]config.Queue{{Name: "support", Members: []string{"alice", "bob"}}},
		[]config.Agent{{Name: "alice", Extension: "2001"}, {Name: "bob", Extension: "2002"}})
	d.Handle(acd.Voice, ringer{})
	f := newFixture(t, Config{Live: DistributorLive(d)})
	dir, err := customer.New(f.st, customer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	f.s.cfg.Customers = dir
	ctx := t.Context()
	ana, err := dir.Resolve(ctx, customer.Identity{Kind: customer.Phone, Value: "+33612345678"}, "Ana <i>Lopez</i>", customer.Verified)
	if err != nil {
		t.Fatal(err)
	}
	if ana, err = dir.Link(ctx, ana.ID, customer.Identity{Kind: customer.Email, Value: "ana@example.com"}, customer.Verified); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for i, e := range []customer.Entry{
		{Channel: customer.ChannelEmail, Kind: "email", At: t0, Summary: "Invoice 42 is wrong", Ref: "m-1"},
		{Channel: customer.ChannelChat, Kind: "chat", At: t0.Add(2 * time.Hour), Summary: "Asked for a refund", Ref: "c-1"},
		{Channel: customer.ChannelVoice, Kind: "call", At: t0.Add(time.Hour), Summary: "Called about invoice 42", Ref: "cdr-1"},
	} {
		if _, err := dir.Record(ctx, ana.ID, e); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	err = f.st.Update(ctx, func(tx *store.Tx) error {
		return tx.PutExtension(ctx, config.ExtensionFromPassword("1001", "Front desk", "desk-secret-1", config.DefaultRealm))
	})
	if err != nil {
		t.Fatal(err)
	}
	return f, d, ana
}

func myItems(t *testing.T, f *fixture, s session) []itemPop {
	t.Helper()
	return getJSON[[]itemPop](t, f, s, "/api/v1/me/items")
}

// TestItemScreenPop: a call offered to an agent pops caller, queue, intent,
// IVR path and digits with the customer found by the caller's number (in
// national form) and their history across channels, newest first; the pop
// stays while the agent holds the call; an internal caller is named by
// their extension and has no record.
func TestItemScreenPop(t *testing.T) {
	f, d, ana := popFixture(t)
	alice := f.login(t, "alice", auth.RoleAgent)
	bob := f.login(t, "bob", auth.RoleAgent)
	ctx := t.Context()
	if pops := myItems(t, f, alice); len(pops) != 0 {
		t.Fatalf("items before any call: %+v", pops)
	}
	id, err := d.Enqueue(ctx, acd.Item{Channel: acd.Voice, Queue: "support", Context: map[string]string{
		"from": "0612345678", "did": "+33123456789", "flow": "main", "intent": "billing", "path": "welcome>billing", "digits.account": "4711"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetPresence(ctx, "alice", acd.Presence{State: acd.Available}); err != nil {
		t.Fatal(err)
	}
	pops := myItems(t, f, alice)
	if len(pops) != 1 {
		t.Fatalf("alice's items: %+v", pops)
	}
	p := pops[0]
	if p.ID != id || p.State != ItemOffered || p.Channel != "voice" || p.Queue != "support" || p.Caller != "0612345678" ||
		p.Intent != "billing" || strings.Join(p.Path, ",") != "welcome,billing" || p.Digits["account"] != "4711" || p.DID != "+33123456789" {
		t.Fatalf("pop: %+v", p)
	}
	if p.Customer == nil || p.Customer.ID != ana.ID || len(p.Timeline) != 3 {
		t.Fatalf("customer %+v, timeline %+v", p.Customer, p.Timeline)
	}
	if p.Timeline[0].Channel != customer.ChannelChat || p.Timeline[2].Channel != customer.ChannelEmail {
		t.Fatalf("timeline not newest first across channels: %+v", p.Timeline)
	}
	if pops := myItems(t, f, bob); len(pops) != 0 {
		t.Fatalf("bob sees alice's offer: %+v", pops)
	}

	if err := d.Accept(ctx, id, "alice"); err != nil {
		t.Fatal(err)
	}
	if pops := myItems(t, f, alice); len(pops) != 1 || pops[0].State != ItemHeld {
		t.Fatalf("held call: %+v", pops)
	}

	if err := d.SetPresence(ctx, "bob", acd.Presence{State: acd.Available}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Enqueue(ctx, acd.Item{Channel: acd.Voice, Queue: "support", Context: map[string]string{"from": "1001"}}); err != nil {
		t.Fatal(err)
	}
	pops = myItems(t, f, bob)
	if len(pops) != 1 || pops[0].CallerName != "Front desk" || pops[0].Customer != nil || pops[0].Timeline == nil {
		t.Fatalf("internal caller: %+v", pops)
	}

	page := f.do(t, alice, "GET", "/console", "", "", false)
	if !strings.Contains(page.Body.String(), `id="items" data-events="/api/v1/me/items/events"`) {
		t.Fatalf("console without the screen pop:\n%s", page.Body)
	}
}

// TestItemEvents streams an agent's items: the current set at once, then
// a new set when the distributor announces a change that touches them.
func TestItemEvents(t *testing.T) {
	f, d, ana := popFixture(t)
	alice := f.login(t, "alice", auth.RoleAgent)
	srv := httptest.NewServer(f.s.Handler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/me/items/events", nil)
	req.AddCookie(alice.cookie)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	events := make(chan []itemPop, 4)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var pops []itemPop
				if json.Unmarshal([]byte(data), &pops) == nil {
					events <- pops
				}
			}
		}
	}()
	next := func() []itemPop {
		t.Helper()
		select {
		case pops, ok := <-events:
			if !ok {
				t.Fatal("stream ended")
			}
			return pops
		case <-ctx.Done():
			t.Fatal("no event")
		}
		return nil
	}
	if first := next(); len(first) != 0 {
		t.Fatalf("first event: %+v", first)
	}
	if err := d.SetPresence(ctx, "alice", acd.Presence{State: acd.Available}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Enqueue(ctx, acd.Item{Channel: acd.Voice, Queue: "support", Context: map[string]string{"from": "+33612345678"}}); err != nil {
		t.Fatal(err)
	}
	f.bus.Publish("agent", nil)
	pops := next()
	if len(pops) != 1 || pops[0].Customer == nil || pops[0].Customer.ID != ana.ID {
		t.Fatalf("offer event: %+v", pops)
	}
	cancel()
	for range events {
	}
}
