package acd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/acd/route"
	"github.com/switchboard-cc/switchboard/acd/stats"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/events"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// Config wires a Distributor. Zero fields take the defaults.
type Config struct {
	// Store persists durable items, the event log and presence; nil keeps
	// everything in memory (unit tests).
	Store *store.Store
	// Bus receives "queue" and "agent" events when the live state changes.
	Bus    *events.Bus
	Logger *slog.Logger
	Clock  Clock
	// Sizes overrides the capacity an item of each channel takes.
	Sizes map[Channel]int
	// DeclineBackoff keeps an agent who declined from new offers for a
	// moment, so that the item goes to someone else (default 5 s).
	DeclineBackoff time.Duration
	// ShortAbandon is the wait under which an abandon is counted apart
	// (default 5 s).
	ShortAbandon time.Duration
	// Location is the time zone of "today" and of the 15-minute intervals
	// (default UTC).
	Location *time.Location
	// Observe, when set, sees every event as it is logged, under the
	// distributor's lock (tests check invariants with it).
	Observe func(stats.Event)
}

// Item states.
type state int

const (
	waiting state = iota
	offered
	held
)

func (s state) String() string { return [...]string{"waiting", "offered", "held"}[s] }

// entry is a live work item.
type entry struct {
	it     Item
	state  state
	agents []string // offered to, or the one holding it
	cancel context.CancelFunc
	timer  Timer
	offer  uint64    // the current offer's number, to ignore stale timers
	since  time.Time // in the current state
	// entered is when the item entered its current queue (its wait there
	// counts from it).
	entered time.Time
}

// agent is a configured agent's live state.
type agent struct {
	cfg       config.Agent
	p         Presence
	notBefore time.Time // wrap-up or decline backoff
	wake      Timer
	items     map[string]bool // offered to or held by the agent
}

// Distributor is the ACD: it owns queues, agents and live items, and
// offers items to agents through each channel's Handler. Methods are safe
// for concurrent use; handlers are called without the lock held.
type Distributor struct {
	cfg   Config
	log   *slog.Logger
	clock Clock

	mu       sync.Mutex
	r        *route.Router
	queues   map[string]*queue
	agents   map[string]*agent
	items    map[string]*entry
	handlers map[Channel]Handler
	today    map[string]*tally // per queue, today
	day      time.Time
	handle   map[string]time.Duration // per queue, smoothed handle time
	offers   uint64
	evSeq    int64 // the last event's number in this process
	pending  pending
	dirty    bool // live state changed since the last publication
	rev      int64
}

// outbox is what a locked section hands to the channels once unlocked.
type outbox struct {
	offers    []sentOffer
	redirects []redirect
}

type sentOffer struct {
	h   Handler
	ctx context.Context
	o   Offer
}

type redirect struct {
	h    Redirector
	it   Item
	flow string
}

// New returns a Distributor with no queues or agents; Load reads them from
// the store, or SetConfig sets them.
func New(cfg Config) *Distributor {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = wallClock{}
	}
	if cfg.DeclineBackoff == 0 {
		cfg.DeclineBackoff = 5 * time.Second
	}
	if cfg.ShortAbandon == 0 {
		cfg.ShortAbandon = 5 * time.Second
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	d := &Distributor{cfg: cfg, log: cfg.Logger.With("component", "acd"), clock: cfg.Clock,
		r: route.New(cfg.Sizes), queues: map[string]*queue{}, agents: map[string]*agent{},
		items: map[string]*entry{}, handlers: map[Channel]Handler{}, handle: map[string]time.Duration{}}
	d.resetDay(d.clock.Now())
	return d
}

// Handle sets the handler of a channel's offers. Items of a channel
// without a handler wait and are never offered.
func (d *Distributor) Handle(c Channel, h Handler) {
	d.mu.Lock()
	d.handlers[c] = h
	var out outbox
	d.routeAll(d.clock.Now(), &out)
	d.mu.Unlock()
	d.deliver(out)
}

