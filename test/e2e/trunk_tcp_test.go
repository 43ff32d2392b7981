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

// An extension's call through a peer trunk set to TCP: the appliance
// connects to the provider (a trunk's address, which its TCP dial policy
// lets through), answers its 407, and the caller's hang-up reaches it as
// a BYE.
func TestTrunkOutboundCallOverTCP(t *testing.T) {
	peertest.Binary(t, "sipp")
	data := t.TempDir()
	port := freeUDPPort(t)
	importConfig(t, data, fmt.Sprintf(`extensions:
  - {number: "1001", password: national-pw1}
trunks:
  - {name: main, type: peer, host: "%s:%d", username: u, password: p, transport: tcp}
routes:
  outbound:
    - {pattern: "01XXXXXXXX", trunks: [main]}
`, providerIP, port))
	wait := providerUASIn(t, t.TempDir(), "trunk_provider_answer.xml", port, 1, "-t", "t1")
	srv := startServer(t, nil, binPath, data)
	if err := sippDial(t, srv, "1001", "national-pw1", "0123456789", 1); err != nil {
		t.Fatalf("extension's call: %v\nserver:\n%s", err, srv.output())
	}
	if err := wait(); err != nil {
		t.Fatalf("provider over TCP: %v\nserver:\n%s", err, srv.output())
	}
	if strings.Contains(srv.output(), "refused to connect") {
		t.Fatalf("a connect refused during the call:\n%s", srv.output())
	}
}
