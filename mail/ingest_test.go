package mail

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// ingester returns a Service (not running) over a fresh store, and its
// one mailbox.
func ingester(t testing.TB, cfg Config) (*Service, *mailbox) {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg.Mailboxes = []Mailbox{{Name: "support", IMAP: "imap://u:p@127.0.0.1:1", Queue: "support"}}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := New(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return svc, svc.mailboxes["support"]
}

// TestIngestCutMessage stores a message over MaxMessageBytes cut, flagged
// oversize, and keeps going.
func TestIngestCutMessage(t *testing.T) {
	ctx := context.Background()
	svc, mb := ingester(t, Config{MaxMessageBytes: 100})
	raw := email("a@customer.test", "cut@customer.test", "long", "", strings.Repeat("x", 5000))
	if _, err := svc.ingest(ctx, mb, 1, 1, raw[:100], true); err != nil {
		t.Fatal(err)
	}
	msgs, err := svc.st.MailMessages(ctx, "support")
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].RawSize != 100 || !strings.Contains(msgs[0].Flags, "oversize") || msgs[0].Problem == "" {
		t.Fatalf("stored %+v", msgs)
	}
}

// TestIngestKeepsAttachments stores an attachment's bytes, readable one by
// one, and names the ones that do not exist.
func TestIngestKeepsAttachments(t *testing.T) {
	ctx := context.Background()
	svc, mb := ingester(t, Config{})
	raw := []byte("From: a@customer.test\r\nTo: support@example.com\r\nSubject: invoice\r\nMessage-ID: <att-1@customer.test>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"invoice.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n")
	if _, err := svc.ingest(ctx, mb, 1, 1, raw, false); err != nil {
		t.Fatal(err)
	}
	c, err := svc.Conversation(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Messages) != 1 || len(c.Messages[0].Attachments) != 1 || c.Messages[0].Attachments[0].Filename != "invoice.pdf" {
		t.Fatalf("conversation %+v", c)
	}
	data, err := svc.AttachmentData(ctx, c.Messages[0].Attachments[0].ID)
	if err != nil || string(data) != "%PDF-1.4\n" {
		t.Fatalf("attachment data %q, %v", data, err)
	}
	if _, err := svc.AttachmentData(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing attachment: %v", err)
	}
}

// FuzzIngest checks the ingest invariants on any bytes: no panic, the
// message is stored with its raw bytes intact, and a refetch of the same
// UID is a duplicate.
func FuzzIngest(f *testing.F) {
	entries, err := os.ReadDir(filepath.Join("parse", "testdata"))
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("parse", "testdata", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	ctx := context.Background()
	svc, mb := ingester(f, Config{})
	var uid atomic.Uint32
	var stored atomic.Int64
	f.Fuzz(func(t *testing.T, raw []byte) {
		u := uid.Add(1)
		dup, err := svc.ingest(ctx, mb, 1, u, raw, false)
		if err != nil {
			t.Fatalf("ingest: %v", err)
		}
		again, err := svc.ingest(ctx, mb, 1, u, raw, false)
		if err != nil || !again {
			t.Fatalf("refetch of uid %d: duplicate %v, err %v", u, again, err)
		}
		if dup {
			return
		}
		// Each new message is one row, numbered in order.
		got, err := svc.st.MailRaw(ctx, stored.Add(1))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, raw) {
			t.Fatalf("raw not kept: stored %d bytes, fetched %d", len(got), len(raw))
		}
	})
}
