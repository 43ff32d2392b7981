package chat

import (
	"context"
	"encoding/json"
	"testing"
	"testing/synctest"
	"time"

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
// accepted within OfferTimeout goes back to the head of the queue, the
// agent is set away, and the next agent is offered the chat.
func TestOfferTimeout(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		cfg := testConfig(&fakeMail{})
		cfg.OfferTimeout = 20 * time.Second
		s, err := New(ctx, st, nil, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		alice := fakeConn(s.ctx)
		s.mu.Lock()
		s.agent("alice").conns[alice] = struct{}{}
		s.mu.Unlock()

		visitorConn := fakeConn(s.ctx)
		v := &visitor{s: s, c: visitorConn, widget: s.widgets["website"], token: newID()}
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
		bob := fakeConn(s.ctx)
		s.mu.Lock()
		s.agent("bob").away = true // bob signs in away: no offer yet
		s.agent("bob").conns[bob] = struct{}{}
		s.mu.Unlock()
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if f := hasFrame(frames(alice), "away"); f == nil || f["reason"] != "no-answer" {
			t.Fatal("alice was not set away after the offer timed out")
		}
		s.mu.Lock()
		if len(s.waiting) != 1 || s.waiting[0].offeredTo != "" || len(s.agents["alice"].held) != 0 {
			t.Fatalf("after timeout: waiting %d, offered to %q, alice holds %d", len(s.waiting), s.waiting[0].offeredTo, len(s.agents["alice"].held))
		}
		s.mu.Unlock()
		// Bob becomes available: he gets it.
		if err := s.agentFrame(bob, "bob", []byte(`{"type":"available"}`)); err != nil {
			t.Fatal(err)
		}
		if hasFrame(frames(bob), "offer") == nil {
			t.Fatal("bob was not offered the chat")
		}
	})
}
