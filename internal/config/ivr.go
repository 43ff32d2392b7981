package config

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// Calendar is one entry of the `calendars:` section: weekly hours by day
// range ("mon-fri": "09:00-18:00", "sat": "09:00-12:00,14:00-17:00"),
// holidays (YYYY-MM-DD) and dated exceptions that replace a day's hours
// (or "closed"), in TimeZone (IANA name; empty means settings.timezone,
// else UTC).
type Calendar struct {
	Name       string            `yaml:"name" json:"name"`
	TimeZone   string            `yaml:"timezone,omitempty" json:"timezone,omitempty"`
	Hours      map[string]string `yaml:"hours,omitempty" json:"hours,omitempty"`
	Holidays   []string          `yaml:"holidays,omitempty" json:"holidays,omitempty"`
	Exceptions map[string]string `yaml:"exceptions,omitempty" json:"exceptions,omitempty"`
}

// Flow is one entry of the `flows:` section: an IVR flow that the phone
// reaches at Number and the web contact page serves at /contact/NAME.
// Phone is the number the contact page shows.
type Flow struct {
	Name   string              `yaml:"name" json:"name"`
	Number string              `yaml:"number,omitempty" json:"number,omitempty"`
	Phone  string              `yaml:"phone,omitempty" json:"phone,omitempty"`
	Start  string              `yaml:"start" json:"start"`
	Nodes  map[string]FlowNode `yaml:"nodes" json:"nodes"`
}

