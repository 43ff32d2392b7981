package mail

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// itemsRouter records the items routed.
type itemsRouter struct {
	mu    sync.Mutex
	items []Item
}

func (r *itemsRouter) Route(_ context.Context, it Item) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.items = append(r.items, it)
	return nil
}

func TestWebMessageBecomesAConversation(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenFile(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	router := &itemsRouter{}
	svc, err := New(st, Config{
		Mailboxes: []Mailbox{{Name: "support", IMAP: "imap://u:p@127.0.0.1:1", Queue: "support", From: "support@example.com"}},
		Router:    router, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][2]string{{"not an address", "hello"}, {"zoe@example.com", "  "}} {
		if _, err := svc.Submit(ctx, "support", bad[0], "Zoé", "Contact page", bad[1]); !errors.Is(err, ErrBadWebMessage) {
			t.Errorf("Submit(%q, %q): %v, want ErrBadWebMessage", bad[0], bad[1], err)
		}
	}
	if _, err := svc.Submit(ctx, "sales", "zoe@example.com", "Zoé", "Contact page", "hi"); !errors.Is(err, ErrNoMailboxForQueue) {
		t.Errorf("queue without a mailbox: %v", err)
	}
	for range 2 {
		if _, err := svc.Submit(ctx, "support", "zoe@example.com", "Zoé <script>", "Contact page: invoice", "My invoice is wrong.\n<b>twice</b>"); err != nil {
			t.Fatal(err)
		}
	}
	if len(router.items) != 2 || router.items[0].ConversationID == router.items[1].ConversationID || router.items[0].From != "zoe@example.com" {
		t.Fatalf("routed %+v: want two new conversations from zoe@example.com", router.items)
	}
	c, err := svc.Conversation(ctx, router.items[0].ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "Contact page: invoice" || len(c.Messages) != 1 || c.Messages[0].Text != "My invoice is wrong.\r\n<b>twice</b>\r\n" && c.Messages[0].Text != "My invoice is wrong.\n<b>twice</b>\n" {
		t.Errorf("conversation %+v", c)
	}
}
