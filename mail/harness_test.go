package mail

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// recorder is a Router that records the items it is handed.
type recorder struct {
	items chan Item
}

func newRecorder() *recorder { return &recorder{items: make(chan Item, 1024)} }

func (r *recorder) Route(_ context.Context, it Item) error {
	r.items <- it
	return nil
}

// next returns the next routed item, failing after a bound.
func (r *recorder) next(t testing.TB) Item {
	t.Helper()
	select {
	case it := <-r.items:
		return it
	case <-time.After(60 * time.Second): // generous: CI machines are shared
		t.Fatal("no item routed within 60 s")
		return Item{}
	}
}

// running is a Service running in the background of a test.
type running struct {
	svc       *Service
	st        *store.Store
	customers *customer.Directory
	stop      func()
}

// startService opens (or reopens) the store in dir and runs a Service with
// one mailbox "support" on imapURL, sending through smtpAddr.
func startService(t testing.TB, dir, imapURL, smtpAddr string, router Router, ack bool) *running {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	mb := Mailbox{Name: "support", IMAP: imapURL, Queue: "support", From: "support@example.com", Acknowledge: ack, PollInterval: 200 * time.Millisecond}
	if smtpAddr != "" {
		mb.SMTP = "smtp://" + smtpAddr
	}
	dir2, err := customer.New(st, customer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(st, Config{
		Mailboxes: []Mailbox{mb}, Router: router, Customers: CustomerDirectory(dir2),
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	var once sync.Once
	r := &running{svc: svc, st: st, customers: dir2}
	r.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Error("Run did not return within 20 s")
			}
			st.Close()
		})
	}
	t.Cleanup(r.stop)
	return r
}

// waitFor polls cond until true, failing after a bound.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// email returns a plain message.
func email(from, msgID, subject, extra, body string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: support@example.com\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: Mon, 23 Nov 2026 06:00:00 +0000\r\n%sContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n", from, subject, msgID, extra, body)
	return b.Bytes()
}
