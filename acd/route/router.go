package route

import (
	"maps"
	"slices"
	"time"
)

// Router holds the routing state — queues, agents and waiting items —
// and makes decisions on it. It is not safe for concurrent use: the
// distributor owns it and calls it from one goroutine.
type Router struct {
	sizes    map[Channel]int
	minSize  int // the least capacity any item can take
	queues   map[string]*Queue
	agents   map[string]*Agent
	memberOf map[string][]*Queue  // agent ID → the queues it is a member of
	waiting  map[string]*waitList // per queue name
	byID     map[string]*Item
	free     int    // agents for which freeNow holds
	gen      uint64 // the current Decide pass (see Queue.openGen)
	merge    merge  // reused by ForAgent and Decide
}

// New returns an empty Router; sizes overrides DefaultSizes per channel.
func New(sizes map[Channel]int) *Router {
	s := maps.Clone(DefaultSizes)
	maps.Copy(s, sizes)
	minSize := 1 // an item's own Size counts only when positive
	for _, n := range s {
		minSize = min(minSize, n)
	}
	return &Router{sizes: s, minSize: minSize, queues: map[string]*Queue{}, agents: map[string]*Agent{},
		memberOf: map[string][]*Queue{}, waiting: map[string]*waitList{}, byID: map[string]*Item{}}
}

// SetQueue adds or replaces a queue (its round-robin position is kept).
// The Router keeps its own copy of the queue's maps.
func (r *Router) SetQueue(q Queue) {
	q.Members = maps.Clone(q.Members)
	q.need = needs(q.Skills)
	q.roster = make([]member, 0, len(q.Members))
	for _, id := range slices.Sorted(maps.Keys(q.Members)) {
		q.roster = append(q.roster, member{id: id, penalty: q.Members[id], agent: r.agents[id]})
	}
	p := r.queues[q.Name]
	if p == nil {
		p = &q
		r.queues[q.Name] = p
	} else {
		for id := range p.Members {
			r.memberOf[id] = slices.DeleteFunc(r.memberOf[id], func(x *Queue) bool { return x == p })
		}
		q.last = p.last
		*p = q
	}
	for id := range p.Members {
		r.memberOf[id] = append(r.memberOf[id], p)
	}
}

// SetAgent adds or replaces an agent's state. The Router keeps its own
// copy of the agent's maps.
func (r *Router) SetAgent(a Agent) {
	a.Available = maps.Clone(a.Available)
	a.Skills = maps.Clone(a.Skills)
	a.avail = a.anyAvailable()
	a.free = a.freeNow()
	if a.free {
		r.free++
	}
	if old := r.agents[a.ID]; old != nil {
		if old.free {
			r.free--
		}
		*old = a
		r.closed(old)
		return
	}
	p := &a
	r.agents[a.ID] = p
	for _, q := range r.memberOf[a.ID] {
		i, _ := slices.BinarySearchFunc(q.roster, a.ID, func(m member, id string) int {
			switch {
			case m.id < id:
				return -1
			case m.id > id:
				return 1
			}
			return 0
		})
		q.roster[i].agent = p
		q.openGen = 0
	}
}

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
	p.units = it.size(r.sizes)
	r.byID[it.ID] = p
	w := r.waiting[it.Queue]
	if w == nil {
		w = &waitList{}
		r.waiting[it.Queue] = w
	}
	w.insert(p, (&Item{Channel: it.Channel}).size(r.sizes))
}

// Remove takes an item out of the waiting lists (answered elsewhere,
// abandoned, overflowed) and reports whether it was waiting.
func (r *Router) Remove(id string) bool {
	it, ok := r.byID[id]
	if !ok {
		return false
	}
	delete(r.byID, id)
	if w := r.waiting[it.Queue]; w != nil {
		w.remove(it)
		if w.n == 0 {
			delete(r.waiting, it.Queue)
		}
	}
	return true
}

// Waiting returns how many items wait in a queue.
func (r *Router) Waiting(queue string) int {
	if w := r.waiting[queue]; w != nil {
		return w.n
	}
	return 0
}

