package config

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// Queue is one entry of the `queues:` section: a queue of the distributor,
// for every channel.
type Queue struct {
	Name string `yaml:"name" json:"name"`
	// Strategy picks among eligible agents: longest-idle (default),
	// least-occupied, round-robin or ring-all (voice).
	Strategy string `yaml:"strategy,omitempty" json:"strategy,omitempty"`
	// Members are agent names; Penalties puts some in later tiers (0 first).
	Members   []string       `yaml:"members,omitempty" json:"members,omitempty"`
	Penalties map[string]int `yaml:"penalties,omitempty" json:"penalties,omitempty"`
	// Skills are the minimum levels every item of the queue needs.
	Skills map[string]int `yaml:"skills,omitempty" json:"skills,omitempty"`
	// Weight orders queues for agents in several (higher first).
	Weight int `yaml:"weight,omitempty" json:"weight,omitempty"`
	// Priority is the priority of the queue's new items (higher first).
	Priority int `yaml:"priority,omitempty" json:"priority,omitempty"`
	// RingTimeout bounds an offer (default 20s); WrapUp keeps the agent
	// from new offers after an item (default 5s, "0s" none).
	RingTimeout Duration  `yaml:"ring_timeout,omitempty" json:"ring_timeout,omitempty"`
	WrapUp      *Duration `yaml:"wrap_up,omitempty" json:"wrap_up,omitempty"`
	// ServiceLevel is the target wait (default 20s) that ServiceGoal percent
	// of items (default 80) should be answered within.
	ServiceLevel Duration `yaml:"service_level,omitempty" json:"service_level,omitempty"`
	ServiceGoal  int      `yaml:"service_goal,omitempty" json:"service_goal,omitempty"`
	// MaxWait marks the queue in breach when an item waits longer; MaxLength
	// refuses new items beyond it (or overflows them).
	MaxWait   Duration  `yaml:"max_wait,omitempty" json:"max_wait,omitempty"`
	MaxLength int       `yaml:"max_length,omitempty" json:"max_length,omitempty"`
	Overflow  *Overflow `yaml:"overflow,omitempty" json:"overflow,omitempty"`
	Aging     *Aging    `yaml:"aging,omitempty" json:"aging,omitempty"`
	// Announce is how often a caller waiting hears position and expected
	// wait (default 30s, "0s" never).
	Announce *Duration `yaml:"announce,omitempty" json:"announce,omitempty"`
	// CallbackDigit is the digit a waiting caller presses to be called
	// back (default "1", "none" to disable).
	CallbackDigit string `yaml:"callback_digit,omitempty" json:"callback_digit,omitempty"`
	// Record records the queue's calls.
	Record bool `yaml:"record,omitempty" json:"record,omitempty"`
	// Music names the music on hold (built-in "default" or an uploaded
	// one; empty means the default).
	Music string `yaml:"music,omitempty" json:"music,omitempty"`
}

// Overflow sends items elsewhere: after waiting After, when no member is
// logged in (WhenEmpty), or when the queue is full; To is queue:NAME or
// flow:NAME.
type Overflow struct {
	After     Duration `yaml:"after,omitempty" json:"after,omitempty"`
	WhenEmpty bool     `yaml:"when_empty,omitempty" json:"when_empty,omitempty"`
	To        string   `yaml:"to" json:"to"`
}

// Aging raises an item's priority by Step every Every it waits, up to Max.
type Aging struct {
	Every Duration `yaml:"every" json:"every"`
	Step  int      `yaml:"step,omitempty" json:"step,omitempty"`
	Max   int      `yaml:"max,omitempty" json:"max,omitempty"`
}

// Agent is one entry of the `agents:` section.
type Agent struct {
	// Name identifies the agent (and is their web panel user name).
	Name string `yaml:"name" json:"name"`
	// Extension is the desk phone that rings for the agent's calls.
	Extension string `yaml:"extension,omitempty" json:"extension,omitempty"`
	// Capacity is the agent's units (default 100); an item takes its
	// channel's size (settings.channel_sizes).
	Capacity int            `yaml:"capacity,omitempty" json:"capacity,omitempty"`
	Skills   map[string]int `yaml:"skills,omitempty" json:"skills,omitempty"`
	// Channels are the channels the agent serves (default all).
	Channels []string `yaml:"channels,omitempty" json:"channels,omitempty"`
	// MultitaskInCall lets the agent be offered chats and emails during a
	// call (default true).
	MultitaskInCall *bool `yaml:"multitask_in_call,omitempty" json:"multitask_in_call,omitempty"`
}

// The queue strategies and work channels the file accepts.
var (
	Strategies = []string{"longest-idle", "least-occupied", "round-robin", "ring-all"}
	Channels   = []string{"voice", "chat", "email", "callback"}
)

var (
	acdNameRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)
	skillNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
	acdDestRE   = regexp.MustCompile(`^(queue|flow):[a-z0-9][a-z0-9_.-]{0,62}$`)
)

