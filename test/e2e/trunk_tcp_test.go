package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// A register trunk set to TCP registers over TCP (sipp -t t1 plays the
// provider): digest challenge answered, refreshed before expiry.
func TestTrunkRegisterOverTCP(t *testing.T) {
	peertest.Binary(t, "sipp")
	data := t.TempDir()
	port := freeUDPPort(t)
	importConfig(t, data, fmt.Sprintf(`trunks:
  - {name: provider, type: register, host: "%s:%d", username: u, password: p, transport: tcp}
`, providerIP, port))
	wait := providerUASIn(t, t.TempDir(), "trunk/provider_register.xml", port, 1, "-t", "t1")
	srv := startServer(t, nil, binPath, data)

	deadline := time.Now().Add(10 * time.Second)
	for st := trunkStatus(t, data)["provider"]; !strings.Contains(st, "registered"); st = trunkStatus(t, data)["provider"] {
		if time.Now().After(deadline) {
			t.Fatalf("trunk never registered over TCP: %q\nserver:\n%s", st, srv.output())
		}
		time.Sleep(200 * time.Millisecond)
	}
	start := time.Now()
	if err := wait(); err != nil {
		t.Fatalf("provider did not see the authenticated refresh over TCP: %v\nserver:\n%s", err, srv.output())
	}
	t.Logf("refresh over TCP %.1f s after the first registration was seen", time.Since(start).Seconds())
}