// SetConfig replaces the queues and agents. Live items and presence are
// kept; items of a queue that disappeared wait until it comes back.
func (d *Distributor) SetConfig(qs []config.Queue, as []config.Agent) {
	d.mu.Lock()
	now := d.clock.Now()
	d.queues = map[string]*queue{}
	for _, c := range qs {
		q := newQueue(c)
		d.queues[c.Name] = q
		d.r.SetQueue(q.route())
	}
	seen := map[string]bool{}
	for _, c := range as {
		seen[c.Name] = true
		a := d.agents[c.Name]
		if a == nil {
			a = &agent{p: Presence{State: Offline, Since: now}, items: map[string]bool{}}
			d.agents[c.Name] = a
		}
		a.cfg = c
		d.syncAgent(c.Name, now)
	}
	for name, a := range d.agents {
		if !seen[name] {
			a.cfg = config.Agent{Name: name, Channels: []string{}}
			a.p = Presence{State: Offline, Since: now}
			d.syncAgent(name, now)
		}
	}
	d.dirty = true
	var out outbox
	d.routeAll(now, &out)
	d.mu.Unlock()
	d.deliver(out)
}

// newID returns a random item id.
func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Enqueue adds a work item to its queue and returns its id. Items of
// durable channels are committed to the store first. Enqueueing an id
// that is already live does nothing (handlers may retry). A full queue
// without overflow refuses the item with ErrQueueFull.
func (d *Distributor) Enqueue(ctx context.Context, it Item) (string, error) {
	if !slices.Contains([]Channel{Voice, Chat, Email, Callback}, it.Channel) {
		return "", fmt.Errorf("acd: enqueue: unknown channel %q", it.Channel)
	}
	if it.ID == "" {
		it.ID = newID()
	}
	it = it.clone()
	d.mu.Lock()
	now := d.clock.Now()
	q := d.queues[it.Queue]
	_, dup := d.items[it.ID]
	d.mu.Unlock()
	if q == nil {
		return "", fmt.Errorf("acd: enqueue %s: %w %q", it.ID, ErrNoQueue, it.Queue)
	}
	if dup {
		return it.ID, nil
	}
	if it.Arrived.IsZero() {
		it.Arrived = now
	}
	if it.Priority == 0 {
		it.Priority = q.Priority
	}
	if Durable(it.Channel) && d.cfg.Store != nil {
		if err := d.cfg.Store.PutACDItem(ctx, storeItem(it, waiting, "")); err != nil {
			return "", fmt.Errorf("acd: enqueue %s: %w", it.ID, err)
		}
	}
	d.mu.Lock()
	var out outbox
	err := d.enter(it, now, &out)
	d.mu.Unlock()
	if err != nil && Durable(it.Channel) && d.cfg.Store != nil {
		if derr := d.cfg.Store.DeleteACDItem(ctx, it.ID); derr != nil {
			d.log.Warn("refused item left in the store", "item", it.ID, "err", derr)
		}
	}
	d.deliver(out)
	return it.ID, err
}

// enter puts an item into its queue, overflowing it when the queue is
// full or unstaffed.
func (d *Distributor) enter(it Item, now time.Time, out *outbox) error {
	q := d.queues[it.Queue]
	if q == nil {
		return fmt.Errorf("acd: enqueue %s: %w %q", it.ID, ErrNoQueue, it.Queue)
	}
	if _, dup := d.items[it.ID]; dup {
		return nil
	}
	full := q.MaxLength > 0 && d.r.Waiting(q.Name) >= q.MaxLength
	unstaffed := q.Overflow != nil && q.Overflow.WhenEmpty && !d.staffed(q)
	if full && q.Overflow == nil {
		return fmt.Errorf("acd: enqueue %s: %w: %s holds %d items", it.ID, ErrQueueFull, q.Name, q.MaxLength)
	}
	e := &entry{it: it, since: now, entered: now}
	d.items[it.ID] = e
	d.logEvent(stats.Entered, e, now, "", "")
	d.r.Enqueue(d.routeItem(e))
	d.dirty = true
	if full || unstaffed {
		return d.overflow(e, q, now, out)
	}
	d.offerItem(e, now, out)
	return nil
}

// staffed reports whether some member of q is logged in.
func (d *Distributor) staffed(q *queue) bool {
	for _, m := range q.Members {
		if a := d.agents[m]; a != nil && a.p.loggedIn() {
			return true
		}
	}
	return false
}

