package acd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// pending is what the write-behind flush stores: the event log, presence
// and the state changes of durable items. New durable items are not here:
// Enqueue commits them before it returns.
type pending struct {
	events   []store.ACDEvent
	presence []store.ACDPresence
	items    []store.ACDItem
	deletes  []string
}

// How often Run does each of its chores.
const (
	flushEvery = 200 * time.Millisecond
	pollEvery  = time.Second
	checkEvery = 10 * time.Second
	offerGrace = 5 * time.Second
)

// Load reads queues, agents, presence and the durable items from the
// store. Items come back in their order; an item that was offered waits
// again; a callback that was being called back waits again (the call died
// with the process); a held chat or email stays with its agent.
func (d *Distributor) Load(ctx context.Context) error {
	st := d.cfg.Store
	if st == nil {
		return errors.New("acd: load: no store")
	}
	// The revision is read first: a change made while the configuration
	// loads is then seen as newer, and loaded again.
	rev, err := st.ConfigRev(ctx)
	if err != nil {
		return fmt.Errorf("acd: load: %w", err)
	}
	qs, as, err := config.LoadACD(ctx, st)
	if err != nil {
		return fmt.Errorf("acd: load: %w", err)
	}
	d.rev = rev
	d.SetConfig(qs, as)
	ps, err := st.ACDPresences(ctx)
	if err != nil {
		return fmt.Errorf("acd: load: %w", err)
	}
	items, err := st.ACDItems(ctx)
	if err != nil {
		return fmt.Errorf("acd: load: %w", err)
	}
	d.mu.Lock()
	now := d.clock.Now()
	for _, p := range ps {
		a := d.agents[p.Agent]
		if a == nil {
			continue
		}
		a.p = Presence{State: p.Presence, Reason: p.Reason, Since: p.Since}
		for _, c := range p.Channels {
			a.p.Channels = append(a.p.Channels, Channel(c))
		}
		d.syncAgent(p.Agent, now)
	}
	reloaded := 0
	for _, r := range items {
		it := Item{ID: r.ID, Channel: Channel(r.Channel), Queue: r.Queue, Priority: r.Priority, Arrived: r.Arrived,
			Skills: r.Skills, Size: r.Size, Customer: r.Customer, Context: r.Context, Prefer: r.Prefer}
		if d.queues[it.Queue] == nil {
			d.log.Warn("reloaded item's queue is gone; it waits until the queue is configured again", "item", it.ID, "queue", it.Queue)
		}
		e := &entry{it: it, since: now, entered: it.Arrived}
		d.items[it.ID] = e
		reloaded++
		if a := d.agents[r.Agent]; r.State == held.String() && a != nil && it.Channel != Callback {
			d.r.Enqueue(d.routeItem(e))
			d.r.Assign(it.ID, []string{r.Agent})
			e.state, e.agents = held, []string{r.Agent}
			a.items[it.ID] = true
			continue
		}
		d.r.Enqueue(d.routeItem(e))
	}
	d.dirty = true
	var out outbox
	d.routeAll(now, &out)
	d.mu.Unlock()
	d.deliver(out)
	if reloaded > 0 {
		d.log.Info("work items reloaded", "items", reloaded)
	}
	return nil
}

// Run does the distributor's periodic work until ctx is done: it writes
// the event log and state changes, applies presence requests from the CLI
// and configuration changes, overflows items that waited too long, runs
// the self-check and publishes the live state. It flushes once more
// before returning.
func (d *Distributor) Run(ctx context.Context) error {
	flush := time.NewTicker(flushEvery)
	defer flush.Stop()
	poll := time.NewTicker(pollEvery)
	defer poll.Stop()
	check := time.NewTicker(checkEvery)
	defer check.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			return d.Flush(fctx)
		case <-flush.C:
			if err := d.Flush(ctx); err != nil && ctx.Err() == nil {
				d.log.Error("writing the distributor's log failed", "err", err)
			}
			d.publish(ctx)
		case <-poll.C:
			d.poll(ctx)
			d.Tick()
		case <-check.C:
			d.SelfCheck()
		}
	}
}

