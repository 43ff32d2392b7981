package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/ivr"
)

const flowYAML = `calendars:
  - {name: office, timezone: Europe/Paris, hours: {mon-fri: "09:00-18:00"}}
flows:
  - name: main
    number: "600"
    start: welcome
    nodes:
      welcome: {type: menu, prompt: welcome, title: "How can we help?", options: {"1": sales, "2": support}, invalid: bye}
      sales: {type: queue, queue: sales}
      support: {type: hours, calendar: office, open: to-support, closed: closed}
      to-support: {type: queue, queue: support}
      closed: {type: play, prompt: closed, next: bye}
      bye: {type: hangup}
`

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(t.Context())
	return out.String(), err
}

func TestFlowValidate(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, from, to string
		want           string
	}{
		{"valid", "", "", "valid"},
		{"unreachable", `      bye: {type: hangup}`, "      bye: {type: hangup}\n      orphan: {type: hangup}", "flows[0].nodes.orphan (line 14): flow main node orphan: unreachable"},
		{"missing prompt", `{type: play, prompt: closed, next: bye}`, `{type: play, next: bye}`, "flows[0].nodes.closed.prompt (line 12): flow main node closed: a play node needs prompt"},
		{"no-input loop", `next: bye}`, `next: support}`, "loop with no input"},
		{"web-only chat", `sales: {type: queue, queue: sales}`, `sales: {type: chat, queue: sales}`, "flows[0].nodes.sales.fallback (line 9): flow main node sales: chat node is reachable from the voice face"},
		{"file error", `calendar: office`, `calendar: shop`, `unknown calendar "shop"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name+".yaml")
			if err := os.WriteFile(p, []byte(strings.Replace(flowYAML, tc.from, tc.to, 1)), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := run(t, "flow", "validate", p)
			if (tc.name == "valid") != (err == nil) {
				t.Fatalf("err = %v, out:\n%s", err, out)
			}
			if msg := out + errString(err); !strings.Contains(msg, tc.want) {
				t.Fatalf("output lacks %q:\n%s", tc.want, msg)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestFlowListShowAndFunnelReport(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.yaml")
	if err := os.WriteFile(p, []byte(flowYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if out, err := run(t, "--data", data, "config", "import", p); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, err := run(t, "--data", data, "flow", "list")
	if err != nil || !strings.Contains(out, "main") || !strings.Contains(out, "600") || !strings.Contains(out, "en (settings)") {
		t.Fatalf("flow list: %v\n%s", err, out)
	}
	out, err = run(t, "--data", data, "flow", "show", "main")
	if err != nil || !strings.Contains(out, "calendar: office") {
		t.Fatalf("flow show: %v\n%s", err, out)
	}
	st, err := store.Open(t.Context(), data)
	if err != nil {
		t.Fatal(err)
	}
	rec := ivr.StoreFunnel{Store: st}
	for _, e := range []ivr.Event{
		{Node: "welcome", Face: ivr.Voice, Step: ivr.Entered},
		{Node: "welcome", Face: ivr.Voice, Step: ivr.Chose, Choice: "2"},
		{Node: "welcome", Face: ivr.Voice, Step: ivr.Entered},
		{Node: "welcome", Face: ivr.Voice, Step: ivr.Left},
		{Node: "support", Face: ivr.Voice, Step: ivr.Entered},
	} {
		e.Flow = "main"
		if err := rec.Record(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	out, err = run(t, "--data", data, "report", "funnel", "main")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := [][]string{{"NODE", "FACE", "ENTERED", "LEFT", "CHOICES"}, {"support", "voice", "1", "0"}, {"welcome", "voice", "2", "1", "2=1"}}
	if len(lines) != len(want) {
		t.Fatalf("report:\n%s", out)
	}
	for i, w := range want {
		if got := strings.Fields(lines[i]); strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("line %d = %q, want %q", i, got, w)
		}
	}
}
