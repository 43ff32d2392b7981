package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// Trunks and routes imported while the server runs are in force at once:
// a new trunk with a new route carries the next call, a removed route
// routes no more, and permissions follow.
func TestTrunkReloadWhileRunning(t *testing.T) {
	peertest.Binary(t, "sipp")
	data := t.TempDir()
	first, second := freeUDPPort(t), freeUDPPort(t)
	trunks := fmt.Sprintf(`trunks:
  - {name: first, type: peer, host: "%[1]s:%[2]d"}
  - {name: second, type: peer, host: "%[1]s:%[3]d"}
`, providerIP, first, second)
	importConfig(t, data, `extensions:
  - {number: "1001", password: reload-pw-1}
`+trunks+`routes:
  outbound:
    - {pattern: "01XXXXXXXX", trunks: [first]}
`)
	srv := startServer(t, nil, binPath, data)

	// loads waits until the server logged its n-th load of the trunks
	// (the first at start).
	loads := func(t *testing.T, n int) time.Duration {
		t.Helper()
		start := time.Now()
		for strings.Count(srv.output(), "trunks and routes in force") < n {
			if time.Since(start) > 5*time.Second {
				t.Fatalf("the server did not load the trunks within 5 s:\n%s", srv.output())
			}
			time.Sleep(50 * time.Millisecond)
		}
		return time.Since(start)
	}
	loads(t, 1)
	// reloaded imports yaml and waits for the server to load it.
	reloaded := func(t *testing.T, yaml string) {
		t.Helper()
		n := strings.Count(srv.output(), "trunks and routes in force")
		importConfig(t, data, yaml)
		t.Logf("reloaded %v after the import", loads(t, n+1).Round(time.Millisecond))
	}

	reloaded(t, trunks+`routes:
  outbound:
    - {pattern: "02XXXXXXXX", trunks: [second]}
`)
	t.Run("a new route carries the call", func(t *testing.T) {
		waitP := providerUAS(t, "trunk/provider_486.xml", second, 1)
		if err := sippDial(t, srv, "1001", "reload-pw-1", "0223456789", 1); err != nil {
			t.Fatalf("extension's call: %v\nserver:\n%s", err, srv.output())
		}
		if err := waitP(); err != nil {
			t.Fatalf("provider on the new route: %v\nserver:\n%s", err, srv.output())
		}
		if rec := closedCDRs(t, data, 1)[0]; rec["trunk"] != "second" || rec["sip_status"] != "486" {
			t.Fatalf("CDR = %v", rec)
		}
	})
	t.Run("a removed route routes no more", func(t *testing.T) {
		if err := sippDial(t, srv, "1001", "reload-pw-1", "0123456789", 1); err == nil {
			t.Fatal("call on the removed route was not refused")
		}
		if rec := closedCDRs(t, data, 2)[0]; rec["disposition"] != "not-found" || rec["sip_status"] != "404" || rec["trunk"] != "" {
			t.Fatalf("CDR = %v", rec)
		}
	})

	reloaded(t, `permissions:
  - {extension: "1001", class: internal}
`)
	t.Run("a new permission class applies", func(t *testing.T) {
		if err := sippDial(t, srv, "1001", "reload-pw-1", "0223456789", 1); err != nil {
			t.Fatalf("extension's call: %v\nserver:\n%s", err, srv.output())
		}
		if rec := closedCDRs(t, data, 3)[0]; rec["disposition"] != "rejected" || rec["sip_status"] != "403" {
			t.Fatalf("CDR = %v", rec)
		}
	})
}