// routeItem is the item as the router sees it.
func (d *Distributor) routeItem(e *entry) route.Item {
	return route.Item{ID: e.it.ID, Channel: e.it.Channel, Queue: e.it.Queue, Priority: e.it.Priority,
		Arrived: e.it.Arrived, Skills: e.it.Skills, Size: e.it.Size}
}

// offerItem offers a waiting item to the queue's choice of agents, if any.
func (d *Distributor) offerItem(e *entry, now time.Time, out *outbox) {
	if e.state != waiting || d.handlers[e.it.Channel] == nil {
		return
	}
	agents := d.r.ForItem(e.it.ID, now)
	if p := e.it.Prefer; p != "" && d.r.Eligible(e.it.ID, p) {
		agents = []string{p}
	}
	if len(agents) > 0 {
		d.r.Assign(e.it.ID, agents)
		d.offer(e, agents, now, out)
	}
}

// offerAgent offers waiting items to an agent while the agent has room.
func (d *Distributor) offerAgent(name string, now time.Time, out *outbox) {
	for range len(d.items) + 1 {
		id, ok := d.r.ForAgent(name, now)
		if !ok {
			return
		}
		e := d.items[id]
		if d.handlers[e.it.Channel] == nil {
			return
		}
		agents := d.r.ForItem(id, now)
		d.r.Assign(id, agents)
		d.offer(e, agents, now, out)
	}
}

// routeAll runs a full routing pass.
func (d *Distributor) routeAll(now time.Time, out *outbox) {
	for _, as := range d.r.Decide(now) {
		e := d.items[as.Item]
		if d.handlers[e.it.Channel] == nil {
			d.r.Enqueue(d.routeItem(e))
			for _, a := range as.Agents {
				d.release(a, e, now, true)
			}
			continue
		}
		d.offer(e, as.Agents, now, out)
	}
}

// offer records an offer the router assigned and queues it for delivery.
func (d *Distributor) offer(e *entry, agents []string, now time.Time, out *outbox) {
	q := d.queues[e.it.Queue]
	d.offers++
	n := d.offers
	ctx, cancel := context.WithCancel(context.Background())
	e.state, e.agents, e.cancel, e.offer, e.since = offered, agents, cancel, n, now
	id := e.it.ID
	e.timer = d.clock.AfterFunc(q.ring, func() { d.ringTimeout(id, n) })
	o := Offer{Item: e.it.clone(), Timeout: q.ring}
	for _, name := range agents {
		a := d.agents[name]
		a.items[id] = true
		o.Agents = append(o.Agents, OfferedAgent{Name: name, Extension: a.cfg.Extension})
		d.logEvent(stats.Offered, e, now, name, "")
	}
	d.dirty = true
	out.offers = append(out.offers, sentOffer{h: d.handlers[e.it.Channel], ctx: ctx, o: o})
}

// endOffer withdraws the current offer of e (its timer and context).
func (d *Distributor) endOffer(e *entry) {
	if e.timer != nil {
		e.timer.Stop()
		e.timer = nil
	}
	if e.cancel != nil {
		e.cancel()
		e.cancel = nil
	}
}

// release gives an agent back the capacity e took. keepIdle keeps the
// agent's idle time (an offer that did not turn into work).
func (d *Distributor) release(name string, e *entry, now time.Time, keepIdle bool) {
	before, _ := d.r.Agent(name)
	d.r.Release(name, e.it.Channel, e.it.Size, now)
	if keepIdle {
		after, _ := d.r.Agent(name)
		after.IdleSince = before.IdleSince
		d.r.SetAgent(after)
	}
	if a := d.agents[name]; a != nil {
		delete(a.items, e.it.ID)
	}
}

// requeue puts an item whose offer ended back in its place.
func (d *Distributor) requeue(e *entry, now time.Time) {
	d.endOffer(e)
	e.state, e.agents, e.since = waiting, nil, now
	d.r.Enqueue(d.routeItem(e))
	d.dirty = true
}

