package mail

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/acd/stats"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// TestACDChannel runs received mail through a real distributor: the
// message becomes an email item of the mailbox's queue, offered and
// assigned to the available agent at once; a second message of the same
// conversation adds no item; the agent's reply completes it.
func TestACDChannel(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var kinds []string
	d := acd.New(acd.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Observe: func(e stats.Event) {
		mu.Lock()
		kinds = append(kinds, string(e.Kind)+" "+e.Agent)
		mu.Unlock()
	}})
	d.SetConfig([]config.Queue{{Name: "support", Members: []string{"alice"}}}, []config.Agent{{Name: "alice"}})
	if err := d.SetPresence(ctx, "alice", acd.Presence{State: acd.Available}); err != nil {
		t.Fatal(err)
	}
	ch := NewACD(d, slog.New(slog.NewTextHandler(io.Discard, nil)))
	d.Handle(acd.Email, ch)

	addr := startMemServer(t, 1)
	deliver := appender(t, addr)
	sk := peertest.StartSMTPSink(t)
	run := startService(t, t.TempDir(), "imap://support:secret@"+addr, sk.Addr, ch, false)
	held := func() []string {
		for _, a := range d.Snapshot().Agents {
			if a.Name == "alice" {
				return a.Held
			}
		}
		return nil
	}

	deliver(email("Carol <carol@customer.test>", "c1@customer.test", "printer on fire", "", "help"))
	waitFor(t, "the email assigned to alice", func() bool { return len(held()) == 1 })
	id := held()[0]
	conv, err := strconv.ParseInt(strings.TrimPrefix(id, "mail:"), 10, 64)
	if err != nil || id != ItemID(conv) {
		t.Fatalf("held item %q", id)
	}
	deliver(email("Carol <carol@customer.test>", "c2@customer.test", "Re: printer on fire", "In-Reply-To: <c1@customer.test>\r\n", "still burning"))
	waitFor(t, "the second message routed", func() bool {
		msgs, err := run.st.UnroutedMail(ctx, "support")
		c, _ := run.svc.Conversation(ctx, conv)
		return err == nil && len(msgs) == 0 && len(c.Messages) == 2
	})
	if h := held(); len(h) != 1 || h[0] != id {
		t.Fatalf("after a second message alice holds %v", h)
	}
	if q := d.Snapshot().Queues[0]; q.Waiting != 0 || q.Held != 1 || q.Entered != 1 {
		t.Fatalf("queue %+v", q)
	}

	if err := run.svc.Reply(ctx, conv, "alice", "We are on it."); err != nil {
		t.Fatal(err)
	}
	sk.Next(t)
	if h := held(); len(h) != 0 {
		t.Fatalf("after the reply alice holds %v", h)
	}
	mu.Lock()
	got := strings.Join(kinds, ",")
	mu.Unlock()
	if got != "entered ,offered alice,accepted alice,completed alice" {
		t.Fatalf("event log %q", got)
	}
	if err := ch.Replied(ctx, conv, "alice"); err != nil {
		t.Fatalf("a second reply: %v", err)
	}
}
