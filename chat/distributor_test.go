package chat

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// phone stands in for the voice channel: it keeps the call offers.
type phone chan acd.Offer

func (p phone) Offer(_ context.Context, o acd.Offer) { p <- o }

// call enqueues a call in queue and has agent answer it.
func (r *rig) call(p phone, id, queue, agent string) {
	r.t.Helper()
	ctx := context.Background()
	if _, err := r.dist.Enqueue(ctx, acd.Item{ID: id, Channel: acd.Voice, Queue: queue}); err != nil {
		r.t.Fatal(err)
	}
	select {
	case o := <-p:
		if o.Item.ID != id || o.Agents[0].Name != agent {
			r.t.Fatalf("call offer = %+v; want %s to %s", o, id, agent)
		}
	case <-time.After(5 * time.Second):
		r.t.Fatalf("call %s not offered", id)
	}
	if err := r.dist.Accept(ctx, id, agent); err != nil {
		r.t.Fatal(err)
	}
}

// TestChatAndCallShareCapacity: an agent in a call is offered chats within
// the capacity the call leaves (multitasking, the default), an agent who
// does not multitask in calls gets the chat when the call ends, and every
// chat's life is in the distributor's event log.
func TestChatAndCallShareCapacity(t *testing.T) {
	r := newRigACD(t, `
agents:
  - {name: alice, capacity: 150}
  - {name: carol, capacity: 150, multitask_in_call: false}
queues:
  - {name: support, members: [alice], wrap_up: 0s}
  - {name: backoffice, members: [carol], wrap_up: 0s}
`, func(c *Config) {
		c.Widgets = append(c.Widgets, Widget{Name: "intranet", Queue: "backoffice", Origins: []string{testOrigin}})
	})
	ctx := context.Background()
	p := make(phone, 4)
	r.dist.Handle(acd.Voice, p)

	t.Run("multitask", func(t *testing.T) {
		a, _ := r.agent("alice")
		r.call(p, "call-1", "support", "alice")
		var ids []string
		var vs []*client
		for i := range 2 {
			v, _, id := r.startChat("In call "+string(rune('A'+i)), "", "")
			if o := a.expect("offer")["chat"].(map[string]any); o["id"] != id {
				t.Fatalf("offer %v; want %s", o["id"], id)
			}
			a.send(map[string]any{"type": "accept", "chat": id})
			v.expectState(StateActive)
			ids, vs = append(ids, id), append(vs, v)
		}
		if st := agentStatus(t, r.dist, "alice"); len(st.Held) != 3 || st.FreeCapacity != 0 {
			t.Fatalf("alice holds %v with %d free; want the call and two chats, none free", st.Held, st.FreeCapacity)
		}
		// Full: the third chat waits for the call to end.
		_, _, third := r.startChat("Third", "", "")
		if q := queueStatus(t, r.dist, "support"); q.Waiting != 1 {
			t.Fatalf("support: %d waiting; want the third chat", q.Waiting)
		}
		if err := r.dist.Complete(ctx, "call-1"); err != nil {
			t.Fatal(err)
		}
		if o := a.expect("offer")["chat"].(map[string]any); o["id"] != third {
			t.Fatalf("after the call: offer %v; want %s", o["id"], third)
		}
		a.send(map[string]any{"type": "close", "chat": ids[0], "disposition": "done"})
		vs[0].expectState(StateClosed)
		vs[1].send(map[string]any{"type": "end"})
		vs[1].expectState(StateClosed)

		if err := r.dist.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		evs, err := r.st.ACDEvents(ctx, time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			ids[0]: "entered,offered,accepted,completed",
			ids[1]: "entered,offered,accepted,completed", // the visitor left a held chat: completed
			third:  "entered,offered",
		}
		for id, w := range want {
			if got := eventKinds(evs, id, acd.Chat, "support"); got != w {
				t.Errorf("event log of chat %s: %s; want %s", id, got, w)
			}
		}
	})

	t.Run("no multitask in calls", func(t *testing.T) {
		c, _ := r.agent("carol")
		r.call(p, "call-2", "backoffice", "carol")
		v, _ := r.visitorOn("intranet")
		v.send(map[string]any{"type": "start", "name": "Backoffice"})
		id := v.expectState(StateQueued)["chat"].(string)
		if st := agentStatus(t, r.dist, "carol"); len(st.Offered) != 0 || len(st.Held) != 1 {
			t.Fatalf("carol in a call: offered %v, holds %v; want only the call", st.Offered, st.Held)
		}
		if err := r.dist.Complete(ctx, "call-2"); err != nil {
			t.Fatal(err)
		}
		if o := c.expect("offer")["chat"].(map[string]any); o["id"] != id {
			t.Fatalf("after the call: offer %v; want %s", o["id"], id)
		}
	})
}

