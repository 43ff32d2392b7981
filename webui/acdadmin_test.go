package webui

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

// acdAdminYAML is a whole appliance's configuration: the agent and queue
// edits must validate against every section of it.
const acdAdminYAML = `settings: {timezone: Europe/Paris, country: FR}
extensions:
  - {number: "1001", name: Alice, password: desk-secret-1}
  - {number: "1002", name: Bob, password: desk-secret-2}
agents:
  - {name: alice, extension: "1001", skills: {french: 5}}
queues:
  - {name: support, members: [alice], ring_timeout: 15s, wrap_up: 10s, overflow: {after: 5m, to: "queue:backoffice"}}
  - {name: backoffice, members: [alice]}
calendars:
  - {name: office, timezone: Europe/Paris, hours: {mon-fri: "09:00-18:00"}}
flows:
  - name: main
    number: "600"
    start: welcome
    nodes:
      welcome: {type: menu, prompt: welcome, title: "How can we help?", options: {"1": hours}}
      hours: {type: hours, calendar: office, open: q, closed: bye}
      q: {type: queue, queue: support, intent: help}
      bye: {type: hangup}
chat:
  - {name: website, queue: support, origins: ["https://www.example.com"]}
`

func decodeErrors(t *testing.T, body []byte) []fieldError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %s: %v", body, err)
	}
	return e.Errors
}

func hasPath(fes []fieldError, path string) bool {
	return slices.ContainsFunc(fes, func(fe fieldError) bool { return fe.Path == path })
}

// acdAdminFixture is the panel on a distributor with acdAdminYAML
// imported, and its admin's session.
func acdAdminFixture(t *testing.T) (*fixture, *acd.Distributor, session) {
	t.Helper()
	d := acd.New(acd.Config{Logger: slog.New(slog.DiscardHandler)})
	f := newFixture(t, Config{Live: DistributorLive(d)})
	admin := f.login(t, "admin1", auth.RoleAdmin)
	if w := f.do(t, admin, "PUT", "/api/v1/config", "application/yaml", acdAdminYAML, true); w.Code != http.StatusNoContent {
		t.Fatalf("import: %d %s", w.Code, w.Body)
	}
	return f, d, admin
}

// TestAgentsAndQueuesAPI creates, changes and deletes agents and queues
// through the REST API: every change is validated against the whole
// configuration (errors name the entry's field), applied in one step, and
// picked up by a running distributor within its configuration poll.
func TestAgentsAndQueuesAPI(t *testing.T) {
	f, _, admin := acdAdminFixture(t)
	d2 := acd.New(acd.Config{Store: f.st, Logger: slog.New(slog.DiscardHandler)})
	if err := d2.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	ran := make(chan error, 1)
	go func() { ran <- d2.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-ran; err != nil {
			t.Error(err)
		}
	}()

	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		errPath                  string
	}{
		{"unknown extension", "PUT", "/api/v1/agents/bob", `{"extension":"1999"}`, 422, "extension"},
		{"bad capacity", "PUT", "/api/v1/agents/bob", `{"capacity":-3}`, 422, "capacity"},
		{"bad skill level", "PUT", "/api/v1/agents/bob", `{"skills":{"french":500}}`, 422, "skills.french"},
		{"unknown field", "PUT", "/api/v1/agents/bob", `{"colour":"red"}`, 400, "colour"},
		{"name differs", "PUT", "/api/v1/agents/bob", `{"name":"robert"}`, 422, "name"},
		{"bad name", "PUT", "/api/v1/agents/Bob!", `{}`, 422, "name"},
		{"create bob", "PUT", "/api/v1/agents/bob", `{"extension":"1002","capacity":200,"channels":["voice","chat"]}`, 201, ""},
		{"change bob", "PUT", "/api/v1/agents/bob", `{"extension":"1002","capacity":150}`, 200, ""},
		{"short ring", "PUT", "/api/v1/queues/sales", `{"members":["bob"],"ring_timeout":"1s"}`, 422, "ring_timeout"},
		{"unknown member", "PUT", "/api/v1/queues/sales", `{"members":["zoe"]}`, 422, "members[0]"},
		{"overflow loop", "PUT", "/api/v1/queues/backoffice", `{"overflow":{"after":"1m","to":"queue:support"}}`, 422, "overflow.to"},
		{"bad duration", "PUT", "/api/v1/queues/sales", `{"wrap_up":"soon"}`, 400, "wrap_up"},
		{"create sales", "PUT", "/api/v1/queues/sales", `{"members":["bob","alice"],"ring_timeout":"12s","service_level":"30s","record":true}`, 201, ""},
		{"queue a flow uses", "DELETE", "/api/v1/queues/support", "", 409, "flows[0].nodes.q.queue"},
		{"unknown queue", "DELETE", "/api/v1/queues/nope", "", 404, ""},
		{"unknown agent", "DELETE", "/api/v1/agents/nope", "", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := f.do(t, admin, tc.method, tc.path, "application/json", tc.body, true)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if tc.errPath != "" {
				if fes := decodeErrors(t, w.Body.Bytes()); !hasPath(fes, tc.errPath) {
					t.Fatalf("errors %+v do not name %s", fes, tc.errPath)
				}
			}
		})
	}

	start := time.Now()
	for !slices.Contains(d2.QueueNames(), "sales") {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("the running distributor has queues %v after 5 s", d2.QueueNames())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("the running distributor had the new queue %v after the change", time.Since(start).Round(10*time.Millisecond))

	qs, as, err := config.LoadACD(t.Context(), f.st)
	if err != nil {
		t.Fatal(err)
	}
	bob := as[slices.IndexFunc(as, func(a config.Agent) bool { return a.Name == "bob" })]
	if bob.Capacity != 150 || bob.Extension != "1002" || bob.Channels != nil {
		t.Fatalf("bob replaced as %+v", bob)
	}
	sales := qs[slices.IndexFunc(qs, func(q config.Queue) bool { return q.Name == "sales" })]
	if sales.RingTimeout.Std() != 12*time.Second || sales.ServiceLevel.Std() != 30*time.Second || !sales.Record {
		t.Fatalf("sales stored as %+v", sales)
	}

	w := f.do(t, admin, "GET", "/api/v1/queues", "", "", false)
	var queues []map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &queues); err != nil || len(queues) != 3 {
		t.Fatalf("queues: %s", w.Body)
	}
	if !strings.Contains(w.Body.String(), `"ring_timeout":"12s"`) {
		t.Fatalf("durations not written as in the file: %s", w.Body)
	}

	if w := f.do(t, admin, "DELETE", "/api/v1/agents/bob", "", "", true); w.Code != http.StatusNoContent {
		t.Fatalf("delete bob: %d %s", w.Code, w.Body)
	}
	qs, _, _ = config.LoadACD(t.Context(), f.st)
	for _, q := range qs {
		if slices.Contains(q.Members, "bob") {
			t.Fatalf("bob still a member of %s", q.Name)
		}
	}
	exp, err := config.Export(t.Context(), f.st)
	if err != nil || len(exp.Flows) != 1 || len(exp.Extensions) != 2 || len(exp.Chat) != 1 {
		t.Fatalf("other sections changed: %+v %v", exp, err)
	}
}