// ringTimeout handles an offer nobody accepted in time: the item returns
// to its place and the agents rung are made away (ring no answer).
func (d *Distributor) ringTimeout(id string, n uint64) {
	d.mu.Lock()
	e := d.items[id]
	if e == nil || e.state != offered || e.offer != n {
		d.mu.Unlock()
		return
	}
	now := d.clock.Now()
	agents := e.agents
	for _, name := range agents {
		d.logEvent(stats.NoAnswer, e, now, name, "")
		d.release(name, e, now, true)
	}
	d.requeue(e, now)
	var out outbox
	for _, name := range agents {
		d.log.Info("ring no answer: agent set away", "agent", name, "item", id, "queue", e.it.Queue)
		d.setPresence(name, Presence{State: Away, Reason: ReasonNoAnswer, Since: now}, now, &out)
	}
	d.offerItem(e, now, &out)
	d.mu.Unlock()
	d.deliver(out)
}

// Accept gives the item to an agent it was offered to. It fails with
// ErrNotOffered when the offer no longer stands (timed out, the customer
// left, another agent was faster): the handler then drops its leg.
func (d *Distributor) Accept(ctx context.Context, id, agentName string) error {
	d.mu.Lock()
	e := d.items[id]
	if e == nil || e.state != offered || !slices.Contains(e.agents, agentName) {
		d.mu.Unlock()
		return fmt.Errorf("acd: accept %s by %s: %w", id, agentName, ErrNotOffered)
	}
	now := d.clock.Now()
	d.endOffer(e)
	rung := e.agents
	for _, other := range rung {
		if other != agentName {
			d.release(other, e, now, true)
		}
	}
	e.state, e.agents, e.since = held, []string{agentName}, now
	d.logEvent(stats.Accepted, e, now, agentName, "")
	d.persist(e)
	d.dirty = true
	var out outbox
	// The agent may have room for more (chats), and the others rung for a
	// ring-all call are free again.
	for _, name := range rung {
		d.offerAgent(name, now, &out)
	}
	d.mu.Unlock()
	d.deliver(out)
	return nil
}

// Decline records that an agent refused an offer (a busy phone, a click on
// decline). The agent is left alone for the decline backoff; the item
// returns to its place when nobody else is still being offered it.
func (d *Distributor) Decline(ctx context.Context, id, agentName, reason string) error {
	d.mu.Lock()
	e := d.items[id]
	if e == nil || e.state != offered || !slices.Contains(e.agents, agentName) {
		d.mu.Unlock()
		return fmt.Errorf("acd: decline %s by %s: %w", id, agentName, ErrNotOffered)
	}
	now := d.clock.Now()
	d.logEvent(stats.Declined, e, now, agentName, reason)
	d.release(agentName, e, now, true)
	e.agents = slices.DeleteFunc(slices.Clone(e.agents), func(s string) bool { return s == agentName })
	d.holdOff(agentName, now.Add(d.cfg.DeclineBackoff), now)
	var out outbox
	if len(e.agents) == 0 {
		d.requeue(e, now)
		d.offerItem(e, now, &out)
	}
	d.mu.Unlock()
	d.deliver(out)
	return nil
}

// holdOff keeps an agent from new offers until t (wrap-up, decline).
func (d *Distributor) holdOff(name string, t, now time.Time) {
	a := d.agents[name]
	if a == nil {
		return
	}
	if t.After(a.notBefore) {
		a.notBefore = t
	}
	if a.wake != nil {
		a.wake.Stop()
	}
	a.wake = d.clock.AfterFunc(a.notBefore.Sub(now), func() { d.wakeAgent(name) })
	d.syncAgent(name, now)
	d.dirty = true
}

// wakeAgent ends an agent's wrap-up or backoff and offers work.
func (d *Distributor) wakeAgent(name string) {
	d.mu.Lock()
	now := d.clock.Now()
	var out outbox
	if a := d.agents[name]; a != nil && !now.Before(a.notBefore) {
		a.wake = nil
		d.syncAgent(name, now)
		d.dirty = true
		d.offerAgent(name, now, &out)
	}
	d.mu.Unlock()
	d.deliver(out)
}

// Complete ends an item the agent finished; the agent enters the queue's
// wrap-up. An item still waiting or ringing ends as abandoned.
func (d *Distributor) Complete(ctx context.Context, id string) error {
	return d.end(id, false)
}

// Abandon ends an item whose customer left (hung up, closed the chat).
// A held item ends as completed.
func (d *Distributor) Abandon(ctx context.Context, id string) error {
	return d.end(id, true)
}

