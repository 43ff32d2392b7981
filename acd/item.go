package acd

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/switchboard-cc/switchboard/acd/route"
)

// Channel is a kind of work.
type Channel = route.Channel

// The channels.
const (
	Voice    = route.Voice
	Chat     = route.Chat
	Email    = route.Email
	Callback = route.Callback
)

// Durable reports whether items of channel c are committed to the store
// and survive a restart (a live call ends with the process; a chat, an
// email or a callback request must not).
func Durable(c Channel) bool { return c == Chat || c == Email || c == Callback }

// Item is a work item: one customer request waiting for, offered to or held
// by an agent.
type Item struct {
	// ID is unique among live items (the channel's own id: a call id, a
	// chat session, a conversation); "" lets Enqueue choose one.
	ID      string
	Channel Channel
	Queue   string
	// Priority orders items (higher first); 0 takes the queue's.
	Priority int
	// Arrived is when the item entered its queue (zero: at Enqueue); it
	// decides the item's place among equal priorities.
	Arrived time.Time
	// Skills are minimum levels on top of the queue's.
	Skills map[string]int
	// Size is the capacity the item takes (0: the channel's size).
	Size int
	// Customer is the customer's id in internal/customer (0: unknown).
	Customer int64
	// Context is what the agent is shown: caller, flow choices, subject.
	Context map[string]string
	// Prefer names an agent offered the item first whenever that agent
	// can take it (the agent of an ongoing conversation); otherwise the
	// queue routes it as usual.
	Prefer string
}

func (it Item) clone() Item {
	it.Skills = maps.Clone(it.Skills)
	it.Context = maps.Clone(it.Context)
	return it
}

// OfferedAgent is an agent an item is offered to.
type OfferedAgent struct {
	Name string
	// Extension is the agent's desk phone ("" when none is configured).
	Extension string
}

// Offer presents an item to one agent, or to several for a ring-all queue
// (the first to Accept gets it).
type Offer struct {
	Item   Item
	Agents []OfferedAgent
	// Timeout is the queue's ring timeout: the distributor withdraws the
	// offer (ring no answer) when it passes.
	Timeout time.Duration
}

// Handler delivers the offers of one channel. Offer must not block: the
// handler starts ringing (or notifying) and reports back through the
// Distributor. ctx is done as soon as the offer no longer stands — taken
// back after the timeout, the customer gone, another agent accepted, or
// accepted by this one (a handler that has accepted keeps its call or
// conversation; ctx only stops what is still ringing).
type Handler interface {
	Offer(ctx context.Context, o Offer)
}

// Redirector is implemented by handlers whose items can leave the
// distributor for an IVR flow (queue overflow to flow:NAME).
type Redirector interface {
	Redirect(it Item, flow string)
}

// Prober is implemented by handlers that can tell whether an item they
// were given is still alive (a call still up); the self-check ends held
// items that are not.
type Prober interface {
	Alive(itemID string) bool
}

// Errors the distributor returns; each is wrapped with the item, queue or
// agent at fault.
var (
	ErrNoQueue    = errors.New("no such queue")
	ErrNoAgent    = errors.New("no such agent")
	ErrNoItem     = errors.New("no such work item")
	ErrQueueFull  = errors.New("queue full")
	ErrNotOffered = errors.New("not offered to this agent")
	ErrPresence   = errors.New("invalid presence")
)
