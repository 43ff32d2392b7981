package mail

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/peertest"
	"github.com/switchboard-cc/switchboard/internal/store"
)

const (
	crashDirEnv = "SWITCHBOARD_MAIL_CRASH_DIR"
	crashURLEnv = "SWITCHBOARD_MAIL_CRASH_URL"
)

// fileRouter appends routed item IDs to a file, one a line.
type fileRouter struct{ f *os.File }

func (r fileRouter) Route(_ context.Context, it Item) error {
	_, err := fmt.Fprintln(r.f, it.ID)
	return err
}

// TestCrashChild is the child process of TestCrashDuringIngest: it runs
// only the mailbox runner and is killed with SIGKILL. It does nothing in a
// normal run.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("child process of TestCrashDuringIngest")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(dir+"/routed-child", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(st, Config{
		Mailboxes: []Mailbox{{Name: "support", IMAP: os.Getenv(crashURLEnv), Queue: "support"}},
		Router:    fileRouter{f}, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("ready")
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	svc.Run(ctx)
}

// TestCrashDuringIngest kills (SIGKILL, by PID) a process ingesting a batch
// of 200 messages from Dovecot, restarts the runner on the same store, and
// checks that every message is stored exactly once, flagged \Seen on the
// server, and handed to the distributor.
func TestCrashDuringIngest(t *testing.T) {
	const total = 200
	d := peertest.StartDovecot(t)
	for i := range total {
		d.Deliver(t, email(fmt.Sprintf("c%d@customer.test", i), fmt.Sprintf("crash-%d@customer.test", i), fmt.Sprintf("crash %d", i), "", strings.Repeat("x", 2000)))
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashURLEnv+"="+d.URL())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		ok := false
		for sc.Scan() {
			if sc.Text() == "ready" && !ok {
				ok = true
				ready <- true
			}
		}
		if !ok {
			ready <- false
		}
	}()
	go func() { <-ready; cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })
	ctx := context.Background()
	st, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	killedAt := -1
	deadline := time.Now().Add(60 * time.Second)
	for killedAt < 0 {
		if time.Now().After(deadline) {
			t.Fatal("the child ingested nothing within 60 s")
		}
		msgs, err := st.MailMessages(ctx, "support")
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) >= 40 {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			<-exited
			msgs, err = st.MailMessages(ctx, "support")
			if err != nil {
				t.Fatal(err)
			}
			killedAt = len(msgs)
		}
		time.Sleep(2 * time.Millisecond)
	}
	st.Close()
	if killedAt >= total {
		t.Fatalf("the child finished all %d messages before the kill: nothing tested", total)
	}
	t.Logf("killed after %d of %d messages committed", killedAt, total)

	rec := newRecorder()
	run := startService(t, dir, d.URL(), "", rec, false)
	waitFor(t, "all messages after restart", func() bool {
		msgs, err := run.st.MailMessages(ctx, "support")
		return err == nil && len(msgs) == total
	})
	waitFor(t, "all messages flagged \\Seen", func() bool { return d.Unseen(t) == 0 })
	msgs, err := run.st.MailMessages(ctx, "support")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	convs := map[int64]bool{}
	for _, m := range msgs {
		ids[m.MessageID] = true
		convs[m.ConversationID] = true
	}
	if len(msgs) != total || len(ids) != total || len(convs) != total {
		t.Fatalf("%d messages, %d distinct Message-IDs, %d conversations; want %d each", len(msgs), len(ids), len(convs), total)
	}
	routed := map[string]bool{}
	child, err := os.ReadFile(dir + "/routed-child")
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, id := range strings.Fields(string(child)) {
		routed[id] = true
	}
	waitFor(t, "every message routed", func() bool {
		for {
			select {
			case it := <-rec.items:
				routed[it.ID] = true
			default:
				return len(routed) == total
			}
		}
	})
}
