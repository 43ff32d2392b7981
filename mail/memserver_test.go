package mail

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// startMemServer runs go-imap's in-memory server (no IDLE: the runner
// polls) with user support/secret and returns its address. The INBOX's
// UIDVALIDITY is uidvalidity.
func startMemServer(t *testing.T, uidvalidity int) string {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("support", "secret")
	for i := 1; i < uidvalidity; i++ {
		if err := user.Create(fmt.Sprintf("old%d", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}},
		InsecureAuth: true,
		Logger:       discardLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return ln.Addr().String()
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

// appender delivers messages with IMAP APPEND.
func appender(t *testing.T, addr string) func(raw []byte) {
	return func(raw []byte) {
		t.Helper()
		c, err := imapclient.DialInsecure(addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Login("support", "secret").Wait(); err != nil {
			t.Fatal(err)
		}
		cmd := c.Append("INBOX", int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestConversationMemServer(t *testing.T) {
	addr := startMemServer(t, 1)
	conversationScenario(t, "imap://support:secret@"+addr, appender(t, addr))
}

// TestUIDValidityChange points a mailbox whose messages were ingested at a
// server holding the same messages under a new UIDVALIDITY: nothing is
// ingested or routed again.
func TestUIDValidityChange(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	msgs := [][]byte{
		email("a@customer.test", "u1@customer.test", "one", "", "1"),
		email("b@customer.test", "u2@customer.test", "two", "", "2"),
		[]byte("From: c@customer.test\r\nSubject: no id\r\n\r\nsame bytes\r\n"),
	}
	first := startMemServer(t, 1)
	for _, m := range msgs {
		appender(t, first)(m)
	}
	rec := newRecorder()
	run := startService(t, dir, "imap://support:secret@"+first, "", rec, false)
	for range msgs {
		rec.next(t)
	}
	run.stop()
	second := startMemServer(t, 2)
	for _, m := range msgs {
		appender(t, second)(m)
	}
	rec2 := newRecorder()
	run2 := startService(t, dir, "imap://support:secret@"+second, "", rec2, false)
	waitFor(t, "a sync on the new server", func() bool { return !run2.svc.Status()[0].LastSync.IsZero() })
	got, err := run2.st.MailMessages(ctx, "support")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(msgs) || len(rec2.items) != 0 {
		t.Fatalf("after UIDVALIDITY change: %d messages stored (want %d), %d routed again", len(got), len(msgs), len(rec2.items))
	}
	st, err := run2.st.MailboxState(ctx, "support")
	if err != nil {
		t.Fatal(err)
	}
	if st.LastUID != uint32(len(msgs)) {
		t.Fatalf("cursor %+v", st)
	}
}

func TestLoadMailboxes(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	want := store.MailboxConfig{Name: "support", IMAP: "imaps://u:p@mail.example.com", SMTP: "smtps://u:p@mail.example.com", Queue: "support", From: "support@example.com", Acknowledge: true, PollInterval: 30 * time.Second}
	if err := st.Update(ctx, func(tx *store.Tx) error { return tx.ReplaceMailboxes(ctx, []store.MailboxConfig{want}) }); err != nil {
		t.Fatal(err)
	}
	got, err := LoadMailboxes(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].IMAP != want.IMAP || got[0].PollInterval != want.PollInterval || !got[0].Acknowledge {
		t.Fatalf("LoadMailboxes = %+v", got)
	}
	if _, err := New(st, Config{Mailboxes: got}); err != nil {
		t.Fatalf("New with loaded mailboxes: %v", err)
	}
}

// TestStatusReportsErrors checks that a failing mailbox shows as
// disconnected with its last error, live and in the store, and keeps
// retrying (the error is recorded again after a backoff).
func TestStatusReportsErrors(t *testing.T) {
	addr := startMemServer(t, 1)
	run := startService(t, t.TempDir(), "imap://support:wrong@"+addr, "", newRecorder(), false)
	var first time.Time
	waitFor(t, "a login error", func() bool {
		st := run.svc.Status()[0]
		first = st.LastErrorAt
		return !st.Connected && strings.Contains(st.LastError, "login")
	})
	waitFor(t, "a retry", func() bool { return run.svc.Status()[0].LastErrorAt.After(first) })
	stored, err := run.st.MailboxState(context.Background(), "support")
	if err != nil {
		t.Fatal(err)
	}
	if stored.Connected || !strings.Contains(stored.LastError, "login") {
		t.Fatalf("stored state %+v", stored)
	}
}
