// Package route is the distributor's pure routing decision: given the
// waiting work items, the queues and the agents (presence per channel,
// capacity, skills, penalties), it says which item goes to which agent,
// with no clock, goroutine or I/O of its own, so that every rule is a
// table test and every decision is cheap enough to benchmark.
//
// Order of work: highest effective priority first (the item's priority
// plus aging for its wait), then the heavier queue, then the oldest
// arrival, then the ID — never map iteration order. An item goes to an
// agent who is a member of its queue, available for its channel, has the
// skills the item and the queue require, and has the free capacity for
// the item's size; among those, the lowest penalty tier, then the queue's
// strategy, then the agent ID.
//
// Aging only raises priority (a negative Step counts as no aging), so
// among the items of one queue with the same base priority the older one
// always routes first: the Router keeps each queue's items in one FIFO
// list per base priority and merges the heads of those lists at the
// decision's time, which makes a decision cost the few items it looks at
// rather than every waiting item.
package route

import (
	"time"
)

// Channel is a kind of work.
type Channel string

// Channels.
const (
	Voice    Channel = "voice"
	Chat     Channel = "chat"
	Email    Channel = "email"
	Callback Channel = "callback"
)

// DefaultSizes are the capacity units an item of each channel takes, out
// of an agent's default capacity of 100.
var DefaultSizes = map[Channel]int{Voice: 100, Chat: 25, Email: 10, Callback: 100}

// Strategy picks among equally eligible agents.
type Strategy string

// Strategies.
const (
	LongestIdle   Strategy = "longest-idle"
	LeastOccupied Strategy = "least-occupied"
	RoundRobin    Strategy = "round-robin"
	RingAll       Strategy = "ring-all" // voice: every eligible agent is offered the item
)

// Aging raises an item's priority by Step for every Every it waits, up to
// Max (0: no cap). A Step or Every of 0 or less means no aging.
type Aging struct {
	Every time.Duration
	Step  int
	Max   int
}

// Queue is a queue's routing settings.
type Queue struct {
	Name     string
	Strategy Strategy
	// Skills are minimum levels every item of the queue needs.
	Skills map[string]int
	// Weight orders queues whose items are otherwise equal, for agents in
	// several queues (higher first).
	Weight int
	Aging  Aging
	// Members maps agent IDs to their penalty tier (0 first).
	Members map[string]int
	// last is the agent the queue's round robin gave work to last.
	last string
	// need is Skills as a slice: ranging over a map costs more than the
	// rest of an eligibility check.
	need []skill
	// roster is Members in ID order, with each member's state once the
	// agent is known.
	roster []member
	// open lists the members that could take some work, valid while
	// openGen is the Router's current Decide pass.
	open    []member
	openGen uint64
}

// member is one agent of a queue's roster.
type member struct {
	id      string
	penalty int
	agent   *Agent // nil until the agent is set
}

// skill is one minimum skill level.
type skill struct {
	name  string
	level int
}

func needs(m map[string]int) []skill {
	out := make([]skill, 0, len(m))
	for n, l := range m {
		out = append(out, skill{n, l})
	}
	return out
}

// Item is a waiting work item.
type Item struct {
	ID       string
	Channel  Channel
	Queue    string
	Priority int
	Arrived  time.Time
	// Skills are minimum levels this item needs on top of its queue's.
	Skills map[string]int
	// Size is the capacity it takes; 0 means the channel's default size.
	Size int
	// need is Skills as a slice (see Queue.need).
	need []skill
	// units is the capacity it takes, resolved at Enqueue.
	units int
}

// Agent is an agent's routing state.
type Agent struct {
	ID string
	// Available lists the channels the agent takes now (presence).
	Available map[Channel]bool
	// Capacity is the agent's units (0 means 100); Used is what the items
	// held or offered take.
	Capacity, Used int
	// Voice reports an item of the voice (or callback) channel held or
	// ringing: no second one is offered.
	Voice bool
	// MultitaskInVoice lets the agent take chats and emails during a call.
	MultitaskInVoice bool
	Skills           map[string]int
	// IdleSince is when the agent last finished an item (for longest-idle).
	IdleSince time.Time
	// free caches freeNow for the Router's count of free agents.
	free bool
	// avail caches whether Available holds a true channel (the Router
	// owns its copy of the map, set by SetAgent).
	avail bool
}

// Assignment offers an item to agents (one, or every eligible agent for
// ring-all).
type Assignment struct {
	Item   string
	Agents []string
}

func (it *Item) size(sizes map[Channel]int) int {
	if it.Size > 0 {
		return it.Size
	}
	if s, ok := sizes[it.Channel]; ok {
		return s
	}
	return DefaultSizes[it.Channel]
}

func (a *Agent) capacity() int {
	if a.Capacity > 0 {
		return a.Capacity
	}
	return 100
}

// anyAvailable reports whether the agent takes some channel now.
func (a *Agent) anyAvailable() bool {
	for _, ok := range a.Available {
		if ok {
			return true
		}
	}
	return false
}

// freeNow reports whether the agent could take any work at all.
func (a *Agent) freeNow() bool { return a.avail && a.Used < a.capacity() }

func voiceLike(c Channel) bool { return c == Voice || c == Callback }

// effective is the item's priority after aging at now.
func effective(it *Item, q *Queue, now time.Time) int {
	p := it.Priority
	if q != nil && q.Aging.Every > 0 && q.Aging.Step > 0 {
		steps := int(now.Sub(it.Arrived) / q.Aging.Every)
		bonus := steps * q.Aging.Step
		if q.Aging.Max > 0 && bonus > q.Aging.Max {
			bonus = q.Aging.Max
		}
		p += bonus
	}
	return p
}

// takes reports whether the agent's presence and calls let it take items
// of channel c now, capacity aside.
func (a *Agent) takes(c Channel) bool {
	return a.Available[c] && !(a.Voice && (voiceLike(c) || !a.MultitaskInVoice))
}

// eligible reports whether agent a may be offered item it of queue q.
func eligible(a *Agent, it *Item, q *Queue, size int) bool {
	// Capacity first: in a busy queue most members are full, and it is
	// an integer compare where takes is a map lookup.
	if a.capacity()-a.Used < size || !a.takes(it.Channel) {
		return false
	}
	for _, s := range q.need {
		if a.Skills[s.name] < s.level {
			return false
		}
	}
	for _, s := range it.need {
		if a.Skills[s.name] < s.level {
			return false
		}
	}
	return true
}

// better reports whether agent x, of penalty tier px, should be chosen
// over y, of tier py, for queue q.
func better(q *Queue, x *Agent, px int, y *Agent, py int) bool {
	if px != py {
		return px < py
	}
	switch q.Strategy {
	case LeastOccupied:
		ox, oy := x.Used*y.capacity(), y.Used*x.capacity() // x.Used/x.cap < y.Used/y.cap
		if ox != oy {
			return ox < oy
		}
	case RoundRobin:
		// the first agent after the last one served, in ID order
		ax, ay := x.ID > q.last, y.ID > q.last
		if ax != ay {
			return ax
		}
	default: // longest-idle; ring-all ranks the same way
		if !x.IdleSince.Equal(y.IdleSince) {
			return x.IdleSince.Before(y.IdleSince)
		}
	}
	return x.ID < y.ID
}
