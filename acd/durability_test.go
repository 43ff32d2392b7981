package acd_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

func openStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.OpenFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

const acdYAML = `
agents:
  - name: alice
  - name: bob
queues:
  - name: support
    members: [alice, bob]
`

// TestDurableItemsSurviveARestartInOrder enqueues callbacks, emails and
// chats, loses the distributor without a flush (as kill -9 would), and
// checks that a new one reloads every item in its order, the chat held by
// its agent still held, and presence kept.
func TestDurableItemsSurviveARestartInOrder(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sb.db")
	st := openStore(t, path)
	f, err := config.Parse([]byte(acdYAML))
	if err != nil {
		t.Fatal(err)
	}
	if err := config.Apply(ctx, st, f); err != nil {
		t.Fatal(err)
	}
	clock := newFakeClock()
	d := acd.New(acd.Config{Store: st, Clock: clock})
	if err := d.Load(ctx); err != nil {
		t.Fatal(err)
	}
	got := &offers{}
	d.Handle(acd.Chat, got)
	var want []string
	for i, c := range []acd.Channel{acd.Callback, acd.Email, acd.Voice, acd.Callback, acd.Chat} {
		clock.Advance(time.Second)
		id, err := d.Enqueue(ctx, acd.Item{ID: "item" + string(rune('0'+i)), Channel: c, Queue: "support",
			Context: map[string]string{"number": "+33123456789"}})
		if err != nil {
			t.Fatal(err)
		}
		if c != acd.Voice {
			want = append(want, id)
		}
	}
	if err := d.SetPresence(ctx, "alice", acd.Presence{State: acd.Available, Channels: []acd.Channel{acd.Chat}}); err != nil {
		t.Fatal(err)
	}
	o := got.take()
	if len(o) != 1 || o[0].Item.ID != "item4" {
		t.Fatalf("offers = %+v", o)
	}
	if err := d.Accept(ctx, "item4", "alice"); err != nil {
		t.Fatal(err)
	}
	if err := d.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.SetPresence(ctx, "bob", acd.Presence{State: acd.Away, Reason: "lunch"}); err != nil {
		t.Fatal(err)
	}
	// No flush of bob's presence: it was not committed, like any state
	// change in the last moment before a crash.
	st.Close()

	st2 := openStore(t, path)
	defer st2.Close()
	d2 := acd.New(acd.Config{Store: st2, Clock: clock})
	if err := d2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	items, err := st2.ACDItems(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	if !slices.Equal(ids, want) {
		t.Errorf("stored items %q, want %q", ids, want)
	}
	s := d2.Snapshot()
	if q := s.Queues[0]; q.Waiting != 3 || q.Held != 1 {
		t.Errorf("after restart: %d waiting, %d held; want 3 and 1", q.Waiting, q.Held)
	}
	if a := s.Agents[0]; a.Presence != acd.Available || !slices.Equal(a.Held, []string{"item4"}) {
		t.Errorf("alice after restart: %+v", a)
	}
	// The callbacks and the email come back in their order.
	cb := &offers{}
	d2.Handle(acd.Callback, cb)
	d2.Handle(acd.Email, cb)
	if err := d2.SetPresence(ctx, "bob", acd.Presence{State: acd.Available}); err != nil {
		t.Fatal(err)
	}
	var order []string
	for range 3 {
		o := cb.take()
		if len(o) != 1 {
			t.Fatalf("offers to bob: %+v", o)
		}
		order = append(order, o[0].Item.ID)
		if o[0].Item.Context["number"] != "+33123456789" {
			t.Errorf("context lost: %+v", o[0].Item.Context)
		}
		if err := d2.Accept(ctx, o[0].Item.ID, "bob"); err != nil {
			t.Fatal(err)
		}
		if err := d2.Complete(ctx, o[0].Item.ID); err != nil {
			t.Fatal(err)
		}
		clock.Advance(acd.DefaultWrapUp)
	}
	if !slices.Equal(order, want[:3]) {
		t.Errorf("served %q, want %q", order, want[:3])
	}
	if err := d2.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	evs, err := st2.ACDEvents(ctx, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 || evs[0].Kind != "entered" {
		t.Errorf("event log: %+v", evs)
	}
}
