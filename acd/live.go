package acd

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/switchboard-cc/switchboard/acd/route"
	"github.com/switchboard-cc/switchboard/acd/stats"
)

// tally is a queue's figures for today, kept as events are logged.
type tally struct {
	entered, answered, within, abandoned, short, overflowed int
}

// count updates today's figures for an event about e.
func (d *Distributor) count(k stats.Kind, e *entry, now time.Time) {
	t := d.today[e.it.Queue]
	if t == nil {
		t = &tally{}
		d.today[e.it.Queue] = t
	}
	wait := now.Sub(e.entered)
	switch k {
	case stats.Entered:
		t.entered++
	case stats.Accepted:
		t.answered++
		target := DefaultServiceLevel
		if q := d.queues[e.it.Queue]; q != nil {
			target = q.slTarget
		}
		if wait <= target {
			t.within++
		}
	case stats.Abandoned:
		if wait < d.cfg.ShortAbandon {
			t.short++
		} else {
			t.abandoned++
		}
	case stats.Overflowed:
		t.overflowed++
	}
}

// Snapshot is the live state of every queue and agent.
type Snapshot struct {
	At     time.Time     `json:"at"`
	Queues []QueueStatus `json:"queues"`
	Agents []AgentStatus `json:"agents"`
}

// QueueStatus is one queue now and today.
type QueueStatus struct {
	Name        string        `json:"name"`
	Waiting     int           `json:"waiting"`
	Offered     int           `json:"offered"`
	Held        int           `json:"held"`
	LongestWait time.Duration `json:"longest_wait_ns"`
	// LoggedIn and Available count the queue's members.
	LoggedIn  int `json:"logged_in"`
	Available int `json:"available"`
	// Today's figures: ServiceLevel is answered within the target over
	// answered plus abandoned (short abandons apart); 1 with no traffic.
	Entered        int           `json:"entered"`
	Answered       int           `json:"answered"`
	Abandoned      int           `json:"abandoned"`
	ShortAbandoned int           `json:"short_abandoned"`
	Overflowed     int           `json:"overflowed"`
	ServiceLevel   float64       `json:"service_level"`
	Target         time.Duration `json:"target_ns"`
	Goal           float64       `json:"goal"`
	MaxWait        time.Duration `json:"max_wait_ns"`
	ExpectedWait   time.Duration `json:"expected_wait_ns"`
}

// AgentStatus is one agent now.
type AgentStatus struct {
	Name      string    `json:"name"`
	Extension string    `json:"extension,omitempty"`
	Presence  string    `json:"presence"`
	Reason    string    `json:"reason,omitempty"`
	Channels  []Channel `json:"channels,omitempty"`
	Since     time.Time `json:"since"`
	// WrapUpUntil is set while the agent wraps up.
	WrapUpUntil time.Time `json:"wrap_up_until,omitzero"`
	// Offered and Held are the items ringing and held.
	Offered      []string `json:"offered,omitempty"`
	Held         []string `json:"held,omitempty"`
	Capacity     int      `json:"capacity"`
	FreeCapacity int      `json:"free_capacity"`
}

// Snapshot returns the live state.
func (d *Distributor) Snapshot() Snapshot {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.snapshot(d.clock.Now())
}

func (d *Distributor) snapshot(now time.Time) Snapshot {
	s := Snapshot{At: now, Queues: []QueueStatus{}, Agents: []AgentStatus{}}
	byQueue := map[string]*QueueStatus{}
	for _, name := range slices.Sorted(maps.Keys(d.queues)) {
		q := d.queues[name]
		qs := QueueStatus{Name: name, Target: q.slTarget, Goal: float64(q.goal) / 100, MaxWait: q.MaxWait.Std(), ServiceLevel: 1}
		for _, m := range q.Members {
			if a := d.agents[m]; a != nil && a.p.loggedIn() {
				qs.LoggedIn++
				if a.p.State == Available {
					qs.Available++
				}
			}
		}
		if t := d.today[name]; t != nil {
			qs.Entered, qs.Answered, qs.Abandoned, qs.ShortAbandoned, qs.Overflowed = t.entered, t.answered, t.abandoned, t.short, t.overflowed
			if n := t.answered + t.abandoned; n > 0 {
				qs.ServiceLevel = float64(t.within) / float64(n)
			}
		}
		qs.ExpectedWait = d.expectedWait(q, Voice, d.r.Waiting(name)+1)
		s.Queues = append(s.Queues, qs)
		byQueue[name] = &s.Queues[len(s.Queues)-1]
	}
	for _, e := range d.items {
		qs := byQueue[e.it.Queue]
		if qs == nil {
			continue
		}
		switch e.state {
		case waiting:
			qs.Waiting++
			qs.LongestWait = max(qs.LongestWait, now.Sub(e.entered))
		case offered:
			qs.Offered++
			qs.LongestWait = max(qs.LongestWait, now.Sub(e.entered))
		case held:
			qs.Held++
		}
	}
	for _, name := range slices.Sorted(maps.Keys(d.agents)) {
		a := d.agents[name]
		ra, _ := d.r.Agent(name)
		capacity := ra.Capacity
		if capacity == 0 {
			capacity = 100
		}
		as := AgentStatus{Name: name, Extension: a.cfg.Extension, Presence: a.p.State, Reason: a.p.Reason, Channels: a.p.Channels,
			Since: a.p.Since, Capacity: capacity, FreeCapacity: max(capacity-ra.Used, 0)}
		if now.Before(a.notBefore) {
			as.WrapUpUntil = a.notBefore
		}
		for _, id := range slices.Sorted(maps.Keys(a.items)) {
			if e := d.items[id]; e != nil && e.state == held {
				as.Held = append(as.Held, id)
			} else {
				as.Offered = append(as.Offered, id)
			}
		}
		s.Agents = append(s.Agents, as)
	}
	return s
}