// FlowNode is one node of a flow; which fields apply depends on Type
// (see package ivr).
type FlowNode struct {
	Type       string            `yaml:"type" json:"type"`
	Prompt     string            `yaml:"prompt,omitempty" json:"prompt,omitempty"`
	Title      string            `yaml:"title,omitempty" json:"title,omitempty"`
	Options    map[string]string `yaml:"options,omitempty" json:"options,omitempty"`
	Labels     map[string]string `yaml:"labels,omitempty" json:"labels,omitempty"`
	Retries    int               `yaml:"retries,omitempty" json:"retries,omitempty"`
	Timeout    Duration          `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	Invalid    string            `yaml:"invalid,omitempty" json:"invalid,omitempty"`
	Next       string            `yaml:"next,omitempty" json:"next,omitempty"`
	Min        int               `yaml:"min,omitempty" json:"min,omitempty"`
	Max        int               `yaml:"max,omitempty" json:"max,omitempty"`
	InterDigit Duration          `yaml:"inter_digit,omitempty" json:"inter_digit,omitempty"`
	Terminator string            `yaml:"terminator,omitempty" json:"terminator,omitempty"`
	Var        string            `yaml:"var,omitempty" json:"var,omitempty"`
	Calendar   string            `yaml:"calendar,omitempty" json:"calendar,omitempty"`
	Open       string            `yaml:"open,omitempty" json:"open,omitempty"`
	Closed     string            `yaml:"closed,omitempty" json:"closed,omitempty"`
	Test       string            `yaml:"test,omitempty" json:"test,omitempty"`
	Channel    string            `yaml:"channel,omitempty" json:"channel,omitempty"`
	Wait       Duration          `yaml:"wait,omitempty" json:"wait,omitempty"`
	Then       string            `yaml:"then,omitempty" json:"then,omitempty"`
	Else       string            `yaml:"else,omitempty" json:"else,omitempty"`
	Queue      string            `yaml:"queue,omitempty" json:"queue,omitempty"`
	Intent     string            `yaml:"intent,omitempty" json:"intent,omitempty"`
	Extension  string            `yaml:"extension,omitempty" json:"extension,omitempty"`
	URL        string            `yaml:"url,omitempty" json:"url,omitempty"`
	Fallback   string            `yaml:"fallback,omitempty" json:"fallback,omitempty"`
}

// flowNodeTypes are the node types package ivr knows; the full graph
// checks (reachability, loops, face fallbacks) run in ivr.Validate.
var flowNodeTypes = []string{"menu", "play", "collect", "hours", "condition", "queue", "extension",
	"callback", "chat", "email-form", "link", "voicemail", "hangup"}

var ivrNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// refs returns the node's references by field name, sorted by field.
func (n FlowNode) refs() [][2]string {
	var out [][2]string
	add := func(field, to string) {
		if to != "" {
			out = append(out, [2]string{field, to})
		}
	}
	digits := make([]string, 0, len(n.Options))
	for d := range n.Options {
		digits = append(digits, d)
	}
	sort.Strings(digits)
	for _, d := range digits {
		add("options."+d, n.Options[d])
	}
	add("invalid", n.Invalid)
	add("next", n.Next)
	add("open", n.Open)
	add("closed", n.Closed)
	add("then", n.Then)
	add("else", n.Else)
	add("fallback", n.Fallback)
	return out
}

func validateCalendars(v *Validator, cals []Calendar) map[string]bool {
	names := map[string]bool{}
	for i, c := range cals {
		path := fmt.Sprintf("calendars[%d]", i)
		if !ivrNameRE.MatchString(c.Name) {
			v.Errorf(path+".name", "must be 1 to 63 lower-case letters, digits, - or _, got %q", c.Name)
		} else if names[c.Name] {
			v.Errorf(path+".name", "calendar %s is defined twice", c.Name)
		}
		names[c.Name] = true
		if c.TimeZone != "" {
			if _, err := time.LoadLocation(c.TimeZone); err != nil {
				v.Errorf(path+".timezone", "unknown time zone %q", c.TimeZone)
			}
		}
		for _, h := range c.Holidays {
			if _, err := time.Parse(time.DateOnly, h); err != nil {
				v.Errorf(path+".holidays", "%q is not a date YYYY-MM-DD", h)
			}
		}
		for d := range c.Exceptions {
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				v.Errorf(path+".exceptions."+d, "%q is not a date YYYY-MM-DD", d)
			}
		}
	}
	return names
}

// validateFlows checks names, node types and that every reference names
// a node of the flow and every hours node a calendar of calendars (nil:
// not checked).
func validateFlows(v *Validator, flows []Flow, calendars map[string]bool) {
	seen := map[string]bool{}
	for i, f := range flows {
		path := fmt.Sprintf("flows[%d]", i)
		if !ivrNameRE.MatchString(f.Name) {
			v.Errorf(path+".name", "must be 1 to 63 lower-case letters, digits, - or _, got %q", f.Name)
		} else if seen[f.Name] {
			v.Errorf(path+".name", "flow %s is defined twice", f.Name)
		}
		seen[f.Name] = true
		if f.Start == "" {
			v.Errorf(path+".start", "flow %s: required", f.Name)
		} else if _, ok := f.Nodes[f.Start]; !ok {
			v.Errorf(path+".start", "flow %s: start node %q does not exist", f.Name, f.Start)
		}
		ids := make([]string, 0, len(f.Nodes))
		for id := range f.Nodes {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			n := f.Nodes[id]
			np := path + ".nodes." + id
			if !slices.Contains(flowNodeTypes, n.Type) {
				v.Errorf(np+".type", "flow %s node %s: unknown type %q (one of %v)", f.Name, id, n.Type, flowNodeTypes)
			}
			for _, r := range n.refs() {
				if _, ok := f.Nodes[r[1]]; !ok {
					v.Errorf(np+"."+r[0], "flow %s node %s: refers to unknown node %q", f.Name, id, r[1])
				}
			}
			if n.Type == "hours" && n.Calendar != "" && calendars != nil && !calendars[n.Calendar] {
				v.Errorf(np+".calendar", "flow %s node %s: unknown calendar %q", f.Name, id, n.Calendar)
			}
		}
	}
}

// LineOf returns the line of the field at path ("flows[0].nodes.welcome")
// in the YAML document data, or of its closest existing parent; 0 when
// data does not parse.
func LineOf(data []byte, path string) int {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return 0
	}
	return (&Validator{root: &root}).line(path)
}

func applyIVR(ctx context.Context, tx *store.Tx, f *File) error {
	if f.Has("calendars") {
		rows := make([]store.IVRCalendar, 0, len(f.Calendars))
		for _, c := range f.Calendars {
			spec, err := json.Marshal(c)
			if err != nil {
				return fmt.Errorf("config: calendar %s: %w", c.Name, err)
			}
			rows = append(rows, store.IVRCalendar{Name: c.Name, Spec: spec})
		}
		if err := tx.ReplaceIVRCalendars(ctx, rows); err != nil {
			return err
		}
	}
	if f.Has("flows") {
		rows := make([]store.IVRFlow, 0, len(f.Flows))
		for _, fl := range f.Flows {
			def, err := json.Marshal(fl)
			if err != nil {
				return fmt.Errorf("config: flow %s: %w", fl.Name, err)
			}
			rows = append(rows, store.IVRFlow{Name: fl.Name, Number: fl.Number, Definition: def})
		}
		if err := tx.ReplaceIVRFlows(ctx, rows); err != nil {
			return err
		}
	}
	return nil
}

// ExportCalendars reads the `calendars:` section from the store.
func ExportCalendars(ctx context.Context, st *store.Store) ([]Calendar, error) {
	rows, err := st.IVRCalendars(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Calendar, 0, len(rows))
	for _, r := range rows {
		var c Calendar
		if err := json.Unmarshal(r.Spec, &c); err != nil {
			return nil, fmt.Errorf("config: stored calendar %s: %w", r.Name, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// ExportFlows reads the `flows:` section from the store.
func ExportFlows(ctx context.Context, st *store.Store) ([]Flow, error) {
	rows, err := st.IVRFlows(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Flow, 0, len(rows))
	for _, r := range rows {
		var f Flow
		if err := json.Unmarshal(r.Definition, &f); err != nil {
			return nil, fmt.Errorf("config: stored flow %s: %w", r.Name, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// validateIVR checks the `calendars:` and `flows:` sections; hours nodes
// are checked against the file's calendars only when it has that section.
func validateIVR(v *Validator, f *File) {
	cals := validateCalendars(v, f.Calendars)
	if !f.Has("calendars") {
		cals = nil
	}
	validateFlows(v, f.Flows, cals)
}

func exportIVR(ctx context.Context, st *store.Store, f *File) error {
	var err error
	if f.Calendars, err = ExportCalendars(ctx, st); err != nil {
		return err
	}
	f.Flows, err = ExportFlows(ctx, st)
	return err
}
