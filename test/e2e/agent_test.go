package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunningServerAppliesAgentLogin checks that `agent login` and `agent
// pause` given while `serve` runs are applied by its distributor within a
// few seconds, and that `queue status` shows them from its snapshot.
func TestRunningServerAppliesAgentLogin(t *testing.T) {
	data := t.TempDir()
	cfg := filepath.Join(data, "acd.yaml")
	if err := os.WriteFile(cfg, []byte(`agents:
  - {name: alice}
  - {name: bob}
queues:
  - {name: support, members: [alice, bob]}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "--data", data, "config", "import", cfg)
	startServer(t, nil, binPath, data)

	start := time.Now()
	out := mustCLI(t, "--data", data, "agent", "login", "alice", "--channels", "voice,chat", "--wait", "5s")
	if !strings.Contains(out, "applied by the running server") {
		t.Fatalf("login not applied by the server within 5s:\n%s", out)
	}
	t.Logf("agent login applied in %s", time.Since(start).Round(time.Millisecond))
	out = mustCLI(t, "--data", data, "agent", "pause", "bob", "--reason", "lunch", "--wait", "5s")
	if !strings.Contains(out, "applied by the running server") {
		t.Fatalf("pause not applied by the server within 5s:\n%s", out)
	}
	out = mustCLI(t, "--data", data, "queue", "status")
	fields := func(line string) string { return strings.Join(strings.Fields(line), " ") }
	var queue, alice, bob string
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "support "):
			queue = fields(l)
		case strings.HasPrefix(l, "alice "):
			alice = fields(l)
		case strings.HasPrefix(l, "bob "):
			bob = fields(l)
		}
	}
	if !strings.HasSuffix(queue, " 2 1") || !strings.Contains(alice, "available for voice, chat") || !strings.Contains(bob, "away (lunch)") {
		t.Fatalf("queue status (want 2 logged in, 1 available):\n%s", out)
	}
}