// visitorOn opens a visitor of widget.
func (r *rig) visitorOn(widget string) (*client, map[string]any) {
	r.t.Helper()
	c, _, err := r.dial("/chat/ws?widget="+widget, map[string][]string{"Origin": {testOrigin}})
	if err != nil {
		r.t.Fatal(err)
	}
	c.send(map[string]any{"type": "hello"})
	return c, c.expect("welcome")
}

// eventKinds lists the kinds of item's events, checking their channel and
// queue.
func eventKinds(evs []store.ACDEvent, item string, c acd.Channel, queue string) string {
	var kinds []string
	for _, e := range evs {
		if e.Item != item {
			continue
		}
		if e.Channel != string(c) || e.Queue != queue {
			return "event " + e.Kind + " of channel " + e.Channel + " in queue " + e.Queue
		}
		kinds = append(kinds, e.Kind)
	}
	return strings.Join(kinds, ",")
}

// TestReloadAgreesWithDistributor restarts the appliance after each way the
// chat store and the distributor (which writes held state behind) can
// disagree, and checks that the distributor decides who holds which chat.
func TestReloadAgreesWithDistributor(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, nil)
	a, _ := r.agent("alice")
	_, token, id := r.activeChat(a, "Nina", "", "")

	// kill -9 before the distributor wrote that alice holds it: the chat
	// waits again, and is offered again.
	r.crash()
	r.start()
	if p, _ := r.dist.Presence("alice"); p.State != acd.Offline {
		t.Fatalf("alice's presence after the crash = %+v; want offline (written behind, lost)", p)
	}
	if _, w := r.visitor(token); w["state"] != StateQueued || w["chat"] != id {
		t.Fatalf("welcome after the crash = %v; want the chat queued", w)
	}
	a, _ = r.agent("alice")
	if o := a.expect("offer")["chat"].(map[string]any); o["id"] != id {
		t.Fatalf("offer after the crash = %v", o["id"])
	}
	a.send(map[string]any{"type": "accept", "chat": id})
	a.expectState(StateActive)

	// The chat store lost the accept, the distributor did not: active.
	r.stop()
	if err := r.st.UpdateChatSession(ctx, id, StateQueued, "", "support"); err != nil {
		t.Fatal(err)
	}
	r.start()
	_, hello := r.console("alice")
	if chats := hello["chats"].([]any); len(chats) != 1 || chats[0].(map[string]any)["state"] != StateActive {
		t.Fatalf("alice's chats after the restart = %v; want the chat active", chats)
	}
	rows, err := r.st.OpenChatSessions(ctx)
	if err != nil || len(rows) != 1 || rows[0].State != StateActive || rows[0].Agent != "alice" {
		t.Fatalf("stored after the restart = %+v, %v", rows, err)
	}

	// The chat was closed but the distributor did not hear of it: its
	// self-check completes it.
	r.stop()
	if err := r.st.CloseChatSession(ctx, id, "done", time.Now()); err != nil {
		t.Fatal(err)
	}
	r.start()
	if st := agentStatus(t, r.dist, "alice"); !slices.Equal(st.Held, []string{id}) {
		t.Fatalf("alice holds %v before the self-check", st.Held)
	}
	r.dist.SelfCheck()
	if st := agentStatus(t, r.dist, "alice"); len(st.Held) != 0 {
		t.Fatalf("alice holds %v after the self-check", st.Held)
	}

	// A waiting chat whose session is gone is abandoned when it comes to
	// be offered, not shown to anyone.
	if err := r.dist.SetPresence(ctx, "alice", acd.Presence{State: acd.Away, Reason: "break"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.dist.Enqueue(ctx, acd.Item{ID: "gone", Channel: acd.Chat, Queue: "support"}); err != nil {
		t.Fatal(err)
	}
	r.stop()
	r.start()
	b, _ := r.agent("bob")
	b.send(map[string]any{"type": "accept", "chat": "gone"})
	if e := b.expect("error"); !strings.Contains(e["error"].(string), "no such open session") {
		t.Fatalf("bob acting on the stale chat: %v", e)
	}
	if st := agentStatus(t, r.dist, "bob"); len(st.Offered)+len(st.Held) != 0 {
		t.Fatalf("bob has %v %v", st.Offered, st.Held)
	}
	if q := queueStatus(t, r.dist, "support"); q.Waiting+q.Offered != 0 || q.Abandoned+q.ShortAbandoned != 1 {
		t.Fatalf("support after the stale chat: %+v", q)
	}
}
