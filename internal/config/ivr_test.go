package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/store"
)

const ivrYAML = `calendars:
  - {name: office, timezone: Europe/Paris, hours: {mon-fri: "09:00-18:00"}, holidays: ["2026-12-25"]}
flows:
  - name: main
    number: "600"
    start: welcome
    nodes:
      welcome: {type: menu, prompt: welcome, title: "How can we help?", options: {"1": sales, "2": support}, retries: 2, timeout: 4s}
      sales: {type: queue, queue: sales, intent: buy}
      support: {type: hours, calendar: office, open: to-support, closed: closed}
      to-support: {type: queue, queue: support}
      closed: {type: play, prompt: closed, next: bye}
      bye: {type: hangup}
`

func TestIVRSectionsRoundTrip(t *testing.T) {
	f, err := Parse([]byte(ivrYAML))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenFile(t.Context(), filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := Apply(t.Context(), st, f); err != nil {
		t.Fatal(err)
	}
	flows, err := ExportFlows(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	if len(flows) != 1 || flows[0].Nodes["welcome"].Options["2"] != "support" || flows[0].Nodes["welcome"].Timeout.Std().Seconds() != 4 {
		t.Fatalf("flows = %+v", flows)
	}
	cals, err := ExportCalendars(t.Context(), st)
	if err != nil || len(cals) != 1 || cals[0].Hours["mon-fri"] != "09:00-18:00" {
		t.Fatalf("calendars = %+v, %v", cals, err)
	}
}

func TestIVRErrorsNameFlowNodeAndLine(t *testing.T) {
	for _, tc := range []struct {
		name, from, to string
		want           string
	}{
		{"unknown option target", `"2": support}`, `"2": suport}`, `flows[0].nodes.welcome.options.2 (line 8): flow main node welcome: refers to unknown node "suport"`},
		{"unknown type", `{type: hangup}`, `{type: hang-up}`, `flows[0].nodes.bye.type (line 13): flow main node bye: unknown node type "hang-up"`},
		{"unreachable at import", `      bye: {type: hangup}`, "      bye: {type: hangup}\n      orphan: {type: hangup}", `flows[0].nodes.orphan (line 14): flow main node orphan: unreachable from start node "welcome"`},
		{"no-input loop at import", `next: bye}`, `next: support}`, `flows[0].nodes.closed (line 12): flow main node closed: loop with no input from the caller on the voice face`},
		{"missing prompt at import", `prompt: closed, `, ``, `flows[0].nodes.closed.prompt (line 12): flow main node closed: a play node needs prompt`},
		{"chat without voice fallback at import", `{type: queue, queue: sales, intent: buy}`, `{type: chat, queue: sales}`, `flows[0].nodes.sales.fallback (line 9): flow main node sales: chat node is reachable from the voice face`},
		{"unknown calendar", `calendar: office`, `calendar: shop`, `flows[0].nodes.support.calendar (line 10): flow main node support: unknown calendar "shop"`},
		{"unknown start", `start: welcome`, `start: hello`, `flows[0].start (line 6): flow main: start node "hello" does not exist`},
		{"bad zone", `Europe/Paris`, `Europe/Lutece`, `calendars[0].timezone (line 2): unknown time zone`},
		{"bad hours", `"09:00-18:00"`, `"9-6"`, `calendars[0].hours.mon-fri (line 2): "9-6" is not HH:MM-HH:MM`},
		{"bad days", `mon-fri:`, `monday-friday:`, `calendars[0].hours.monday-friday (line 2): "monday-friday" is not a day`},
		{"unknown field", `retries: 2`, `retry: 2`, `flows[0].nodes.welcome.retry (line 8): unknown field`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(strings.Replace(ivrYAML, tc.from, tc.to, 1)))
			var el ErrorList
			if !errors.As(err, &el) {
				t.Fatalf("Parse = %v, want an ErrorList", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("errors:\n%v\nwant %q", err, tc.want)
			}
		})
	}
}

func TestLineOf(t *testing.T) {
	if got := LineOf([]byte(ivrYAML), "flows[0].nodes.closed"); got != 12 {
		t.Errorf("LineOf = %d, want 12", got)
	}
}

// FuzzParseIVR mutates a file with calendars and flows: Parse returns a
// file whose flows pass CheckFlow, or errors each at a line inside the
// file.
func FuzzParseIVR(f *testing.F) {
	f.Add(ivrYAML)
	f.Add(strings.Replace(ivrYAML, "next: bye}", "next: support}", 1))
	f.Add("flows:\n  - {name: x, start: a, nodes: {a: {type: menu, options: {\"1\": a}}}}\n")
	f.Fuzz(func(t *testing.T, doc string) {
		file, err := Parse([]byte(doc))
		if err != nil {
			var el ErrorList
			if !errors.As(err, &el) {
				return // YAML that does not parse at all
			}
			lines := strings.Count(doc, "\n") + 1
			for _, e := range el {
				if e.Line < 0 || e.Line > lines {
					t.Fatalf("error with a line outside the file: %+v", e)
				}
			}
			return
		}
		for _, fl := range file.Flows {
			if ps := CheckFlow(fl); len(ps) > 0 {
				t.Fatalf("accepted flow %s has problems %+v", fl.Name, ps)
			}
		}
	})
}
