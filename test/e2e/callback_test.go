package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/switchboard-cc/switchboard/acd/stats"
	"github.com/switchboard-cc/switchboard/internal/peertest"
	"github.com/switchboard-cc/switchboard/internal/store"
)

const callbackYAML = `
extensions:
  - {number: "1001", password: caller-pass1}
  - {number: "1002", password: caller-pass1, record: true}
  - {number: "2001", password: agent-pass1}
agents:
  - {name: ann, extension: "2001"}
queues:
  - name: support
    members: [ann]
    wrap_up: 0s
flows:
  - name: to-support
    number: "700"
    start: q
    nodes:
      q: {type: queue, queue: support}
`

// TestCallbackSurvivesKillAndIsPlaced queues two callers while no agent is
// logged in; each presses 1 (SIP INFO) and is hung up with a callback
// request keeping their place. The server is killed with SIGKILL and
// restarted: the requests are still queued, in order. When the agent logs
// in, the appliance rings the agent's phone, then calls each customer back
// and bridges them, first come first served.
func TestCallbackSurvivesKillAndIsPlaced(t *testing.T) {
	peertest.Binary(t, "sipp")
	data := t.TempDir()
	importConfig(t, data, callbackYAML)
	srv := startServer(t, nil, binPath, data)
	dir := t.TempDir()
	for _, n := range []string{"1001", "1002"} {
		os.WriteFile(filepath.Join(dir, n+".csv"), []byte(fmt.Sprintf("SEQUENTIAL\n%s;[authentication username=%s password=caller-pass1]\n", n, n)), 0o644)
	}
	local := func(extra ...string) []string {
		return append([]string{"-i", "127.0.0.1", "-p", fmt.Sprint(freeUDPPort(t)), "-mi", "127.0.0.1", "-mp", fmt.Sprint(freeUDPPort(t))}, extra...)
	}
	for _, n := range []string{"1001", "1002"} {
		caller := sippRun(t, dir, "uac_callback.xml", append(local("-m", "1"),
			fmt.Sprintf("127.0.0.1:%d", srv.sipPort), "-s", "700", "-inf", filepath.Join(dir, n+".csv"))...)
		if err := caller(); err != nil {
			t.Fatalf("caller %s asking for a callback: %v\nserver:\n%s", n, err, srv.output())
		}
	}
	evs := acdEvents(t, data, 6)
	var transferred int
	for _, e := range evs {
		if e.Kind == stats.Transferred && e.Target == "callback" {
			transferred++
		}
	}
	if transferred != 2 {
		t.Fatalf("%d calls turned into callbacks, want 2: %+v\nserver:\n%s", transferred, evs, srv.output())
	}

	// kill -9, then a new server on the same data.
	srv.cmd.Process.Kill()
	<-srv.done
	srv = startServer(t, nil, binPath, data)
	st, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	waiting, err := st.ACDItems(context.Background())
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(waiting) != 2 || waiting[0].Context["number"] != "1001" || waiting[1].Context["number"] != "1002" ||
		waiting[0].Channel != "callback" || waiting[0].State != "waiting" {
		t.Fatalf("after kill -9 and restart the stored items are %+v, want the callbacks of 1001 then 1002, waiting", waiting)
	}
	t.Logf("queue status after restart:\n%s", mustCLI(t, "--data", data, "queue", "status"))

	// The phones: the agent answers twice and waits for the appliance's
	// BYE; each customer answers and hangs up after 2 s.
	agentPort, p1, p2 := freeUDPPort(t), freeUDPPort(t), freeUDPPort(t)
	agent := sippRun(t, dir, "uas_answer.xml", "-i", "127.0.0.1", "-p", fmt.Sprint(agentPort), "-mi", "127.0.0.1", "-mp", fmt.Sprint(freeUDPPort(t)), "-m", "2")
	c1 := sippRun(t, dir, "uas_answer_bye.xml", "-i", "127.0.0.1", "-p", fmt.Sprint(p1), "-mi", "127.0.0.1", "-mp", fmt.Sprint(freeUDPPort(t)), "-m", "1")
	c2 := sippRun(t, dir, "uas_answer_bye.xml", "-i", "127.0.0.1", "-p", fmt.Sprint(p2), "-mi", "127.0.0.1", "-mp", fmt.Sprint(freeUDPPort(t)), "-m", "1")
	for _, r := range []struct {
		ext, pass string
		port      int
	}{{"2001", "agent-pass1", agentPort}, {"1001", "caller-pass1", p1}, {"1002", "caller-pass1", p2}} {
		if err := sippRegisterContact(t, srv.sipPort, r.ext, r.pass, "127.0.0.1", freeUDPPort(t), r.port); err != nil {
			t.Fatalf("registering %s:\n%s", r.ext, srv.output())
		}
	}
	mustCLI(t, "--data", data, "agent", "login", "ann")
	for i, wait := range []func() error{c1, c2, agent} {
		if err := wait(); err != nil {
			t.Fatalf("phone %d: %v\nserver:\n%s", i, err, srv.output())
		}
	}
	evs = acdEvents(t, data, 14)
	completed := 0
	for _, e := range evs {
		if e.Kind == stats.Completed && e.Channel == "callback" {
			completed++
		}
	}
	if completed != 2 {
		t.Fatalf("%d callbacks completed, want 2: %+v\nserver:\n%s", completed, evs, srv.output())
	}
	if err := stats.Check(evs); err != nil {
		t.Errorf("event log across the restart: %v", err)
	}
	recs := closedCDRs(t, data, len(cdrs(t, data)))
	var placed []string
	for _, r := range recs {
		if r["caller"] == "2001" && r["disposition"] == "answered" {
			placed = append([]string{r["callee"]}, placed...)
			// 1002 is a recorded extension, 1001 is not.
			if (r["recording"] != "") != (r["callee"] == "1002") {
				t.Errorf("callback to %s: recording %q", r["callee"], r["recording"])
			} else if r["recording"] != "" {
				wav, err := os.ReadFile(filepath.Join(data, "recordings", r["recording"]))
				if err != nil {
					t.Fatalf("recording of the callback: %v", err)
				}
				stereo(t, wav)
			}
		}
	}
	if len(placed) != 2 || placed[0] != "1001" || placed[1] != "1002" {
		t.Errorf("callbacks placed to %q, want 1001 then 1002", placed)
	}
}