func (d *Distributor) end(id string, abandon bool) error {
	d.mu.Lock()
	e := d.items[id]
	if e == nil {
		d.mu.Unlock()
		return fmt.Errorf("acd: end %s: %w", id, ErrNoItem)
	}
	now := d.clock.Now()
	var out outbox
	d.finish(e, now, &out)
	d.mu.Unlock()
	d.deliver(out)
	return nil
}

// finish ends e: completed when held, abandoned otherwise.
func (d *Distributor) finish(e *entry, now time.Time, out *outbox) {
	switch e.state {
	case held:
		name := e.agents[0]
		d.logEvent(stats.Completed, e, now, name, "")
		d.learnHandle(e, now)
		d.release(name, e, now, false)
		d.wrapUp(name, e, now, out)
	case offered:
		for _, name := range e.agents {
			d.release(name, e, now, true)
		}
		d.endOffer(e)
		d.logEvent(stats.Abandoned, e, now, "", "")
		for _, name := range e.agents {
			d.offerAgent(name, now, out)
		}
	case waiting:
		d.r.Remove(e.it.ID)
		d.logEvent(stats.Abandoned, e, now, "", "")
	}
	d.forget(e)
}

// wrapUp starts the queue's wrap-up for an agent who finished e, or offers
// the agent new work at once.
func (d *Distributor) wrapUp(name string, e *entry, now time.Time, out *outbox) {
	w := DefaultWrapUp
	if q := d.queues[e.it.Queue]; q != nil {
		w = q.wrapUp
	}
	if w > 0 {
		d.holdOff(name, now.Add(w), now)
		return
	}
	d.offerAgent(name, now, out)
}

// forget drops a finished item, from the store too.
func (d *Distributor) forget(e *entry) {
	delete(d.items, e.it.ID)
	d.dirty = true
	if Durable(e.it.Channel) {
		d.pending.deletes = append(d.pending.deletes, e.it.ID)
	}
}

// Transfer moves an item to another queue (an agent's transfer, or an
// item waiting in the wrong place). It keeps its arrival time, so it is
// served ahead of newer items there. A held item frees its agent.
func (d *Distributor) Transfer(ctx context.Context, id, queueName string) error {
	return d.TransferTo(ctx, id, queueName, "")
}

// TransferTo is Transfer to an agent of queueName: the item is offered to
// agent first whenever that agent can take it, else to the queue ("" for
// a plain Transfer).
func (d *Distributor) TransferTo(ctx context.Context, id, queueName, agent string) error {
	d.mu.Lock()
	e := d.items[id]
	if e == nil {
		d.mu.Unlock()
		return fmt.Errorf("acd: transfer %s: %w", id, ErrNoItem)
	}
	if d.queues[queueName] == nil {
		d.mu.Unlock()
		return fmt.Errorf("acd: transfer %s: %w %q", id, ErrNoQueue, queueName)
	}
	if agent != "" && d.agents[agent] == nil {
		d.mu.Unlock()
		return fmt.Errorf("acd: transfer %s: %w %q", id, ErrNoAgent, agent)
	}
	now := d.clock.Now()
	var out outbox
	d.leave(e, now, &out)
	e.it.Prefer = agent
	d.logEvent(stats.Transferred, e, now, "", queueName)
	d.move(e, queueName, now, &out)
	d.mu.Unlock()
	d.deliver(out)
	return nil
}

// leave takes e out of its queue or away from its agents.
func (d *Distributor) leave(e *entry, now time.Time, out *outbox) {
	switch e.state {
	case waiting:
		d.r.Remove(e.it.ID)
	case offered:
		for _, name := range e.agents {
			d.release(name, e, now, true)
		}
		d.endOffer(e)
	case held:
		name := e.agents[0]
		d.release(name, e, now, false)
		d.wrapUp(name, e, now, out)
	}
	e.state, e.agents = waiting, nil
}

// move enters e into another queue, keeping its arrival.
func (d *Distributor) move(e *entry, queueName string, now time.Time, out *outbox) {
	e.it.Queue = queueName
	e.since, e.entered = now, now
	d.logEvent(stats.Entered, e, now, "", "")
	d.r.Enqueue(d.routeItem(e))
	d.persist(e)
	d.dirty = true
	d.offerItem(e, now, out)
}