// Item returns a copy of the live item id (waiting, offered or held) and
// false when no such item is live: what an agent's console shows of an
// offer (the screen pop).
func (d *Distributor) Item(id string) (Item, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.items[id]
	if e == nil {
		return Item{}, false
	}
	return e.it.clone(), true
}

// ExpectedWait estimates how long a new item of channel c would wait in
// queue: its position over the agents serving the queue, times the
// queue's recent handle time.
func (d *Distributor) ExpectedWait(queue string, c Channel) time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	q := d.queues[queue]
	if q == nil {
		return 0
	}
	return d.expectedWait(q, c, d.r.Waiting(queue)+1)
}

// ItemWait estimates the remaining wait of a waiting item and returns its
// 1-based position in its queue (0 when it is no longer waiting: ringing
// an agent, held or ended).
func (d *Distributor) ItemWait(id string) (position int, wait time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.items[id]
	if e == nil || e.state == held {
		return 0, 0
	}
	q := d.queues[e.it.Queue]
	if q == nil {
		return 0, 0
	}
	if e.state == offered {
		return 0, 0
	}
	position = d.r.Position(id, d.clock.Now())
	return position, d.expectedWait(q, e.it.Channel, position)
}

// expectedWait is position items ahead served by the queue's logged-in
// members in parallel (as many at once as their capacity allows for the
// channel), each taking the queue's smoothed handle time.
func (d *Distributor) expectedWait(q *queue, c Channel, position int) time.Duration {
	if position <= 0 {
		return 0
	}
	handle, ok := d.handle[q.Name]
	if !ok {
		handle = DefaultHandleTime
	}
	size := d.sizeOf(c)
	slots := 0
	free := 0
	for _, m := range q.Members {
		a := d.agents[m]
		if a == nil || !a.p.loggedIn() {
			continue
		}
		ra, _ := d.r.Agent(m)
		capacity := ra.Capacity
		if capacity == 0 {
			capacity = 100
		}
		n := max(capacity/size, 1)
		if c == Voice || c == Callback {
			n = 1
		}
		slots += n
		if a.p.State == Available && ra.Used+size <= capacity {
			free++
		}
	}
	if free >= position {
		return 0
	}
	if slots == 0 {
		slots = 1
	}
	// The item is served when position-free of the items ahead finished:
	// with slots in parallel, one finishes every handle/slots on average.
	return time.Duration(position-free) * handle / time.Duration(slots)
}

// sizeOf is the capacity an item of channel c takes.
func (d *Distributor) sizeOf(c Channel) int {
	if n, ok := d.cfg.Sizes[c]; ok && n > 0 {
		return n
	}
	if n := route.DefaultSizes[c]; n > 0 {
		return n
	}
	return 100
}

// AgentsAvailable returns how many members of queue could take an item of
// channel c now.
func (d *Distributor) AgentsAvailable(queue string, c Channel) int {
	size := d.sizeOf(c)
	return d.countMembers(queue, c, func(ra route.Agent) bool {
		capacity := ra.Capacity
		if capacity == 0 {
			capacity = 100
		}
		return ra.Used+size <= capacity && !((c == Voice || c == Callback) && ra.Voice)
	})
}

// MembersAvailable returns how many members of queue are available for
// channel c, busy or not: the agents who will serve its items of that
// channel in turn (AgentsAvailable counts those free right now).
func (d *Distributor) MembersAvailable(queue string, c Channel) int {
	return d.countMembers(queue, c, func(route.Agent) bool { return true })
}

// countMembers counts the members of queue available for channel c for
// whom also holds.
func (d *Distributor) countMembers(queue string, c Channel, also func(route.Agent) bool) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	q := d.queues[queue]
	if q == nil {
		return 0
	}
	n := 0
	for _, m := range q.Members {
		if ra, ok := d.r.Agent(m); ok && ra.Available[c] && also(ra) {
			n++
		}
	}
	return n
}

// Presence returns an agent's presence.
func (d *Distributor) Presence(name string) (Presence, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	a := d.agents[name]
	if a == nil {
		return Presence{}, false
	}
	return a.p, true
}

// publish announces a changed live state on the bus and stores the
// snapshot for `switchboard queue status`.
func (d *Distributor) publish(ctx context.Context) {
	d.mu.Lock()
	if !d.dirty {
		d.mu.Unlock()
		return
	}
	d.dirty = false
	s := d.snapshot(d.clock.Now())
	d.mu.Unlock()
	if d.cfg.Bus != nil {
		d.cfg.Bus.Publish("queue", s.Queues)
		d.cfg.Bus.Publish("agent", s.Agents)
	}
	if d.cfg.Store == nil {
		return
	}
	body, err := json.Marshal(s)
	if err == nil {
		err = d.cfg.Store.PutACDSnapshot(ctx, s.At, body)
	}
	if err != nil {
		d.log.Warn("storing the live snapshot failed", "err", err)
	}
}

// VoiceSettings are a queue's settings for callers waiting on the phone.
type VoiceSettings struct {
	// Announce is the interval of position and wait announcements (0:
	// never).
	Announce time.Duration
	// CallbackDigit requests a callback ("" when callbacks are off).
	CallbackDigit string
	// Record records the queue's answered calls.
	Record bool
	// Music names the music on hold ("" for the default).
	Music string
}

// QueueVoice returns a queue's voice settings, false when there is no such
// queue.
func (d *Distributor) QueueVoice(queue string) (VoiceSettings, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	q := d.queues[queue]
	if q == nil {
		return VoiceSettings{}, false
	}
	return VoiceSettings{Announce: q.announce, CallbackDigit: q.callbackDigit, Record: q.Record, Music: q.Music}, true
}