// Flush writes what is pending to the store.
func (d *Distributor) Flush(ctx context.Context) error {
	d.mu.Lock()
	p := d.pending
	d.pending = pending{}
	d.mu.Unlock()
	st := d.cfg.Store
	if st == nil {
		return nil
	}
	var errs []error
	if len(p.events) > 0 {
		if _, err := st.AppendACDEvents(ctx, p.events); err != nil {
			errs = append(errs, err)
		}
	}
	for _, pr := range p.presence {
		if err := st.PutACDPresence(ctx, pr); err != nil {
			errs = append(errs, err)
		}
	}
	deleted := map[string]bool{}
	for _, id := range p.deletes {
		deleted[id] = true
	}
	for _, it := range p.items {
		if deleted[it.ID] {
			continue
		}
		if err := st.PutACDItem(ctx, it); err != nil {
			errs = append(errs, err)
		}
	}
	for _, id := range p.deletes {
		if err := st.DeleteACDItem(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// poll applies presence requests queued by the CLI and reloads queues and
// agents when the configuration changed.
func (d *Distributor) poll(ctx context.Context) {
	st := d.cfg.Store
	if st == nil {
		return
	}
	reqs, err := st.TakeACDRequests(ctx)
	if err != nil {
		d.log.Warn("reading presence requests failed", "err", err)
	}
	for _, r := range reqs {
		p := Presence{State: r.Presence, Reason: r.Reason}
		for _, c := range r.Channels {
			p.Channels = append(p.Channels, Channel(c))
		}
		if err := d.SetPresence(ctx, r.Agent, p); err != nil {
			d.log.Warn("presence request refused", "agent", r.Agent, "err", err)
		}
	}
	rev, err := st.ConfigRev(ctx)
	if err != nil || rev == d.rev {
		return
	}
	qs, as, err := config.LoadACD(ctx, st)
	if err != nil {
		d.log.Warn("reloading queues and agents failed", "err", err)
		return
	}
	d.rev = rev
	d.SetConfig(qs, as)
}

// Tick overflows items that waited past their queue's overflow time and
// runs a full routing pass (aging may have changed the order).
func (d *Distributor) Tick() {
	d.mu.Lock()
	now := d.clock.Now()
	var out outbox
	for _, e := range d.items {
		if e.state != waiting {
			continue
		}
		q := d.queues[e.it.Queue]
		if q == nil || q.Overflow == nil {
			continue
		}
		late := q.Overflow.After > 0 && now.Sub(e.entered) >= q.Overflow.After.Std()
		empty := q.Overflow.WhenEmpty && !d.staffed(q)
		if late || empty {
			if err := d.overflow(e, q, now, &out); err != nil {
				d.log.Warn("overflow failed", "item", e.it.ID, "err", err)
			}
		}
	}
	d.routeAll(now, &out)
	d.mu.Unlock()
	d.deliver(out)
}

// SelfCheck reconciles the live state: a held item whose channel reports
// it gone is completed, an offer past its ring timeout is withdrawn, and an
// agent's reserved capacity is recomputed from what the agent really holds.
// Every correction is logged.
func (d *Distributor) SelfCheck() {
	type probe struct {
		p  Prober
		id string
	}
	d.mu.Lock()
	var probes []probe
	for id, e := range d.items {
		if e.state == held {
			if p, ok := d.handlers[e.it.Channel].(Prober); ok {
				probes = append(probes, probe{p, id})
			}
		}
	}
	d.mu.Unlock()
	var gone []string
	for _, pr := range probes {
		if !pr.p.Alive(pr.id) {
			gone = append(gone, pr.id)
		}
	}
	d.mu.Lock()
	now := d.clock.Now()
	var out outbox
	for _, id := range gone {
		if e := d.items[id]; e != nil && e.state == held {
			d.log.Warn("self-check: held item has ended on its channel; completing it", "item", id, "agent", e.agents[0])
			d.finish(e, now, &out)
		}
	}
	var stale []*entry
	for _, e := range d.items {
		if q := d.queues[e.it.Queue]; e.state == offered && q != nil && now.Sub(e.since) > q.ring+offerGrace {
			stale = append(stale, e)
		}
	}
	for _, e := range stale {
		d.log.Warn("self-check: offer outlived its ring timeout; withdrawing it", "item", e.it.ID, "agents", e.agents)
		for _, name := range e.agents {
			d.release(name, e, now, true)
		}
		d.requeue(e, now)
	}
	d.reconcileCapacity(now)
	d.routeAll(now, &out)
	d.mu.Unlock()
	d.deliver(out)
}

// reconcileCapacity recomputes every agent's used capacity from the items
// offered to or held by the agent.
func (d *Distributor) reconcileCapacity(now time.Time) {
	for name, a := range d.agents {
		used, voice := 0, false
		for id := range a.items {
			e := d.items[id]
			if e == nil || !containsAgent(e, name) {
				d.log.Warn("self-check: agent held an item that had ended; released", "agent", name, "item", id)
				delete(a.items, id)
				continue
			}
			used += d.itemSize(e.it)
			voice = voice || e.it.Channel == Voice || e.it.Channel == Callback
		}
		ra, ok := d.r.Agent(name)
		if !ok {
			continue
		}
		if ra.Used != used || ra.Voice != voice {
			d.log.Warn("self-check: agent capacity corrected", "agent", name, "was", ra.Used, "now", used)
			ra.Used, ra.Voice = used, voice
			d.r.SetAgent(ra)
			d.dirty = true
		}
	}
}

func containsAgent(e *entry, name string) bool {
	for _, a := range e.agents {
		if a == name {
			return e.state != waiting
		}
	}
	return false
}

// itemSize is the capacity it takes.
func (d *Distributor) itemSize(it Item) int {
	if it.Size > 0 {
		return it.Size
	}
	return d.sizeOf(it.Channel)
}
