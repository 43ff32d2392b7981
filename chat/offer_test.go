package chat

import (
	"context"
	"encoding/json"
	"testing"
	"testing/synctest"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// fakeConn is a connection without a socket: frames sent to it are kept.
func fakeConn(ctx context.Context) *conn {
	return newConn(ctx, nil)
}

// frames drains and decodes what was sent to c.
func frames(c *conn) []map[string]any {
	var out []map[string]any
	for {
		select {
		case f := <-c.out:
			var m map[string]any
			json.Unmarshal(f, &m)
			out = append(out, m)
		default:
			return out
		}
	}
}

func hasFrame(fs []map[string]any, typ string) map[string]any {
	for _, f := range fs {
		if f["type"] == typ {
			return f
		}
	}
	return nil
}

// TestOfferTimeout checks ring-no-answer in fake time: an offer not
// accepted within the queue's ring timeout goes back to its place, the
// distributor sets the agent away and the console hears of it, and the
// next agent is offered the chat.
func TestOfferTimeout(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		d := acd.New(acd.Config{})
		d.SetConfig([]config.Queue{{Name: "support", Members: []string{"alice", "bob"}, RingTimeout: config.Duration(20 * time.Second)}},
			[]config.Agent{{Name: "alice"}, {Name: "bob"}})
		s, err := New(ctx, st, nil, d, testConfig(&fakeMail{}))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		alice, bob := fakeConn(s.ctx), fakeConn(s.ctx)
		s.mu.Lock()
		s.agents["alice"] = map[*conn]struct{}{alice: {}}
		s.agents["bob"] = map[*conn]struct{}{bob: {}} // bob signs in away: no offer yet
		s.mu.Unlock()
		if err := d.SetPresence(ctx, "alice", acd.Presence{State: acd.Available}); err != nil {
			t.Fatal(err)
		}
		if err := d.SetPresence(ctx, "bob", acd.Presence{State: acd.Away, Reason: "lunch"}); err != nil {
			t.Fatal(err)
		}

		visitorConn := fakeConn(s.ctx)
		v := &visitor{s: s, c: visitorConn, widget: s.widgets["website"], token: newID(), rate: bucket{rate: 5, burst: 20}}
		if err := v.start(ctx, inFrame{Name: "Late"}); err != nil {
			t.Fatal(err)
		}
		if hasFrame(frames(alice), "offer") == nil {
			t.Fatal("alice was not offered the chat")
		}
		time.Sleep(19 * time.Second)
		synctest.Wait()
		if hasFrame(frames(alice), "away") != nil {
			t.Fatal("offer withdrawn before its timeout")
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if f := hasFrame(frames(alice), "away"); f == nil || f["reason"] != "no-answer" {
			t.Fatal("alice's console was not told she is away after the offer timed out")
		}
		if p, _ := d.Presence("alice"); p.State != acd.Away || p.Reason != acd.ReasonNoAnswer {
			t.Fatalf("alice's presence = %+v; want away for no answer", p)
		}
		if len(s.Chats("alice")) != 0 || len(s.Chats("bob")) != 0 {
			t.Fatalf("after timeout: alice has %v, bob %v", s.Chats("alice"), s.Chats("bob"))
		}
		// Bob becomes available: he gets it.
		if err := d.SetPresence(ctx, "bob", acd.Presence{State: acd.Available}); err != nil {
			t.Fatal(err)
		}
		if hasFrame(frames(bob), "offer") == nil {
			t.Fatal("bob was not offered the chat")
		}
		// The visitor leaves while it rings: bob's offer is taken back.
		if err := v.handle([]byte(`{"type":"end"}`)); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if f := hasFrame(frames(bob), "state"); f == nil || f["state"] != StateClosed {
			t.Fatalf("bob's console after the visitor left: %v", f)
		}
		if len(d.Snapshot().Agents[1].Offered) != 0 {
			t.Fatal("the distributor still offers the abandoned chat to bob")
		}
	})
}
