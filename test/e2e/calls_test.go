package e2e

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// sippRun starts sipp with a scenario from testdata and returns a wait
// function for its exit error.
func sippRun(t *testing.T, dir, scenario string, args ...string) func() error {
	t.Helper()
	return peertest.Sipp(t, dir, filepath.Join("testdata", scenario), append([]string{"-timeout", "30"}, args...)...)
}

// lastCDR waits until the newest CDR is closed and returns it as CSV fields
// keyed by column name.
func lastCDR(t *testing.T, data string) map[string]string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := mustCLI(t, "--data", data, "cdr", "export", "--csv", "--limit", "1")
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("cdr export: %v\n%s", err, out)
		}
		if len(rows) == 2 {
			rec := map[string]string{}
			for i, k := range rows[0] {
				rec[k] = rows[1][i]
			}
			if rec["ended_at"] != "" {
				return rec
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no closed CDR:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestSippCallOutcomes(t *testing.T) {
	peertest.Binary(t, "sipp")
	data := t.TempDir()
	mustCLI(t, "--data", data, "extension", "add", "1001", "--password", "caller-pass1")
	for _, callee := range []string{"1002", "1003", "1004", "1005"} {
		mustCLI(t, "--data", data, "extension", "add", callee, "--password", "callee-pass2")
	}
	srv := startServer(t, nil, binPath, data, "--ring-timeout", "2s")
	dir := t.TempDir()
	users := filepath.Join(dir, "users.csv")
	os.WriteFile(users, []byte("SEQUENTIAL\n1001;[authentication username=1001 password=caller-pass1]\n"), 0o644)

	cases := []struct {
		name, callee, uas, uac string
		disposition, cause     string
		answered               bool
	}{
		{"answered and hung up", "1002", "uas_answer.xml", "uac_answer.xml", "answered", "caller hung up", true},
		{"busy", "1003", "uas_busy.xml", "uac_busy.xml", "busy", "Busy Here", false},
		{"no answer", "1004", "uas_ring.xml", "uac_noanswer.xml", "no-answer", "ring timeout", false},
		{"caller cancels", "1005", "uas_ring.xml", "uac_cancel.xml", "cancelled", "caller cancelled", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			uasPort := freeUDPPort(t)
			waitUAS := sippRun(t, dir, tc.uas, "-i", "127.0.0.1", "-p", fmt.Sprint(uasPort), "-mi", "127.0.0.1", "-mp", fmt.Sprint(freeUDPPort(t)), "-m", "1")
			if err := sippRegisterContact(t, srv.sipPort, tc.callee, "callee-pass2", "127.0.0.1", freeUDPPort(t), uasPort); err != nil {
				t.Fatalf("registering the callee:\n%s", srv.output())
			}
			waitUAC := sippRun(t, dir, tc.uac, fmt.Sprintf("127.0.0.1:%d", srv.sipPort), "-s", tc.callee, "-inf", users,
				"-i", "127.0.0.1", "-p", fmt.Sprint(freeUDPPort(t)), "-mi", "127.0.0.1", "-mp", fmt.Sprint(freeUDPPort(t)), "-m", "1")
			if err := waitUAC(); err != nil {
				t.Fatalf("caller scenario %s failed: %v\nserver:\n%s", tc.uac, err, srv.output())
			}
			if err := waitUAS(); err != nil {
				t.Fatalf("callee scenario %s failed: %v\nserver:\n%s", tc.uas, err, srv.output())
			}
			rec := lastCDR(t, data)
			if rec["caller"] != "1001" || rec["callee"] != tc.callee || rec["disposition"] != tc.disposition || rec["hangup_cause"] != tc.cause {
				t.Fatalf("CDR = %v, want 1001→%s %s (%s)", rec, tc.callee, tc.disposition, tc.cause)
			}
			if got := rec["answered_at"] != ""; got != tc.answered {
				t.Fatalf("CDR answered_at = %q, want answered=%v", rec["answered_at"], tc.answered)
			}
		})
	}

	// Unknown numbers and unregistered extensions are refused with a CDR.
	t.Run("not found", func(t *testing.T) {
		wait := sippRun(t, dir, "uac_busy.xml", fmt.Sprintf("127.0.0.1:%d", srv.sipPort), "-s", "1999", "-inf", users,
			"-i", "127.0.0.1", "-p", fmt.Sprint(freeUDPPort(t)), "-mi", "127.0.0.1", "-mp", fmt.Sprint(freeUDPPort(t)), "-m", "1")
		if err := wait(); err == nil {
			t.Fatal("a call to an unknown number got 486")
		}
		if rec := lastCDR(t, data); rec["disposition"] != "not-found" || rec["sip_status"] != "404" {
			t.Fatalf("CDR = %v, want not-found 404", rec)
		}
	})
}