// overflow sends a waiting item to its queue's overflow target.
func (d *Distributor) overflow(e *entry, q *queue, now time.Time, out *outbox) error {
	kind, name := q.overflowTo()
	d.r.Remove(e.it.ID)
	d.logEvent(stats.Overflowed, e, now, "", q.Overflow.To)
	switch kind {
	case "queue":
		if d.queues[name] == nil {
			d.log.Warn("overflow target missing, item stays", "queue", q.Name, "to", q.Overflow.To)
			e.it.Queue = q.Name
			d.logEvent(stats.Entered, e, now, "", "")
			d.r.Enqueue(d.routeItem(e))
			return nil
		}
		d.move(e, name, now, out)
	default:
		rd, ok := d.handlers[e.it.Channel].(Redirector)
		if !ok {
			d.log.Warn("overflow to a flow needs a channel that can run flows; item stays", "queue", q.Name, "channel", e.it.Channel)
			d.logEvent(stats.Entered, e, now, "", "")
			d.r.Enqueue(d.routeItem(e))
			return nil
		}
		d.forget(e)
		out.redirects = append(out.redirects, redirect{h: rd, it: e.it.clone(), flow: name})
	}
	return nil
}

// persist records a durable item's queue and state change (write-behind:
// the item itself was committed at Enqueue).
func (d *Distributor) persist(e *entry) {
	if !Durable(e.it.Channel) {
		return
	}
	agent := ""
	if e.state == held {
		agent = e.agents[0]
	}
	st := e.state
	if st == offered {
		st = waiting
	}
	d.pending.items = append(d.pending.items, storeItem(e.it, st, agent))
}

func storeItem(it Item, s state, agent string) store.ACDItem {
	return store.ACDItem{ID: it.ID, Channel: string(it.Channel), Queue: it.Queue, Priority: it.Priority, Arrived: it.Arrived,
		Skills: nonNilMap(it.Skills), Size: it.Size, Customer: it.Customer, Context: nonNilMap(it.Context), State: s.String(), Agent: agent,
		Prefer: it.Prefer}
}

func nonNilMap[V any](m map[string]V) map[string]V {
	if m == nil {
		return map[string]V{}
	}
	return m
}

// learnHandle updates the queue's smoothed handle time.
func (d *Distributor) learnHandle(e *entry, now time.Time) {
	h := now.Sub(e.since)
	prev, ok := d.handle[e.it.Queue]
	if !ok {
		d.handle[e.it.Queue] = h
		return
	}
	d.handle[e.it.Queue] = (prev*4 + h) / 5
}

// deliver hands offers and redirects to the channels, unlocked.
func (d *Distributor) deliver(out outbox) {
	for _, s := range out.offers {
		s.h.Offer(s.ctx, s.o)
	}
	for _, r := range out.redirects {
		r.h.Redirect(r.it, r.flow)
	}
}

// SetPresence changes an agent's presence (from the phone's feature codes,
// the CLI or the web console).
func (d *Distributor) SetPresence(ctx context.Context, name string, p Presence) error {
	if err := p.validate(); err != nil {
		return fmt.Errorf("acd: presence of %s: %w", name, err)
	}
	d.mu.Lock()
	if d.agents[name] == nil {
		d.mu.Unlock()
		return fmt.Errorf("acd: presence: %w %q", ErrNoAgent, name)
	}
	now := d.clock.Now()
	p.Since = now
	var out outbox
	d.setPresence(name, p, now, &out)
	d.mu.Unlock()
	d.deliver(out)
	return nil
}

func (d *Distributor) setPresence(name string, p Presence, now time.Time, out *outbox) {
	a := d.agents[name]
	if a == nil {
		return
	}
	a.p = p
	d.pending.presence = append(d.pending.presence, store.ACDPresence{Agent: name, Presence: p.State,
		Channels: channelStrings(p.Channels), Reason: p.Reason, Since: p.Since})
	d.syncAgent(name, now)
	d.dirty = true
	if p.State == Available {
		d.offerAgent(name, now, out)
	}
}

func channelStrings(cs []Channel) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, string(c))
	}
	return out
}

