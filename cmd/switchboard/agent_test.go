package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/store"
)

const acdYAML = `agents:
  - {name: alice, extension: "1001"}
  - {name: bob}
queues:
  - {name: support, members: [alice, bob], wrap_up: 0s}
`

// acdData returns a data directory configured with acdYAML.
func acdData(t *testing.T) string {
	t.Helper()
	data := t.TempDir()
	p := filepath.Join(data, "acd.yaml")
	if err := os.WriteFile(p, []byte(acdYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, "--data", data, "config", "import", p); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	return data
}

// TestAgentCommandsWithoutServer checks that presence changes made while
// no server runs are stored and shown, and that bad input names its field.
func TestAgentCommandsWithoutServer(t *testing.T) {
	data := acdData(t)
	out, err := run(t, "--data", data, "agent", "login", "alice", "--channels", "voice,chat", "--wait", "0")
	if err != nil || !strings.Contains(out, "alice is available for voice, chat (stored;") {
		t.Fatalf("login: %v\n%s", err, out)
	}
	if out, err := run(t, "--data", data, "agent", "pause", "bob", "--reason", "lunch", "--wait", "0"); err != nil {
		t.Fatalf("pause: %v\n%s", err, out)
	}
	out, err = run(t, "--data", data, "agent", "status")
	if err != nil || !strings.Contains(out, "No snapshot") || !strings.Contains(out, "available for voice, chat") || !strings.Contains(out, "away (lunch)") {
		t.Fatalf("status: %v\n%s", err, out)
	}
	out, err = run(t, "--data", data, "agent", "status", "bob")
	if err != nil || strings.Contains(out, "alice") || !strings.Contains(out, "bob") {
		t.Fatalf("status bob: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown agent", []string{"agent", "login", "zoe", "--wait", "0"}, "agent zoe: no such agent"},
		{"unknown channel", []string{"agent", "login", "alice", "--channels", "voice,fax"}, `--channels[1]: unknown channel "fax"`},
		{"long reason", []string{"agent", "pause", "bob", "--reason", strings.Repeat("x", 65)}, "--reason: at most 64 characters"},
		{"status of unknown agent", []string{"agent", "status", "zoe"}, "agent zoe: no such agent"},
		{"bad report date", []string{"queue", "report", "--from", "yesterday"}, "--from: want a date"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(t, append([]string{"--data", data}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v; want %q", err, tc.want)
			}
		})
	}
}

// TestAgentCommandsWithDistributor runs the distributor on the data
// directory: `agent login` is applied by it, `queue status` shows its
// snapshot, and `queue report` the statistics of its event log.
func TestAgentCommandsWithDistributor(t *testing.T) {
	data := acdData(t)
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := newDistributor(ctx, st, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	out, err := run(t, "--data", data, "agent", "login", "alice", "--wait", "10s")
	if err != nil || !strings.Contains(out, "alice is available (applied by the running server)") {
		t.Fatalf("login: %v\n%s", err, out)
	}
	if p, _ := d.Presence("alice"); p.State != acd.Available {
		t.Fatalf("alice's presence in the distributor = %+v", p)
	}

	d.Handle(acd.Chat, acceptAll{d})
	if _, err := d.Enqueue(ctx, acd.Item{ID: "chat-1", Channel: acd.Chat, Queue: "support"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Enqueue(ctx, acd.Item{ID: "chat-2", Channel: acd.Chat, Queue: "support"}); err != nil {
		t.Fatal(err)
	}
	if err := d.Complete(ctx, "chat-1"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() bool {
		out, err = run(t, "--data", data, "queue", "status")
		return err == nil && strings.Contains(out, "chat-2")
	})
	if !strings.Contains(out, "support") || !strings.Contains(out, "Snapshot of the running server taken") {
		t.Fatalf("queue status:\n%s", out)
	}
	if err := d.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	out, err = run(t, "--data", data, "queue", "report", "--to", time.Now().Format(time.DateOnly))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out, "\n")
	if len(lines) < 2 || !strings.HasPrefix(strings.Join(strings.Fields(lines[1]), " "), "support 2 2 2 0 0 0 0 100% 0%") {
		t.Fatalf("queue report:\n%s", out)
	}
	if !strings.Contains(out, "alice") {
		t.Fatalf("queue report has no agent line:\n%s", out)
	}
}

// acceptAll accepts every offer for its first agent.
type acceptAll struct{ d *acd.Distributor }

func (h acceptAll) Offer(ctx context.Context, o acd.Offer) {
	_ = h.d.Accept(ctx, o.Item.ID, o.Agents[0].Name)
}

// waitFor polls cond every 50 ms until it holds or limit passes.
func waitFor(t *testing.T, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