func validateSkills(v *Validator, path string, m map[string]int) {
	for _, name := range slices.Sorted(maps.Keys(m)) {
		if !skillNameRE.MatchString(name) {
			v.Errorf(path+"."+name, "skill names are lower-case letters, digits, - or _")
		}
		if l := m[name]; l < 0 || l > 100 {
			v.Errorf(path+"."+name, "level must be 0 to 100, got %d", l)
		}
	}
}

func validateACD(v *Validator, f *File) {
	agents := map[string]int{}
	exts := map[string]bool{}
	for _, e := range f.Extensions {
		exts[e.Number] = true
	}
	for i, a := range f.Agents {
		path := fmt.Sprintf("agents[%d]", i)
		if !acdNameRE.MatchString(a.Name) {
			v.Errorf(path+".name", "must be 1 to 63 lower-case letters, digits, ., - or _, got %q", a.Name)
		} else if j, dup := agents[a.Name]; dup {
			v.Errorf(path+".name", "%s is already used by agents[%d]", a.Name, j)
		}
		agents[a.Name] = i
		if a.Extension != "" && f.Has("extensions") && !exts[a.Extension] {
			v.Errorf(path+".extension", "no extension %q in the extensions section", a.Extension)
		}
		if a.Capacity < 0 || a.Capacity > 10000 {
			v.Errorf(path+".capacity", "must be 1 to 10000 units, got %d", a.Capacity)
		}
		for j, c := range a.Channels {
			if !slices.Contains(Channels, c) {
				v.Errorf(fmt.Sprintf("%s.channels[%d]", path, j), "unknown channel %q (one of %s)", c, strings.Join(Channels, ", "))
			}
		}
		validateSkills(v, path+".skills", a.Skills)
	}
	queues := map[string]int{}
	for i, q := range f.Queues {
		if j, dup := queues[q.Name]; dup {
			v.Errorf(fmt.Sprintf("queues[%d].name", i), "%s is already used by queues[%d]", q.Name, j)
		}
		queues[q.Name] = i
	}
	flows := map[string]bool{}
	for _, fl := range f.Flows {
		flows[fl.Name] = true
	}
	for i, q := range f.Queues {
		path := fmt.Sprintf("queues[%d]", i)
		if !acdNameRE.MatchString(q.Name) {
			v.Errorf(path+".name", "must be 1 to 63 lower-case letters, digits, ., - or _, got %q", q.Name)
		}
		if q.Strategy != "" && !slices.Contains(Strategies, q.Strategy) {
			v.Errorf(path+".strategy", "unknown strategy %q (one of %s)", q.Strategy, strings.Join(Strategies, ", "))
		}
		member := map[string]bool{}
		for j, m := range q.Members {
			if _, ok := agents[m]; !ok && f.Has("agents") {
				v.Errorf(fmt.Sprintf("%s.members[%d]", path, j), "no agent named %q in the agents section", m)
			}
			if member[m] {
				v.Errorf(fmt.Sprintf("%s.members[%d]", path, j), "%s is listed twice", m)
			}
			member[m] = true
		}
		for _, m := range slices.Sorted(maps.Keys(q.Penalties)) {
			if !member[m] {
				v.Errorf(path+".penalties."+m, "%s is not a member of the queue", m)
			}
			if p := q.Penalties[m]; p < 0 || p > 100 {
				v.Errorf(path+".penalties."+m, "must be 0 to 100, got %d", p)
			}
		}
		validateSkills(v, path+".skills", q.Skills)
		wrapUp := Duration(0)
		if q.WrapUp != nil {
			wrapUp = *q.WrapUp
		}
		for field, d := range map[string]Duration{"ring_timeout": q.RingTimeout, "wrap_up": wrapUp, "service_level": q.ServiceLevel, "max_wait": q.MaxWait} {
			if d < 0 || d.Std() > 24*time.Hour {
				v.Errorf(path+"."+field, "must be between 0s and 24h, got %s", d.Std())
			}
		}
		if q.RingTimeout != 0 && q.RingTimeout.Std() < 3*time.Second {
			v.Errorf(path+".ring_timeout", "must be at least 3s so that a phone can ring, got %s", q.RingTimeout.Std())
		}
		if q.ServiceGoal < 0 || q.ServiceGoal > 100 {
			v.Errorf(path+".service_goal", "is a percentage, 0 to 100, got %d", q.ServiceGoal)
		}
		if q.MaxLength < 0 {
			v.Errorf(path+".max_length", "must not be negative")
		}
		if q.Announce != nil && (*q.Announce != 0 && q.Announce.Std() < 10*time.Second) {
			v.Errorf(path+".announce", "must be 0s (never) or at least 10s, got %s", q.Announce.Std())
		}
		if d := q.CallbackDigit; d != "" && d != "none" && (len(d) != 1 || !strings.Contains("0123456789*#", d)) {
			v.Errorf(path+".callback_digit", "must be one DTMF digit (0-9, *, #) or none, got %q", d)
		}
		if a := q.Aging; a != nil {
			if a.Every.Std() < time.Second {
				v.Errorf(path+".aging.every", "must be at least 1s")
			}
			if a.Step < 0 || a.Max < 0 {
				v.Errorf(path+".aging", "step and max must not be negative")
			}
		}
		if o := q.Overflow; o != nil {
			switch {
			case !acdDestRE.MatchString(o.To):
				v.Errorf(path+".overflow.to", "must be queue:NAME or flow:NAME, got %q", o.To)
			case o.To == "queue:"+q.Name:
				v.Errorf(path+".overflow.to", "a queue cannot overflow to itself")
			case strings.HasPrefix(o.To, "queue:"):
				if _, ok := queues[strings.TrimPrefix(o.To, "queue:")]; !ok {
					v.Errorf(path+".overflow.to", "no queue named %q", strings.TrimPrefix(o.To, "queue:"))
				}
			case strings.HasPrefix(o.To, "flow:") && f.Has("flows"):
				if !flows[strings.TrimPrefix(o.To, "flow:")] {
					v.Errorf(path+".overflow.to", "no flow named %q", strings.TrimPrefix(o.To, "flow:"))
				}
			}
			if o.After < 0 {
				v.Errorf(path+".overflow.after", "must not be negative")
			}
			if o.After == 0 && !o.WhenEmpty && q.MaxLength == 0 {
				v.Errorf(path+".overflow", "say when: after (a wait), when_empty: true, or a max_length on the queue")
			}
		}
	}
	checkOverflowCycles(v, f.Queues, queues)
	if f.Has("queues") {
		checkQueueRefs(v, f, queues)
	}
}

