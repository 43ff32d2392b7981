package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

const ivrYAML = `
extensions:
  - {number: "1001", password: caller-pass1}
  - {number: "2001", password: agent-pass1}
agents:
  - {name: ann, extension: "2001"}
queues:
  - {name: sales, members: [ann]}
  - {name: support, members: [ann]}
flows:
  - name: main
    number: "800"
    start: welcome
    nodes:
      welcome: {type: menu, prompt: welcome, title: "How can we help?", options: {"1": sales, "2": more}, retries: 1, timeout: 6s}
      sales: {type: queue, queue: sales, intent: buy}
      more: {type: menu, prompt: welcome, title: "Which product?", options: {"3": support}, retries: 1, timeout: 6s}
      support: {type: queue, queue: support, intent: help}
`

// TestIVRMenuWithRFC4733Digits walks a two-level phone menu with RFC 4733
// telephone-events sent by sipp (2, then 3) into the support queue; the
// agent's phone receives the call showing the queue, with the caller's
// intent and path through the menu in X-Switchboard headers (the sipp
// agent's scenario checks them), and the funnel report counts the walk.
func TestIVRMenuWithRFC4733Digits(t *testing.T) {
	peertest.Binary(t, "sipp")
	if _, err := os.Stat("/usr/share/sip-tester/dtmf_2833_2.pcap"); err != nil {
		peertest.Missing(t, "sipp's DTMF pcaps (Debian sip-tester)")
	}
	data := t.TempDir()
	importConfig(t, data, ivrYAML)
	srv := startServer(t, nil, binPath, data)
	dir := t.TempDir()
	users := filepath.Join(dir, "users.csv")
	os.WriteFile(users, []byte("SEQUENTIAL\n1001;[authentication username=1001 password=caller-pass1]\n"), 0o644)

	agentPort := freeUDPPort(t)
	agent := sippRun(t, dir, "uas_answer_ivr.xml", "-i", "127.0.0.1", "-p", fmt.Sprint(agentPort),
		"-mi", "127.0.0.1", "-mp", fmt.Sprint(freeUDPPort(t)), "-m", "1")
	if err := sippRegisterContact(t, srv.sipPort, "2001", "agent-pass1", "127.0.0.1", freeUDPPort(t), agentPort); err != nil {
		t.Fatalf("registering 2001:\n%s", srv.output())
	}
	mustCLI(t, "--data", data, "agent", "login", "ann")
	caller := sippRun(t, dir, "uac_ivr.xml", "-i", "127.0.0.1", "-p", fmt.Sprint(freeUDPPort(t)),
		"-mi", "127.0.0.1", "-mp", fmt.Sprint(freeUDPPort(t)), "-m", "1", "-d", "3000",
		fmt.Sprintf("127.0.0.1:%d", srv.sipPort), "-s", "800", "-inf", users)
	if err := caller(); err != nil {
		t.Fatalf("caller: %v\nserver:\n%s", err, srv.output())
	}
	if err := agent(); err != nil {
		t.Fatalf("agent's phone (checks queue, intent and path): %v\nserver:\n%s", err, srv.output())
	}
	report := mustCLI(t, "--data", data, "report", "funnel", "main")
	t.Logf("funnel:\n%s", report)
	for _, node := range []string{"welcome", "more", "support"} {
		if !strings.Contains(report, node) {
			t.Errorf("funnel report does not show node %s:\n%s", node, report)
		}
	}
}
