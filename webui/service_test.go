package webui

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd/stats"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

// TestServiceReport computes the supervisor's service report from a stored
// event log: per queue, per agent and per quarter hour, in the appliance's
// time zone, as JSON and as a page with its chart.
func TestServiceReport(t *testing.T) {
	f := newFixture(t, Config{})
	admin := f.login(t, "admin1", auth.RoleAdmin)
	agent := f.login(t, "agent1", auth.RoleAgent)
	yaml := "settings: {timezone: Europe/Paris}\nagents:\n  - {name: ann}\nqueues:\n  - {name: support, members: [ann], service_level: 10s}\n  - {name: sales, members: [ann]}\n"
	if w := f.do(t, admin, "PUT", "/api/v1/config", "application/yaml", yaml, true); w.Code != http.StatusNoContent {
		t.Fatalf("import: %d %s", w.Code, w.Body)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	nine := time.Date(2026, 11, 20, 9, 0, 0, 0, paris)
	at := func(d time.Duration) time.Time { return nine.Add(d) }
	evs := []store.ACDEvent{
		// c1 answered in 5 s (within support's 10 s), handled 2 min.
		{At: at(0), Kind: "entered", Item: "c1", Channel: "voice", Queue: "support"},
		{At: at(time.Second), Kind: "offered", Item: "c1", Channel: "voice", Queue: "support", Agent: "ann"},
		{At: at(5 * time.Second), Kind: "accepted", Item: "c1", Channel: "voice", Queue: "support", Agent: "ann"},
		{At: at(125 * time.Second), Kind: "completed", Item: "c1", Channel: "voice", Queue: "support", Agent: "ann"},
		// c2 answered in 30 s (late), at 09:20.
		{At: at(20 * time.Minute), Kind: "entered", Item: "c2", Channel: "voice", Queue: "support"},
		{At: at(20*time.Minute + 29*time.Second), Kind: "offered", Item: "c2", Channel: "voice", Queue: "support", Agent: "ann"},
		{At: at(20*time.Minute + 30*time.Second), Kind: "accepted", Item: "c2", Channel: "voice", Queue: "support", Agent: "ann"},
		{At: at(21*time.Minute + 30*time.Second), Kind: "completed", Item: "c2", Channel: "voice", Queue: "support", Agent: "ann"},
		// c3 abandons after 60 s, c4 after 2 s (short).
		{At: at(22 * time.Minute), Kind: "entered", Item: "c3", Channel: "voice", Queue: "support"},
		{At: at(23 * time.Minute), Kind: "abandoned", Item: "c3", Channel: "voice", Queue: "support"},
		{At: at(24 * time.Minute), Kind: "entered", Item: "c4", Channel: "voice", Queue: "support"},
		{At: at(24*time.Minute + 2*time.Second), Kind: "abandoned", Item: "c4", Channel: "voice", Queue: "support"},
		// The next day: outside a one-day range.
		{At: at(24 * time.Hour), Kind: "entered", Item: "d1", Channel: "chat", Queue: "sales"},
	}
	if _, err := f.st.AppendACDEvents(t.Context(), evs); err != nil {
		t.Fatal(err)
	}
	if w := f.do(t, agent, "GET", "/api/v1/reports/service", "", "", false); w.Code != http.StatusForbidden {
		t.Fatalf("agent on the API: %d", w.Code)
	}
	if w := f.do(t, agent, "GET", "/reports/service", "", "", false); w.Code != http.StatusForbidden {
		t.Fatalf("agent on the page: %d", w.Code)
	}

	w := f.do(t, admin, "GET", "/api/v1/reports/service?from=2026-11-20", "", "", false)
	var rep serviceReport
	if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil || w.Code != http.StatusOK {
		t.Fatalf("report: %d %s", w.Code, w.Body)
	}
	if rep.To != "2026-11-20" || rep.Timezone != "Europe/Paris" || len(rep.Queues) != 1 {
		t.Fatalf("report range or queues: %+v", rep)
	}
	q := rep.Queues[0]
	if q.Queue != "support" || q.Entered != 4 || q.Answered != 2 || q.AnsweredInTarget != 1 || q.Abandoned != 1 || q.ShortAbandoned != 1 {
		t.Fatalf("support: %+v", q)
	}
	if q.ServiceLevel != 1.0/3 || q.ASA != 17500*time.Millisecond || q.AHT != 90*time.Second {
		t.Fatalf("support rates: SL %v ASA %v AHT %v", q.ServiceLevel, q.ASA, q.AHT)
	}
	if len(rep.Agents) != 1 || rep.Agents[0].Agent != "ann" || rep.Agents[0].Answered != 2 || rep.Agents[0].Handled != 2 {
		t.Fatalf("agents: %+v", rep.Agents)
	}
	var starts []string
	for _, iv := range rep.Intervals {
		starts = append(starts, iv.Start.In(paris).Format("15:04"))
	}
	if strings.Join(starts, " ") != "09:00 09:15" || rep.Intervals[1].Entered != 3 {
		t.Fatalf("intervals %v: %+v", starts, rep.Intervals)
	}

	two := f.do(t, admin, "GET", "/api/v1/reports/service?from=2026-11-20&to=2026-11-21&queue=sales", "", "", false)
	var both serviceReport
	if err := json.Unmarshal(two.Body.Bytes(), &both); err != nil || len(both.Queues) != 2 || len(both.Intervals) != 1 || both.Intervals[0].Queue != "sales" {
		t.Fatalf("two days, sales intervals: %s", two.Body)
	}

	for _, bad := range []string{"from=yesterday", "from=2026-11-20&to=2026-11-19", "from=2026-01-01&to=2026-12-31"} {
		t.Run(bad, func(t *testing.T) {
			w := f.do(t, admin, "GET", "/api/v1/reports/service?"+bad, "", "", false)
			var e apiError
			if json.Unmarshal(w.Body.Bytes(), &e); w.Code != http.StatusBadRequest || !(strings.HasPrefix(e.Error, "from:") || strings.HasPrefix(e.Error, "to:")) {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
		})
	}

	page := f.do(t, admin, "GET", "/reports/service?from=2026-11-20", "", "", false)
	body := page.Body.String()
	for _, want := range []string{`id="service-chart"`, `<tr data-queue="support">`, `data-f="service_level">33%`, `<tr data-agent="ann">`, "2026-11-20 09:15", "<polyline"} {
		if !strings.Contains(body, want) {
			t.Errorf("service page lacks %q", want)
		}
	}
	if page.Code != http.StatusOK || t.Failed() {
		t.Fatalf("service page: %d\n%s", page.Code, body)
	}
}

// TestDayChart folds intervals of several days onto one day's quarter
// hours: volumes add up, the service level is recomputed from the counts.
func TestDayChart(t *testing.T) {
	loc := time.UTC
	day := time.Date(2026, 11, 20, 9, 15, 0, 0, loc)
	c := newDayChart([]stats.IntervalStats{
		{Queue: "a", Start: day, Stats: stats.Stats{Entered: 4, Answered: 3, AnsweredInTarget: 3, Abandoned: 1}},
		{Queue: "a", Start: day.AddDate(0, 0, 1), Stats: stats.Stats{Entered: 4, Answered: 4, AnsweredInTarget: 1}},
		{Queue: "b", Start: day.Add(time.Hour), Stats: stats.Stats{Entered: 2, Abandoned: 0}},
	}, loc)
	if c.Empty || c.MaxCount != 8 || len(c.Bars) != 2 || len(c.Dots) != 1 {
		t.Fatalf("chart: %+v", c)
	}
	if b := c.Bars[0]; b.X != chartLeft+37*chartColumn || b.H != chartHeight || b.Title != "09:15: 8 entered" {
		t.Fatalf("first bar %+v", b)
	}
	if d := c.Dots[0]; d.Title != "09:15: service level 50%" || d.Y != c.Bottom-chartHeight/2 {
		t.Fatalf("dot %+v", d)
	}
	if empty := newDayChart(nil, loc); !empty.Empty || empty.Line != "" {
		t.Fatalf("empty chart %+v", empty)
	}
}
