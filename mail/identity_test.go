package mail

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// TestWebMessageAddressIsTyped: the address of a contact-page message was
// typed by the visitor, so its customer identity is unverified; an email
// received from that address verifies it.
func TestWebMessageAddressIsTyped(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenFile(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dir, err := customer.New(st, customer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(st, Config{
		Mailboxes: []Mailbox{{Name: "support", IMAP: "imap://u:p@127.0.0.1:1", Queue: "support", From: "support@example.com"}},
		Router:    &itemsRouter{}, Customers: CustomerDirectory(dir), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	zoe := customer.Identity{Kind: customer.Email, Value: "zoe@example.com"}
	verified := func() bool {
		t.Helper()
		found, err := dir.Search(ctx, zoe.Value, 1)
		if err != nil || len(found) != 1 || len(found[0].Identities) != 1 || found[0].Identities[0].Identity != zoe {
			t.Fatalf("customers of %s: %+v, %v", zoe.Value, found, err)
		}
		return found[0].Identities[0].Verified
	}
	if _, err := svc.Submit(ctx, "support", "Zoe@Example.com", "Zoé", "Contact page", "hello"); err != nil {
		t.Fatal(err)
	}
	if verified() {
		t.Fatal("the address typed on the contact page is verified")
	}
	raw := "From: Zoé <zoe@example.com>\r\nTo: support@example.com\r\nSubject: again\r\nMessage-ID: <m1@example.com>\r\n\r\nhello\r\n"
	if _, err := svc.ingest(ctx, svc.current()["support"], 7, 1, []byte(raw), false); err != nil {
		t.Fatal(err)
	}
	if !verified() {
		t.Fatal("an email received from the address did not verify it")
	}
}
