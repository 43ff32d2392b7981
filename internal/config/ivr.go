package config

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
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
// Phone is the number the contact page shows. Language is the language
// of its prompts and of the queue announcements its callers hear; ""
// follows settings.language.
type Flow struct {
	Name     string              `yaml:"name" json:"name"`
	Number   string              `yaml:"number,omitempty" json:"number,omitempty"`
	Phone    string              `yaml:"phone,omitempty" json:"phone,omitempty"`
	Language string              `yaml:"language,omitempty" json:"language,omitempty"`
	Start    string              `yaml:"start" json:"start"`
	Nodes    map[string]FlowNode `yaml:"nodes" json:"nodes"`
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

var (
	ivrNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	// daysRE and spansRE check the shape of calendar hours; package
	// ivr/calendar parses them (ranges in order, 24:00 at most).
	daysRE  = regexp.MustCompile(`^(sun|mon|tue|wed|thu|fri|sat)(-(sun|mon|tue|wed|thu|fri|sat))?(,\s*(sun|mon|tue|wed|thu|fri|sat)(-(sun|mon|tue|wed|thu|fri|sat))?)*$`)
	spansRE = regexp.MustCompile(`^(closed|([01][0-9]|2[0-4]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9](,\s*([01][0-9]|2[0-4]):[0-5][0-9]-([01][0-9]|2[0-4]):[0-5][0-9])*)$`)
)

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
		for days, spans := range c.Hours {
			if !daysRE.MatchString(days) {
				v.Errorf(path+".hours."+days, "%q is not a day or day range such as mon-fri or sat,sun", days)
			}
			if !spansRE.MatchString(spans) {
				v.Errorf(path+".hours."+days, "%q is not HH:MM-HH:MM[,HH:MM-HH:MM…] or closed", spans)
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
			if !spansRE.MatchString(c.Exceptions[d]) {
				v.Errorf(path+".exceptions."+d, "%q is not HH:MM-HH:MM[,HH:MM-HH:MM…] or closed", c.Exceptions[d])
			}
		}
	}
	return names
}

