package route

import (
	"slices"
	"time"
)

// Router holds the routing state — queues, agents and waiting items —
// and makes decisions on it. It is not safe for concurrent use: the
// distributor owns it and calls it from one goroutine.
type Router struct {
	sizes   map[Channel]int
	queues  map[string]*Queue
	agents  map[string]*Agent
	waiting map[string][]*Item // per queue, in arrival order
	byID    map[string]*Item
}

// New returns an empty Router; sizes overrides DefaultSizes per channel.
func New(sizes map[Channel]int) *Router {
	s := map[Channel]int{}
	for c, n := range DefaultSizes {
		s[c] = n
	}
	for c, n := range sizes {
		s[c] = n
	}
	return &Router{sizes: s, queues: map[string]*Queue{}, agents: map[string]*Agent{},
		waiting: map[string][]*Item{}, byID: map[string]*Item{}}
}

// SetQueue adds or replaces a queue (its round-robin position is kept).
func (r *Router) SetQueue(q Queue) {
	if old, ok := r.queues[q.Name]; ok {
		q.last = old.last
	}
	q.need = needs(q.Skills)
	r.queues[q.Name] = &q
}

// SetAgent adds or replaces an agent's state.
func (r *Router) SetAgent(a Agent) { r.agents[a.ID] = &a }

// Agent returns an agent's state.
func (r *Router) Agent(id string) (Agent, bool) {
	a, ok := r.agents[id]
	if !ok {
		return Agent{}, false
	}
	return *a, true
}

// Enqueue adds a waiting item. An item put back after a refused offer
// keeps its arrival time and so its place.
func (r *Router) Enqueue(it Item) {
	if _, dup := r.byID[it.ID]; dup {
		return
	}
	p := &it
	p.need = needs(it.Skills)
	r.byID[it.ID] = p
	list := r.waiting[it.Queue]
	i, _ := slices.BinarySearchFunc(list, p, func(a, b *Item) int {
		if a.Arrived.Before(b.Arrived) || a.Arrived.Equal(b.Arrived) && a.ID < b.ID {
			return -1
		}
		return 1
	})
	r.waiting[it.Queue] = slices.Insert(list, i, p)
}

// Remove takes an item out of the waiting lists (answered elsewhere,
// abandoned, overflowed) and reports whether it was waiting.
func (r *Router) Remove(id string) bool {
	it, ok := r.byID[id]
	if !ok {
		return false
	}
	delete(r.byID, id)
	list := r.waiting[it.Queue]
	if i := slices.Index(list, it); i >= 0 {
		r.waiting[it.Queue] = slices.Delete(list, i, i+1)
	}
	return true
}

// Waiting returns how many items wait in a queue.
func (r *Router) Waiting(queue string) int { return len(r.waiting[queue]) }

// Position returns the 1-based place of an item among its queue's
// waiting items in routing order at now, or 0 when it is not waiting.
func (r *Router) Position(id string, now time.Time) int {
	it, ok := r.byID[id]
	if !ok {
		return 0
	}
	q := r.queues[it.Queue]
	pos := 1
	for _, other := range r.waiting[it.Queue] {
		if other != it && before(other, it, q, q, now) {
			pos++
		}
	}
	return pos
}

// ForItem picks the agents to offer one waiting item to, at now; none
// when nobody is eligible. The item stays waiting until Assign.
func (r *Router) ForItem(id string, now time.Time) []string {
	it, ok := r.byID[id]
	if !ok {
		return nil
	}
	q := r.queues[it.Queue]
	if q == nil {
		return nil
	}
	size := it.size(r.sizes)
	var best *Agent
	var all []string
	for agentID := range q.Members {
		a := r.agents[agentID]
		if a == nil || !eligible(a, it, q, size) {
			continue
		}
		if q.Strategy == RingAll && voiceLike(it.Channel) {
			all = append(all, a.ID)
		}
		if best == nil || better(q, a, best) {
			best = a
		}
	}
	if all != nil {
		slices.Sort(all)
		return all
	}
	if best == nil {
		return nil
	}
	return []string{best.ID}
}