// checkQueueRefs refuses flows, chat widgets and mailboxes that name a
// queue the file's queues section does not define.
func checkQueueRefs(v *Validator, f *File, queues map[string]int) {
	check := func(path, name string) {
		if _, ok := queues[name]; name != "" && !ok {
			v.Errorf(path, "no queue named %q in the queues section", name)
		}
	}
	for i, fl := range f.Flows {
		for _, id := range slices.Sorted(maps.Keys(fl.Nodes)) {
			check(fmt.Sprintf("flows[%d].nodes.%s.queue", i, id), fl.Nodes[id].Queue)
		}
	}
	for i, w := range f.Chat {
		check(fmt.Sprintf("chat[%d].queue", i), w.Queue)
	}
	for i, m := range f.Mailboxes {
		check(fmt.Sprintf("mailboxes[%d].queue", i), m.Queue)
	}
}

// checkOverflowCycles refuses queues that overflow into each other in a
// loop.
func checkOverflowCycles(v *Validator, qs []Queue, index map[string]int) {
	for i, q := range qs {
		seen := map[string]bool{q.Name: true}
		cur := q
		for cur.Overflow != nil && strings.HasPrefix(cur.Overflow.To, "queue:") {
			next, ok := index[strings.TrimPrefix(cur.Overflow.To, "queue:")]
			if !ok {
				break
			}
			cur = qs[next]
			if seen[cur.Name] {
				v.Errorf(fmt.Sprintf("queues[%d].overflow.to", i), "overflow loops back to queue %s", cur.Name)
				break
			}
			seen[cur.Name] = true
		}
	}
}

func applyACD(ctx context.Context, tx *store.Tx, f *File) error {
	if f.Has("queues") {
		specs, err := acdSpecs(f.Queues, func(q Queue) string { return q.Name })
		if err != nil {
			return err
		}
		if err := tx.ReplaceACDQueues(ctx, specs); err != nil {
			return err
		}
	}
	if f.Has("agents") {
		specs, err := acdSpecs(f.Agents, func(a Agent) string { return a.Name })
		if err != nil {
			return err
		}
		if err := tx.ReplaceACDAgents(ctx, specs); err != nil {
			return err
		}
	}
	return nil
}

func acdSpecs[T any](xs []T, name func(T) string) ([]store.ACDSpec, error) {
	out := make([]store.ACDSpec, 0, len(xs))
	for _, x := range xs {
		b, err := json.Marshal(x)
		if err != nil {
			return nil, fmt.Errorf("config: %s: %w", name(x), err)
		}
		out = append(out, store.ACDSpec{Name: name(x), Spec: b})
	}
	return out, nil
}

func decodeSpecs[T any](specs []store.ACDSpec) ([]T, error) {
	out := make([]T, 0, len(specs))
	for _, s := range specs {
		var x T
		if err := json.Unmarshal(s.Spec, &x); err != nil {
			return nil, fmt.Errorf("config: stored %s: %w", s.Name, err)
		}
		out = append(out, x)
	}
	return out, nil
}

// LoadACD reads the queues and agents from the store.
func LoadACD(ctx context.Context, st *store.Store) ([]Queue, []Agent, error) {
	qs, err := st.ACDQueues(ctx)
	if err != nil {
		return nil, nil, err
	}
	as, err := st.ACDAgents(ctx)
	if err != nil {
		return nil, nil, err
	}
	queues, err := decodeSpecs[Queue](qs)
	if err != nil {
		return nil, nil, err
	}
	agents, err := decodeSpecs[Agent](as)
	if err != nil {
		return nil, nil, err
	}
	return queues, agents, nil
}

func exportACD(ctx context.Context, st *store.Store, f *File) error {
	var err error
	f.Queues, f.Agents, err = LoadACD(ctx, st)
	return err
}
