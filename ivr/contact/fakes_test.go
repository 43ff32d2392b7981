package contact

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/ivr"
)

// fakeLive is the conditions source of the tests: agents available for
// chat and the expected voice wait are set by the test; submitted items
// are kept as the queued work items.
type fakeLive struct {
	mu         sync.Mutex // guards the following fields
	chatAgents int
	wait       time.Duration
	items      []ivr.Item
}

func (l *fakeLive) set(chatAgents int, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.chatAgents, l.wait = chatAgents, wait
}

func (l *fakeLive) AgentsAvailable(_ context.Context, _, channel string) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if channel == "chat" {
		return l.chatAgents, nil
	}
	return 0, nil
}

func (l *fakeLive) ExpectedWait(context.Context, string, string) (time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.wait, nil
}

func (l *fakeLive) KnownCaller(context.Context, string) (bool, error) { return false, nil }

func (l *fakeLive) Submit(_ context.Context, it ivr.Item) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = append(l.items, it)
	return fmt.Sprint(len(l.items)), nil
}

func (l *fakeLive) queued() []ivr.Item {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]ivr.Item(nil), l.items...)
}

type funnel struct {
	mu     sync.Mutex // guards events
	events []ivr.Event
}

func (f *funnel) Record(_ context.Context, e ivr.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, e)
	return nil
}

func (f *funnel) count(node string, step ivr.Step, choice string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := 0
	for _, e := range f.events {
		if e.Node == node && e.Step == step && e.Choice == choice && e.Face == ivr.Web {
			k++
		}
	}
	return k
}

// codes issues 482101, 482102 and so on, each valid for 30 minutes,
// keeps what it was asked, and tells a code pending until the test
// redeems it.
type codes struct {
	mu       sync.Mutex // guards the following fields
	asked    []ivr.Context
	redeemed map[string]bool
}

func (c *codes) Issue(_ context.Context, _ string, wc ivr.Context) (string, time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = append(c.asked, wc)
	return fmt.Sprint(482100 + len(c.asked)), time.Now().Add(30 * time.Minute), nil
}

func (c *codes) Pending(_ context.Context, code string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.redeemed[code], nil
}

// redeem marks code as dialled.
func (c *codes) redeem(code string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.redeemed == nil {
		c.redeemed = map[string]bool{}
	}
	c.redeemed[code] = true
}

func (c *codes) issued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.asked)
}

type openCalendar bool

func (c openCalendar) OpenAt(string, time.Time) (bool, error) { return bool(c), nil }

// demoFlow is the demo flow of the tests: billing has a self-service link
// before its queue; support is behind office hours.
func demoFlow() *ivr.Flow {
	return &ivr.Flow{Name: "main", Phone: "+33 1 23 45 67 89", Start: "welcome", Nodes: map[string]*ivr.Node{
		"welcome": {ID: "welcome", Type: ivr.Menu, Prompt: "welcome", Title: "How can we help?",
			Options: []ivr.Option{{Digit: "1", Label: "Billing", Next: "faq"}, {Digit: "2", Label: "Technical support <b>now</b>", Next: "hours"}}},
		"faq":     {ID: "faq", Type: ivr.Link, Prompt: "faq", Title: "Billing FAQ", URL: "https://example.com/faq", Next: "billing"},
		"billing": {ID: "billing", Type: ivr.Queue, Queue: "billing", Intent: "billing"},
		"hours":   {ID: "hours", Type: ivr.Hours, Calendar: "office", Open: "support", Closed: "after"},
		"support": {ID: "support", Type: ivr.Queue, Queue: "support", Intent: "technical support"},
		"after":   {ID: "after", Type: ivr.Callback, Queue: "support", Intent: "technical support", Title: "We are closed"},
	}}
}

func newTestHandler(live *fakeLive, fn *funnel, open bool) *Handler {
	h, err := New(Config{
		Flows:   Flows{"main": demoFlow()},
		Env:     ivr.Env{Live: live, Calendars: openCalendar(open)},
		Funnel:  fn,
		Codes:   &codes{},
		ChatURL: func(q string) string { return "/chat/?queue=" + q },
	})
	if err != nil {
		panic(err)
	}
	return h
}
