package mail

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// TestFollowMailboxes changes the stored `mailboxes:` section under a
// running service, as `config import` and the panel's mailboxes page do:
// an added mailbox is watched, a changed one restarted with its new
// settings (its mail goes to the new queue), a removed one stopped, all
// without a restart.
func TestFollowMailboxes(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec := newRecorder()
	svc, err := New(st, Config{Router: rec, Follow: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- svc.Run(runCtx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	apply := func(yaml string) {
		t.Helper()
		f, err := config.Parse([]byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		if err := config.Apply(ctx, st, f); err != nil {
			t.Fatal(err)
		}
	}
	addr := startMemServer(t, 1)
	deliver := appender(t, addr)

	apply("mailboxes:\n  - {name: support, imap: \"imap://support:secret@" + addr + "\", queue: support, poll_interval: 1s}\n")
	deliver(email("a@customer.test", "f1@customer.test", "first", "", "1"))
	if it := rec.next(t); it.Queue != "support" {
		t.Fatalf("first mail routed to %q", it.Queue)
	}
	apply("mailboxes:\n  - {name: support, imap: \"imap://support:secret@" + addr + "\", queue: billing, poll_interval: 1s}\n")
	// A fresh status that has synced is the new mailbox's: the old one
	// stopped before it started.
	waitFor(t, "the changed mailbox synced", func() bool {
		mb := svc.current()["support"]
		return mb.Queue == "billing" && len(svc.Status()) == 1 && !svc.Status()[0].LastSync.IsZero()
	})
	deliver(email("b@customer.test", "f2@customer.test", "second", "", "2"))
	if it := rec.next(t); it.Queue != "billing" {
		t.Fatalf("mail after the change routed to %q", it.Queue)
	}
	apply("mailboxes: []\n")
	waitFor(t, "the mailbox removed", func() bool { return len(svc.Status()) == 0 })
}
