package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd/stats"
	"github.com/switchboard-cc/switchboard/internal/peertest"
	"github.com/switchboard-cc/switchboard/internal/store"
)

const queueYAML = `
extensions:
  - {number: "1001", password: caller-pass1}
  - {number: "2001", password: agent-pass1}
  - {number: "2002", password: agent-pass1}
  - {number: "2003", password: agent-pass1}
  - {number: "2004", password: agent-pass1}
  - {number: "2005", password: agent-pass1}
agents:
  - {name: ann, extension: "2001"}
  - {name: ben, extension: "2002"}
  - {name: cat, extension: "2003"}
  - {name: deb, extension: "2004"}
  - {name: eve, extension: "2005"}
queues:
  - name: support
    members: [ann, ben, cat, deb, eve]
    penalties: {ann: 1, ben: 1, cat: 1, eve: 1}
    ring_timeout: 3s
    wrap_up: 0s
    record: true
  - name: nobody
    members: [deb]
flows:
  - name: to-support
    number: "700"
    start: q
    nodes:
      q: {type: queue, queue: support}
  - name: to-nobody
    number: "701"
    start: q
    nodes:
      q: {type: queue, queue: nobody}
`

// acdEvents reads the distributor's event log of data's store, waiting up
// to 10 s for at least n events.
func acdEvents(t *testing.T, data string, n int) []stats.Event {
	t.Helper()
	st, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs, err := st.ACDEvents(context.Background(), time.Time{}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) >= n || time.Now().After(deadline) {
			out := make([]stats.Event, 0, len(evs))
			for _, e := range evs {
				out = append(out, stats.Event{Seq: e.Seq, At: e.At, Kind: stats.Kind(e.Kind), Item: e.Item, Channel: e.Channel,
					Queue: e.Queue, Agent: e.Agent, Target: e.Target})
			}
			return out
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestQueueCallsReachAgentsPhones runs callers (sipp) through an IVR flow
// into a queue of five agents (sipp phones registered as their extensions,
// logged in one after the other with the *45 feature code): one agent's
// phone never answers and is skipped and set away, every call is answered
// exactly once by the others, in longest-idle order (three calls at once
// go to the three agents idle longest; then calls one at a time go round
// the four answering agents, the same order each round), a caller who
// hangs up in a queue nobody staffs is an abandon, and the event log, its
// invariants and the CDRs agree.
func TestQueueCallsReachAgentsPhones(t *testing.T) {
	peertest.Binary(t, "sipp")
	data := t.TempDir()
	importConfig(t, data, queueYAML)
	srv := startServer(t, nil, binPath, data)
	dir := t.TempDir()
	users := filepath.Join(dir, "users.csv")
	var agents strings.Builder
	agents.WriteString("SEQUENTIAL\n")
	for _, ext := range []string{"2001", "2002", "2003", "2004", "2005"} {
		fmt.Fprintf(&agents, "%s;[authentication username=%s password=agent-pass1]\n", ext, ext)
	}
	os.WriteFile(filepath.Join(dir, "agents.csv"), []byte(agents.String()), 0o644)
	os.WriteFile(users, []byte("SEQUENTIAL\n1001;[authentication username=1001 password=caller-pass1]\n"), 0o644)
	sippArgs := func(extra ...string) []string {
		return append([]string{"-i", "127.0.0.1", "-p", fmt.Sprint(freeUDPPort(t)), "-mi", "127.0.0.1", "-mp", fmt.Sprint(freeUDPPort(t))}, extra...)
	}

	// The agents' phones: ann, ben and cat answer three calls each, eve
	// two; deb's rings until cancelled.
	var phones []func() error
	for _, p := range []struct {
		ext, scenario string
		calls         int
	}{{"2001", "uas_answer.xml", 3}, {"2002", "uas_answer.xml", 3}, {"2003", "uas_answer.xml", 3}, {"2004", "uas_ring.xml", 1}, {"2005", "uas_answer.xml", 2}} {
		port := freeUDPPort(t)
		phones = append(phones, peertest.Sipp(t, dir, filepath.Join("testdata", p.scenario), "-timeout", "90", "-i", "127.0.0.1", "-p", fmt.Sprint(port),
			"-mi", "127.0.0.1", "-mp", fmt.Sprint(freeUDPPort(t)), "-m", fmt.Sprint(p.calls)))
		if err := sippRegisterContact(t, srv.sipPort, p.ext, "agent-pass1", "127.0.0.1", freeUDPPort(t), port); err != nil {
			t.Fatalf("registering %s:\n%s", p.ext, srv.output())
		}
	}
	// Each agent logs in from the phone: *45.
	login := sippRun(t, dir, "uac_feature.xml", append(sippArgs("-m", "5", "-l", "1"),
		fmt.Sprintf("127.0.0.1:%d", srv.sipPort), "-s", "*45", "-inf", filepath.Join(dir, "agents.csv"))...)
	if err := login(); err != nil {
		t.Fatalf("feature code *45: %v\nserver:\n%s", err, srv.output())
	}

	// Three callers at once into the flow that queues them: deb (penalty
	// 0) is offered the first and never answers; ann, ben and cat, who
	// logged in before eve, are idle longer and take the three calls.
	callers := sippRun(t, dir, "uac_queue.xml", append(sippArgs("-m", "3", "-l", "3", "-d", "6000"),
		fmt.Sprintf("127.0.0.1:%d", srv.sipPort), "-s", "700", "-inf", users)...)
	if err := callers(); err != nil {
		t.Fatalf("callers: %v\nserver:\n%s", err, srv.output())
	}
	oneByOneFrom := time.Now()
	// Then eight calls one after the other: two rounds of the four
	// answering agents, eve (idle since her login) first.
	oneByOne := sippRun(t, dir, "uac_queue.xml", append(sippArgs("-m", "8", "-l", "1", "-d", "500"),
		fmt.Sprintf("127.0.0.1:%d", srv.sipPort), "-s", "700", "-inf", users)...)
	if err := oneByOne(); err != nil {
		t.Fatalf("callers one by one: %v\nserver:\n%s", err, srv.output())
	}
	for i, wait := range phones {
		if err := wait(); err != nil {
			t.Fatalf("agent phone %d: %v\nserver:\n%s", i+1, err, srv.output())
		}
	}
	// A caller into a queue whose only member is away hangs up after 2 s.
	abandon := sippRun(t, dir, "uac_queue.xml", append(sippArgs("-m", "1", "-d", "2000"),
		fmt.Sprintf("127.0.0.1:%d", srv.sipPort), "-s", "701", "-inf", users)...)
	if err := abandon(); err != nil {
		t.Fatalf("abandoning caller: %v\nserver:\n%s", err, srv.output())
	}

	evs := acdEvents(t, data, 48)
	if err := stats.Check(evs); err != nil {
		t.Errorf("event log: %v", err)
	}
	count := map[stats.Kind][]string{}
	var rounds []string
	for _, e := range evs {
		count[e.Kind] = append(count[e.Kind], e.Agent)
		if e.Kind == stats.Accepted && !e.At.Before(oneByOneFrom) {
			rounds = append(rounds, e.Agent)
		}
	}
	if first := slices.Sorted(slices.Values(count[stats.Accepted][:min(3, len(count[stats.Accepted]))])); !slices.Equal(first, []string{"ann", "ben", "cat"}) {
		t.Errorf("three calls at once answered by %q, want ann, ben and cat (idle longer than eve)", first)
	}
	if len(rounds) != 8 || rounds[0] != "eve" || len(slices.Compact(slices.Sorted(slices.Values(rounds[:4])))) != 4 || !slices.Equal(rounds[:4], rounds[4:]) {
		t.Errorf("calls one by one answered by %q, want two identical rounds of the four answering agents, eve first", rounds)
	}
	if got := count[stats.NoAnswer]; !slices.Equal(got, []string{"deb"}) {
		t.Errorf("ring no answer: %q, want deb once", got)
	}
	if n := len(count[stats.Entered]); n != 12 {
		t.Errorf("entered %d, want 12", n)
	}
	if n := len(count[stats.Completed]); n != 11 {
		t.Errorf("completed %d, want 11", n)
	}
	if n := len(count[stats.Abandoned]); n != 1 {
		t.Errorf("abandoned %d, want 1", n)
	}
	rep := stats.Compute(evs, stats.Options{})
	t.Logf("report: %+v", rep)

	recs := closedCDRs(t, data, 17)
	var callees []string
	for _, r := range recs {
		if r["caller"] != "1001" {
			continue
		}
		callees = append(callees, r["callee"])
		if want := map[bool]string{true: "nobody", false: "support"}[r["callee"] == "701"]; r["queue"] != want {
			t.Errorf("CDR %s (callee %s) names queue %q, want %q", r["id"], r["callee"], r["queue"], want)
		}
	}
	slices.Sort(callees)
	if want := []string{"2001", "2001", "2001", "2002", "2002", "2002", "2003", "2003", "2003", "2005", "2005", "701"}; !slices.Equal(callees, want) {
		t.Errorf("callers' CDRs name callees %q, want %q", callees, want)
	}
	// The queue records its calls: a stereo WAV per answered call, named in
	// the CDR, holding the conversation's length.
	recorded := 0
	for _, r := range recs {
		if r["recording"] == "" {
			continue
		}
		recorded++
		wav, err := os.ReadFile(filepath.Join(data, "recordings", r["recording"]))
		if err != nil {
			t.Fatalf("recording of CDR %s: %v", r["id"], err)
		}
		channels := int(wav[22]) | int(wav[23])<<8
		seconds := float64(len(wav)-44) / (8000 * 2 * 2)
		if string(wav[:4]) != "RIFF" || channels != 2 || seconds < 0.4 { // the agent talks for 0.5 s at least
			t.Errorf("recording %s: %d channels, %.1f s", r["recording"], channels, seconds)
		}
	}
	if recorded != 11 {
		t.Errorf("%d recordings, want one per answered queue call (11)", recorded)
	}
}