// Position returns the 1-based place of an item among its queue's
// waiting items in routing order at now, or 0 when it is not waiting.
func (r *Router) Position(id string, now time.Time) int {
	it, ok := r.byID[id]
	if !ok {
		return 0
	}
	q := r.queues[it.Queue]
	mine := effective(it, q, now)
	pos := 1
	for _, t := range r.waiting[it.Queue].tiers {
		for _, other := range t.items {
			if p := effective(other, q, now); p > mine || p == mine && byArrival(other, it) < 0 {
				pos++
			}
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
	return pick(it, q, q.roster)
}

// Eligible reports whether agent agentID is a member of the waiting
// item's queue that may take it now (presence, skills, free capacity),
// whatever the queue's strategy would choose: for items that go to one
// agent first (a conversation's agent).
func (r *Router) Eligible(itemID, agentID string) bool {
	it, ok := r.byID[itemID]
	if !ok {
		return false
	}
	q, a := r.queues[it.Queue], r.agents[agentID]
	if q == nil || a == nil {
		return false
	}
	if _, member := q.Members[agentID]; !member {
		return false
	}
	return eligible(a, it, q, it.units)
}

// pick chooses among the members of queue q in roster (in ID order) the
// agents to offer item it to.
func pick(it *Item, q *Queue, roster []member) []string {
	ringAll := q.Strategy == RingAll && voiceLike(it.Channel)
	var best *member
	var all []string
	for i := range roster {
		m := &roster[i]
		if m.agent == nil || !eligible(m.agent, it, q, it.units) {
			continue
		}
		if ringAll {
			all = append(all, m.id)
		} else if best == nil || better(q, m.agent, m.penalty, best.agent, best.penalty) {
			best = m
		}
	}
	if ringAll || best == nil {
		return all
	}
	return []string{best.id}
}

// chosen reports whether agent a, eligible for item it of queue q, is one
// pick would offer it to: ring-all offers every eligible phone, other
// strategies the best eligible member.
func chosen(a *Agent, it *Item, q *Queue) bool {
	if q.Strategy == RingAll && voiceLike(it.Channel) {
		return true
	}
	pa := q.Members[a.ID]
	for i := range q.roster {
		m := &q.roster[i]
		if m.agent != nil && m.agent != a && better(q, m.agent, m.penalty, a, pa) && eligible(m.agent, it, q, it.units) {
			return false
		}
	}
	return true
}

// ForAgent picks the best waiting item for an agent who has free capacity
// (after an arrival, a hang-up or wrap-up), at now: the first item in
// routing order across the agent's queues that the agent may take and for
// which the agent is the queue's choice among the eligible agents (so a
// free agent of a lower penalty tier, or a longer-idle one, goes first).
// An item the agent may not take does not hide the ones behind it.
func (r *Router) ForAgent(agentID string, now time.Time) (string, bool) {
	a := r.agents[agentID]
	if a == nil || !r.open(a) {
		return "", false
	}
	m := &r.merge
	m.reset(now)
	for _, q := range r.memberOf[agentID] {
		if w := r.waiting[q.Name]; w != nil {
			m.add(q, w, a)
		}
	}
	m.init()
	for c := m.top(); c != nil; c = m.top() {
		it := c.item()
		if eligible(a, it, c.q, it.units) && chosen(a, it, c.q) {
			return it.ID, true
		}
		m.next()
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
	r.Remove(itemID)
	if q := r.queues[it.Queue]; q != nil && len(agents) == 1 {
		q.last = agents[0]
	}
	for _, id := range agents {
		a := r.agents[id]
		if a == nil {
			continue
		}
		a.Used += it.units
		if voiceLike(it.Channel) {
			a.Voice = true
		}
		r.recount(a)
		if !r.open(a) {
			r.closed(a)
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
	r.recount(a)
}

// recount keeps the count of free agents after a's capacity changed.
func (r *Router) recount(a *Agent) {
	if f := a.freeNow(); f != a.free {
		a.free = f
		if f {
			r.free++
		} else {
			r.free--
		}
	}
}

// closed marks the open members of a's queues for a recount after a's
// state changed: a closed agent leaves them at the next look.
func (r *Router) closed(a *Agent) {
	for _, q := range r.memberOf[a.ID] {
		q.openGen = 0
	}
}

// open reports whether agent a could take some item: available for a
// channel, with room for the smallest item.
func (r *Router) open(a *Agent) bool {
	return a.avail && a.capacity()-a.Used >= r.minSize
}

// openMembers returns the members of q that could take some item now,
// in ID order, recounted at most once per Decide pass and after a member
// took work.
func (r *Router) openMembers(q *Queue) []member {
	if q.openGen == r.gen {
		return q.open
	}
	q.open = q.open[:0]
	for _, m := range q.roster {
		if m.agent != nil && r.open(m.agent) {
			q.open = append(q.open, m)
		}
	}
	q.openGen = r.gen
	return q.open
}

// Decide runs a full routing pass at now: every waiting item, in routing
// order, is offered to the queue's choice among eligible agents while
// capacity lasts. It returns the offers made (already Assigned).
func (r *Router) Decide(now time.Time) []Assignment {
	if r.free == 0 {
		return nil
	}
	r.gen++
	m := &r.merge
	m.reset(now)
	for name, w := range r.waiting {
		if q := r.queues[name]; q != nil {
			m.add(q, w, nil)
		}
	}
	m.init()
	var out []Assignment
	for c := m.top(); c != nil && r.free > 0; c = m.top() {
		open := r.openMembers(c.q)
		if len(open) == 0 {
			// no member can take anything until this pass ends
			m.pop()
			continue
		}
		it := c.item()
		agents := pick(it, c.q, open)
		if len(agents) == 0 {
			if slices.ContainsFunc(open, func(m member) bool { return m.agent.fits(c.t) }) {
				m.next()
			} else {
				// no member can take from this tier until this pass ends
				m.pop()
			}
			continue
		}
		r.Assign(it.ID, agents)
		out = append(out, Assignment{Item: it.ID, Agents: agents})
		m.settle() // the item left c's tier: c now points at the next
	}
	return out
}