// TestAgentAndQueuePages drives the admin forms: the live presence is
// listed, a bad value is named by its field and nothing is saved, an edit
// keeps what the form does not show, and a delete the configuration still
// needs is refused with the reason.
func TestAgentAndQueuePages(t *testing.T) {
	f, d, admin := acdAdminFixture(t)
	qs, as, _ := config.LoadACD(t.Context(), f.st)
	d.SetConfig(qs, as)
	if err := d.SetPresence(t.Context(), "alice", acd.Presence{State: acd.Away, Reason: "lunch"}); err != nil {
		t.Fatal(err)
	}
	post := func(path string, form url.Values) *http.Response {
		t.Helper()
		form.Set("csrf", admin.csrf)
		return f.do(t, admin, "POST", path, "application/x-www-form-urlencoded", form.Encode(), false).Result()
	}
	page := f.do(t, admin, "GET", "/admin/agents", "", "", false).Body.String()
	if !strings.Contains(page, `<tr data-agent="alice">`) || !strings.Contains(page, `badge p-away">away</span> lunch`) {
		t.Fatalf("agents page without alice's presence:\n%s", page)
	}

	res := post("/admin/agents", url.Values{"name": {"bob"}, "extension": {"1002"}, "capacity": {"lots"}, "skills": {"french:3"}})
	body := readAll(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "capacity: want a whole number") {
		t.Fatalf("bad capacity: %d\n%s", res.StatusCode, body)
	}
	res = post("/admin/agents", url.Values{"name": {"bob"}, "extension": {"1002"}, "capacity": {"100"}, "skills": {"french:3, billing:2"}, "channels": {"voice", "chat"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save bob: %d %s", res.StatusCode, readAll(t, res))
	}
	res = post("/admin/queues", url.Values{"name": {"support"}, "strategy": {"ring-all"}, "members": {"alice", "bob"}, "ring_timeout": {"2s"}})
	if body := readAll(t, res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "ring_timeout: must be at least 3s") {
		t.Fatalf("short ring: %d\n%s", res.StatusCode, body)
	}
	res = post("/admin/queues", url.Values{"name": {"support"}, "strategy": {"ring-all"}, "members": {"alice", "bob"}, "ring_timeout": {"10s"}, "wrap_up": {"0s"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save support: %d %s", res.StatusCode, readAll(t, res))
	}
	qs, as, _ = config.LoadACD(t.Context(), f.st)
	support := qs[slices.IndexFunc(qs, func(q config.Queue) bool { return q.Name == "support" })]
	if support.Strategy != "ring-all" || len(support.Members) != 2 || support.Overflow == nil || support.WrapUp == nil || *support.WrapUp != 0 {
		t.Fatalf("support saved as %+v", support)
	}
	bob := as[slices.IndexFunc(as, func(a config.Agent) bool { return a.Name == "bob" })]
	if bob.Skills["billing"] != 2 || len(bob.Channels) != 2 {
		t.Fatalf("bob saved as %+v", bob)
	}
	edit := f.do(t, admin, "GET", "/admin/queues?edit=support", "", "", false).Body.String()
	if !strings.Contains(edit, `value="10s"`) || !strings.Contains(edit, `value="bob" checked`) {
		t.Fatalf("edit form not filled:\n%s", edit)
	}
	res = post("/admin/queues/support/delete", url.Values{})
	if body := readAll(t, res); res.StatusCode != http.StatusConflict || !strings.Contains(body, "flows[0].nodes.q.queue") {
		t.Fatalf("delete a queue in use: %d\n%s", res.StatusCode, body)
	}
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}