// syncAgent gives the router the agent's availability per channel.
func (d *Distributor) syncAgent(name string, now time.Time) {
	a := d.agents[name]
	ra, ok := d.r.Agent(name)
	if !ok {
		ra = route.Agent{ID: name, IdleSince: now}
	}
	ra.Capacity = a.cfg.Capacity
	ra.Skills = a.cfg.Skills
	ra.MultitaskInVoice = a.cfg.MultitaskInCall == nil || *a.cfg.MultitaskInCall
	ra.Available = map[Channel]bool{}
	if a.p.State == Available && !now.Before(a.notBefore) {
		for _, c := range []Channel{Voice, Chat, Email, Callback} {
			serves := a.cfg.Channels == nil || slices.Contains(a.cfg.Channels, string(c))
			wants := len(a.p.Channels) == 0 || slices.Contains(a.p.Channels, c)
			if serves && wants {
				ra.Available[c] = true
			}
		}
	}
	d.r.SetAgent(ra)
}

// AgentByExtension returns the agent whose desk phone is ext.
func (d *Distributor) AgentByExtension(ext string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for name, a := range d.agents {
		if ext != "" && a.cfg.Extension == ext {
			return name, true
		}
	}
	return "", false
}

// logEvent appends an event to the log (write-behind), today's figures
// and the observer.
func (d *Distributor) logEvent(k stats.Kind, e *entry, now time.Time, agentName, target string) {
	if !sameDay(now.In(d.cfg.Location), d.day) {
		d.resetDay(now)
	}
	d.evSeq++
	ev := stats.Event{Seq: d.evSeq, At: now, Kind: k, Item: e.it.ID, Channel: string(e.it.Channel), Queue: e.it.Queue, Agent: agentName, Target: target}
	d.count(k, e, now)
	if d.cfg.Observe != nil {
		d.cfg.Observe(ev)
	}
	d.pending.events = append(d.pending.events, store.ACDEvent{At: now, Kind: string(k), Item: ev.Item, Channel: ev.Channel,
		Queue: ev.Queue, Agent: agentName, Target: target})
}

func sameDay(a, b time.Time) bool {
	ya, ma, da := a.Date()
	yb, mb, db := b.Date()
	return ya == yb && ma == mb && da == db
}

// resetDay starts today's figures afresh.
func (d *Distributor) resetDay(now time.Time) {
	d.day = now.In(d.cfg.Location)
	d.today = map[string]*tally{}
}

// QueueNames returns the configured queues, sorted.
func (d *Distributor) QueueNames() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Sorted(maps.Keys(d.queues))
}

// ToCallback turns a waiting call into a callback request that keeps its
// place: the caller hangs up, and the request (durable, committed before
// this returns) is offered to an agent when its turn comes. ctx adds to
// the item's context (the number to call back).
func (d *Distributor) ToCallback(ctx context.Context, id string, extra map[string]string) error {
	d.mu.Lock()
	e := d.items[id]
	if e == nil || e.state != waiting || e.it.Channel != Voice {
		d.mu.Unlock()
		return fmt.Errorf("acd: callback for %s: %w", id, ErrNoItem)
	}
	it := e.it.clone()
	d.mu.Unlock()
	it.Channel = Callback
	if it.Context == nil {
		it.Context = map[string]string{}
	}
	maps.Copy(it.Context, extra)
	if d.cfg.Store != nil {
		if err := d.cfg.Store.PutACDItem(ctx, storeItem(it, waiting, "")); err != nil {
			return fmt.Errorf("acd: callback for %s: %w", id, err)
		}
	}
	d.mu.Lock()
	e = d.items[id]
	if e == nil || e.state != waiting {
		if d.cfg.Store != nil {
			d.pending.deletes = append(d.pending.deletes, id)
		}
		d.mu.Unlock()
		return fmt.Errorf("acd: callback for %s: %w", id, ErrNoItem)
	}
	now := d.clock.Now()
	d.r.Remove(id)
	d.logEvent(stats.Transferred, e, now, "", "callback")
	e.it = it
	e.since, e.entered = now, now
	d.logEvent(stats.Entered, e, now, "", "")
	d.r.Enqueue(d.routeItem(e))
	d.dirty = true
	var out outbox
	d.offerItem(e, now, &out)
	d.mu.Unlock()
	d.deliver(out)
	return nil
}
