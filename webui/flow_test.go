package webui

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

// A flow whose menu names a node that does not exist is reported at the
// option's line by the live validation of the YAML editor.
func TestFlowErrorNamedAtItsLine(t *testing.T) {
	f := newFixture(t, Config{})
	admin := f.login(t, "admin1", auth.RoleAdmin)
	flow := `flows:
  - name: main
    number: "600"
    start: welcome
    nodes:
      welcome: {type: menu, prompt: welcome, title: "How can we help?", options: {"1": sales, "2": nowhere}}
      sales: {type: hangup}
`
	w := f.do(t, admin, "POST", "/api/v1/config/validate", "application/yaml", flow, true)
	var v validation
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil || v.OK || len(v.Errors) == 0 {
		t.Fatalf("validate: %d %s", w.Code, w.Body)
	}
	if v.Errors[0].Line != 6 || !strings.HasPrefix(v.Errors[0].Path, "flows[0]") {
		t.Fatalf("flow error not at its line: %+v", v.Errors)
	}
}

func TestFlowTreePage(t *testing.T) {
	f := newFixture(t, Config{})
	admin := f.login(t, "admin1", auth.RoleAdmin)
	flow := `flows:
  - name: main
    number: "600"
    start: welcome
    nodes:
      welcome: {type: menu, prompt: welcome, title: "<b>How</b> can we help?", options: {"1": sales, "2": closed}}
      sales: {type: queue, queue: sales, intent: buy}
      closed: {type: play, prompt: closed, next: welcome}
`
	if w := f.do(t, admin, "PUT", "/api/v1/config", "application/yaml", flow, true); w.Code != 204 {
		t.Fatalf("import: %d %s", w.Code, w.Body)
	}
	body := f.do(t, admin, "GET", "/admin/flows", "", "", false).Body.String()
	for _, want := range []string{"press 1", "press 2", "queue sales", "shown above", "&lt;b&gt;How&lt;/b&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("flow tree lacks %q", want)
		}
	}
	if strings.Contains(body, "<b>How</b>") {
		t.Error("flow title rendered as HTML")
	}
	if i, j := strings.Index(body, "press 1"), strings.Index(body, "press 2"); i > j {
		t.Error("options out of order")
	}
}

func TestFunnelReport(t *testing.T) {
	f := newFixture(t, Config{})
	admin := f.login(t, "admin1", auth.RoleAdmin)
	agent := f.login(t, "agent1", auth.RoleAgent)
	flow := "flows:\n  - name: main\n    start: welcome\n    nodes:\n      welcome: {type: menu, prompt: welcome, title: Hi, options: {\"1\": sales}}\n      sales: {type: queue, queue: sales}\n"
	if w := f.do(t, admin, "PUT", "/api/v1/config", "application/yaml", flow, true); w.Code != 204 {
		t.Fatalf("import: %d %s", w.Code, w.Body)
	}
	ctx := t.Context()
	for i, e := range []store.FunnelEvent{
		{Flow: "main", Node: "welcome", Face: "voice", Step: "enter", Session: "a"},
		{Flow: "main", Node: "welcome", Face: "voice", Step: "enter", Session: "b"},
		{Flow: "main", Node: "welcome", Face: "voice", Step: "choice", Choice: "1", Session: "a"},
		{Flow: "main", Node: "welcome", Face: "web", Step: "leave", Session: "c"},
	} {
		if err := f.st.AddFunnelEvent(ctx, e); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	if w := f.do(t, agent, "GET", "/reports/funnel", "", "", false); w.Code != 403 {
		t.Fatalf("agent on funnel: %d", w.Code)
	}
	w := f.do(t, admin, "GET", "/api/v1/funnel", "", "", false)
	var fs []flowFunnel
	if err := json.Unmarshal(w.Body.Bytes(), &fs); err != nil || len(fs) != 1 || len(fs[0].Rows) != 3 {
		t.Fatalf("funnel: %s", w.Body)
	}
	var enter int
	for _, r := range fs[0].Rows {
		if r.Face == "voice" && r.Step == "enter" {
			enter = r.Count
		}
	}
	if enter != 2 {
		t.Fatalf("voice entries %d, want 2: %+v", enter, fs[0].Rows)
	}
	page := f.do(t, admin, "GET", "/reports/funnel", "", "", false)
	if page.Code != 200 || !strings.Contains(page.Body.String(), `data-funnel="main"`) {
		t.Fatalf("funnel page: %d", page.Code)
	}
}
