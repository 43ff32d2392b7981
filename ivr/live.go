package ivr

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Live answers the questions condition nodes ask about the contact center
// right now, and takes the work items the flow creates. The ACD side
// satisfies it; tests use a fake.
type Live interface {
	// AgentsAvailable returns how many agents of queue can take an item of
	// channel now.
	AgentsAvailable(ctx context.Context, queue, channel string) (int, error)
	// ExpectedWait returns the expected wait of a new item of channel in queue.
	ExpectedWait(ctx context.Context, queue, channel string) (time.Duration, error)
	// KnownCaller reports whether the phone number or address belongs to a
	// known customer.
	KnownCaller(ctx context.Context, from string) (bool, error)
	// Submit queues a work item (a callback request, a voicemail) and
	// returns its id once it is committed.
	Submit(ctx context.Context, item Item) (string, error)
}

// Item is a work item the flow hands to the distributor.
type Item struct {
	Channel string // "callback", "voicemail" or "email"
	Queue   string
	Number  string // the number to call back
	Window  string // the preferred time window, e.g. "14:00-16:00"
	Ref     string // the voicemail recording
	Name    string // the visitor's name (web forms)
	Email   string // the address to answer (email form)
	Message string // the visitor's message (email form)
	Context Context
}

// Context is what the flow learned, handed to the agent with the item.
type Context struct {
	Flow   string
	Intent string
	Face   Face
	From   string
	Digits map[string]string
	Path   []string
}

// Clone returns a deep copy of c.
func (c Context) Clone() Context {
	c.Digits = maps.Clone(c.Digits)
	c.Path = slices.Clone(c.Path)
	return c
}

// Calendars tells whether a named calendar is open at an instant.
type Calendars interface {
	OpenAt(name string, t time.Time) (bool, error)
}

// Env is what Branch needs to decide: the calendars, the live source and
// the clock.
type Env struct {
	Calendars Calendars
	Live      Live
	Now       func() time.Time
}

func (e Env) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Branch returns the next node of an hours or condition node.
func Branch(ctx context.Context, env Env, n *Node, c *Context) (string, error) {
	switch n.Type {
	case Hours:
		if env.Calendars == nil {
			return "", fmt.Errorf("%w: %s", ErrNoCalendar, n.Calendar)
		}
		open, err := env.Calendars.OpenAt(n.Calendar, env.now())
		if err != nil {
			return "", fmt.Errorf("ivr: node %s: %w", n.ID, err)
		}
		if open {
			return n.Open, nil
		}
		return n.Closed, nil
	case Condition:
		ok, err := test(ctx, env, n, c)
		if err != nil {
			return "", fmt.Errorf("ivr: node %s: %w", n.ID, err)
		}
		if ok {
			return n.Then, nil
		}
		return n.Else, nil
	}
	return "", fmt.Errorf("ivr: node %s: %s is not a branch", n.ID, n.Type)
}

func test(ctx context.Context, env Env, n *Node, c *Context) (bool, error) {
	if n.Test == DigitsCollected {
		return c.Digits[n.Var] != "", nil
	}
	if env.Live == nil {
		return false, ErrNoLive
	}
	switch n.Test {
	case AgentsAvailable:
		k, err := env.Live.AgentsAvailable(ctx, n.Queue, n.Channel)
		return k > 0, err
	case WaitAbove:
		w, err := env.Live.ExpectedWait(ctx, n.Queue, n.Channel)
		return w > n.Wait, err
	case KnownCaller:
		if c.From == "" {
			return false, nil
		}
		return env.Live.KnownCaller(ctx, c.From)
	}
	return false, fmt.Errorf("ivr: unknown test %q", n.Test)
}