// validateFlows checks names, each flow with CheckFlow, and that every
// hours node names a calendar of calendars (nil: not checked).
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
		for _, p := range CheckFlow(f) {
			fp, who := path, "flow "+f.Name
			if p.Node != "" {
				fp += ".nodes." + p.Node
				who += " node " + p.Node
			}
			if p.Field != "" {
				fp += "." + p.Field
			}
			v.Errorf(fp, "%s: %s", who, p.Msg)
		}
		ids := make([]string, 0, len(f.Nodes))
		for id := range f.Nodes {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			n := f.Nodes[id]
			np := path + ".nodes." + id
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

// FlowProblem is one problem CheckFlow found: the node (empty for the flow
// itself), the node's field, and what is wrong.
type FlowProblem struct {
	Node, Field, Msg string
}

// CheckFlow checks a flow for both faces, the phone and the web contact
// page: a missing or unknown start, node types, the fields each type
// requires (prompts, titles, queue…), references to unknown nodes, nodes
// no face reaches, cycles that take no input from the caller, and
// face-only nodes (chat and email-form on the web; collect, extension and
// voicemail on the phone) reachable from the other face without a
// fallback. Problems come in a stable order.
func CheckFlow(f Flow) []FlowProblem {
	var out []FlowProblem
	add := func(node, field, format string, args ...any) {
		out = append(out, FlowProblem{Node: node, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if f.Start == "" {
		add("", "start", "a flow needs a start node")
	} else if _, ok := f.Nodes[f.Start]; !ok {
		add("", "start", "start node %q does not exist", f.Start)
	}
	ids := make([]string, 0, len(f.Nodes))
	for id := range f.Nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		checkFlowNode(id, f.Nodes[id], add)
	}
	for _, id := range ids {
		for _, r := range f.Nodes[id].refs() {
			if _, ok := f.Nodes[r[1]]; !ok {
				add(id, r[0], "refers to unknown node %q", r[1])
			}
		}
	}
	if _, ok := f.Nodes[f.Start]; !ok {
		return out
	}
	reached := map[string]bool{}
	for _, face := range []string{"voice", "web"} {
		seen := reachFlow(f, face)
		for _, id := range ids {
			n := f.Nodes[id]
			if !seen[id] {
				continue
			}
			reached[id] = true
			if !n.on(face) && n.Fallback == "" {
				add(id, "fallback", "%s node is reachable from the %s face, which has no %s: give it a fallback", n.Type, face, n.Type)
			}
		}
		if cyc := busyLoop(f, ids, face); cyc != "" {
			add(cyc, "", "loop with no input from the caller on the %s face", face)
		}
	}
	for _, id := range ids {
		if !reached[id] {
			add(id, "", "unreachable from start node %q", f.Start)
		}
	}
	return out
}

func checkFlowNode(id string, n FlowNode, add func(node, field, format string, args ...any)) {
	if !slices.Contains(flowNodeTypes, n.Type) {
		add(id, "type", "unknown node type %q (one of %v)", n.Type, flowNodeTypes)
		return
	}
	need := func(field, v string) {
		if v == "" {
			add(id, field, "a %s node needs %s", n.Type, field)
		}
	}
	switch n.Type {
	case "menu":
		need("prompt", n.Prompt)
		need("title", n.Title)
		if len(n.Options) == 0 {
			add(id, "options", "a menu needs at least one option")
		}
		digits := make([]string, 0, len(n.Options))
		for d := range n.Options {
			digits = append(digits, d)
		}
		sort.Strings(digits)
		for _, d := range digits {
			if len(d) != 1 || !strings.Contains("0123456789#", d) {
				add(id, "options."+d, "option keys are single digits 0-9 or #")
			}
		}
		if n.Retries < 0 {
			add(id, "retries", "must not be negative")
		}
	case "play":
		need("prompt", n.Prompt)
	case "collect":
		need("prompt", n.Prompt)
		need("var", n.Var)
		need("next", n.Next)
		if n.Min < 0 || n.Max < 1 || n.Min > n.Max {
			add(id, "max", "need 0 <= min <= max and max >= 1, got min %d max %d", n.Min, n.Max)
		}
		if n.Terminator != "" && n.Terminator != "#" && n.Terminator != "*" {
			add(id, "terminator", "must be # or *")
		}
	case "hours":
		need("calendar", n.Calendar)
		need("open", n.Open)
		need("closed", n.Closed)
	case "condition":
		need("then", n.Then)
		need("else", n.Else)
		switch n.Test {
		case "agents-available", "wait-above":
			need("queue", n.Queue)
			need("channel", n.Channel)
			if n.Test == "wait-above" && n.Wait <= 0 {
				add(id, "wait", "a wait-above condition needs a positive wait")
			}
		case "digits-collected":
			need("var", n.Var)
		case "known-caller":
		default:
			add(id, "test", "unknown test %q (agents-available, wait-above, known-caller, digits-collected)", n.Test)
		}
	case "queue", "callback", "chat", "email-form":
		need("queue", n.Queue)
	case "extension":
		need("extension", n.Extension)
	case "link":
		need("url", n.URL)
		need("prompt", n.Prompt)
	case "voicemail":
		need("prompt", n.Prompt)
		need("queue", n.Queue)
	}
}

// on reports whether the node's type exists on face ("voice" or "web").
func (n FlowNode) on(face string) bool {
	switch n.Type {
	case "chat", "email-form":
		return face == "web"
	case "collect", "extension", "voicemail":
		return face == "voice"
	}
	return true
}

// edges returns the nodes n leads to on face.
func (n FlowNode) edges(face string) []string {
	if !n.on(face) {
		if n.Fallback == "" {
			return nil
		}
		return []string{n.Fallback}
	}
	var out []string
	for _, r := range n.refs() {
		if r[0] != "fallback" {
			out = append(out, r[1])
		}
	}
	return out
}

// takesInput reports whether a walk waits for the caller at n or ends
// there, so that a cycle through it is not a busy loop.
func (n FlowNode) takesInput(face string) bool {
	if !n.on(face) {
		return false
	}
	switch n.Type {
	case "menu", "collect", "queue", "extension", "callback", "voicemail", "hangup", "chat", "email-form":
		return true
	}
	return false
}

func reachFlow(f Flow, face string) map[string]bool {
	seen := map[string]bool{}
	stack := []string{f.Start}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n, ok := f.Nodes[id]
		if !ok || seen[id] {
			continue
		}
		seen[id] = true
		stack = append(stack, n.edges(face)...)
	}
	return seen
}

// busyLoop returns a node on a cycle of nodes that take no input on face,
// or "".
func busyLoop(f Flow, ids []string, face string) string {
	const (
		unseen = iota
		open
		done
	)
	state := map[string]int{}
	var visit func(id string) string
	visit = func(id string) string {
		n, ok := f.Nodes[id]
		if !ok || n.takesInput(face) || state[id] == done {
			return ""
		}
		if state[id] == open {
			return id
		}
		state[id] = open
		for _, to := range n.edges(face) {
			if c := visit(to); c != "" {
				return c
			}
		}
		state[id] = done
		return ""
	}
	for _, id := range ids {
		if c := visit(id); c != "" {
			return c
		}
	}
	return ""
}