// ForAgent picks the best waiting item for an agent who has free capacity
// (after an arrival, a hang-up or wrap-up), at now: the first item in
// routing order across the agent's queues that the agent may take and for
// which the agent is the queue's choice among the eligible agents (so a
// free agent of a lower penalty tier, or a longer-idle one, goes first).
func (r *Router) ForAgent(agentID string, now time.Time) (string, bool) {
	a := r.agents[agentID]
	if a == nil {
		return "", false
	}
	type candidate struct {
		it       *Item
		priority int
		weight   int
	}
	var cands []candidate
	for name, q := range r.queues {
		if _, member := q.Members[agentID]; !member {
			continue
		}
		for _, it := range r.waiting[name] {
			if eligible(a, it, q, it.size(r.sizes)) {
				cands = append(cands, candidate{it, effective(it, q, now), q.Weight})
			}
		}
	}
	// Selection rather than a sort: the first pick is nearly always the
	// answer, so a decision costs one pass over the agent's queues.
	for len(cands) > 0 {
		best := 0
		for i := 1; i < len(cands); i++ {
			x, y := cands[i], cands[best]
			switch {
			case x.priority != y.priority:
				if x.priority > y.priority {
					best = i
				}
			case x.weight != y.weight:
				if x.weight > y.weight {
					best = i
				}
			case !x.it.Arrived.Equal(y.it.Arrived):
				if x.it.Arrived.Before(y.it.Arrived) {
					best = i
				}
			case x.it.ID < y.it.ID:
				best = i
			}
		}
		if slices.Contains(r.ForItem(cands[best].it.ID, now), agentID) {
			return cands[best].it.ID, true
		}
		cands[best] = cands[len(cands)-1]
		cands = cands[:len(cands)-1]
	}
	return "", false
}

// Assign records an offer: the item leaves the waiting list and takes
// capacity from each agent offered it (ring-all reserves every phone).
func (r *Router) Assign(itemID string, agents []string) {
	it, ok := r.byID[itemID]
	if !ok {
		return
	}
	size := it.size(r.sizes)
	r.Remove(itemID)
	if q := r.queues[it.Queue]; q != nil && len(agents) == 1 {
		q.last = agents[0]
	}
	for _, id := range agents {
		if a := r.agents[id]; a != nil {
			a.Used += size
			if voiceLike(it.Channel) {
				a.Voice = true
			}
		}
	}
}

// Release gives an agent back the capacity of an item of channel c that
// ended (or whose offer was refused) at now.
func (r *Router) Release(agentID string, c Channel, size int, now time.Time) {
	a := r.agents[agentID]
	if a == nil {
		return
	}
	if size == 0 {
		size = r.sizes[c]
	}
	a.Used = max(a.Used-size, 0)
	if voiceLike(c) {
		a.Voice = false
	}
	a.IdleSince = now
}

// Decide runs a full routing pass at now: every waiting item, in routing
// order, is offered to the queue's choice among eligible agents while
// capacity lasts. It returns the offers made (already Assigned).
func (r *Router) Decide(now time.Time) []Assignment {
	var items []*Item
	for _, list := range r.waiting {
		items = append(items, list...)
	}
	sortItems(items, r.queues, now)
	var out []Assignment
	for _, it := range items {
		if !r.anyFree() {
			break
		}
		agents := r.ForItem(it.ID, now)
		if len(agents) == 0 {
			continue
		}
		r.Assign(it.ID, agents)
		out = append(out, Assignment{Item: it.ID, Agents: agents})
	}
	return out
}

// anyFree reports whether some agent could take any work at all.
func (r *Router) anyFree() bool {
	for _, a := range r.agents {
		if len(a.Available) > 0 && a.Used < a.capacity() {
			return true
		}
	}
	return false
}
