package route

import (
	"slices"
	"time"
)

// tier is one queue's waiting items of one base priority and channel, in
// arrival order (then ID): aging never reorders them. Splitting by channel
// lets a decision for an agent skip the channels it cannot take now.
type tier struct {
	priority int
	channel  Channel
	items    []*Item
	// units is the channel's size; sized counts the items with a Size of
	// their own, which may be smaller.
	units, sized int
}

// least is the least capacity an item of the tier may take.
func (t *tier) least() int {
	if t.sized > 0 {
		return min(t.units, 1)
	}
	return t.units
}

// byTier orders a queue's tiers: highest priority first, then channel.
func byTier(t *tier, it *Item) int {
	switch {
	case t.priority != it.Priority:
		return it.Priority - t.priority
	case t.channel < it.Channel:
		return -1
	case t.channel > it.Channel:
		return 1
	}
	return 0
}

// waitList is one queue's waiting items in tiers.
type waitList struct {
	tiers []*tier
	n     int
}

// byArrival orders the items of a tier.
func byArrival(a, b *Item) int {
	if c := a.Arrived.Compare(b.Arrived); c != 0 {
		return c
	}
	switch {
	case a.ID < b.ID:
		return -1
	case a.ID > b.ID:
		return 1
	}
	return 0
}

// insert puts an item at its place in its tier; units is the size of the
// item's channel.
func (w *waitList) insert(it *Item, units int) {
	i, found := slices.BinarySearchFunc(w.tiers, it, byTier)
	if !found {
		w.tiers = slices.Insert(w.tiers, i, &tier{priority: it.Priority, channel: it.Channel, units: units})
	}
	t := w.tiers[i]
	if it.Size > 0 {
		t.sized++
	}
	j, _ := slices.BinarySearchFunc(t.items, it, byArrival)
	t.items = slices.Insert(t.items, j, it)
	w.n++
}

// remove takes an item out of its tier, dropping the tier when it empties.
func (w *waitList) remove(it *Item) bool {
	i, found := slices.BinarySearchFunc(w.tiers, it, byTier)
	if !found {
		return false
	}
	t := w.tiers[i]
	j, found := 0, len(t.items) > 0 && t.items[0] == it
	if !found {
		j, found = slices.BinarySearchFunc(t.items, it, byArrival)
	}
	if !found || t.items[j] != it {
		return false
	}
	if j == 0 {
		// the usual dequeue: drop the head without moving the rest
		t.items[0] = nil
		t.items = t.items[1:]
	} else {
		t.items = slices.Delete(t.items, j, j+1)
	}
	if it.Size > 0 {
		t.sized--
	}
	if len(t.items) == 0 {
		w.tiers = slices.Delete(w.tiers, i, i+1)
	}
	w.n--
	return true
}

// fits reports whether agent a may take some item of tier t now, skills
// aside.
func (a *Agent) fits(t *tier) bool {
	return a.takes(t.channel) && a.capacity()-a.Used >= t.least()
}

// cursor walks one tier during a merge.
type cursor struct {
	q   *Queue
	t   *tier
	i   int
	eff int // effective priority of t.items[i] at the merge's time
}

func (c *cursor) item() *Item { return c.t.items[c.i] }

// merge yields the items of several tiers in routing order at now: a heap
// of tier heads, each tier already in routing order among itself.
type merge struct {
	now time.Time
	h   []cursor
}

func (m *merge) reset(now time.Time) {
	m.now = now
	m.h = m.h[:0]
}

// add takes the tiers of a queue's waiting list, only those agent a may
// take from now unless a is nil.
func (m *merge) add(q *Queue, w *waitList, a *Agent) {
	for _, t := range w.tiers {
		if a != nil && !a.fits(t) {
			continue
		}
		c := cursor{q: q, t: t}
		c.eff = effective(c.item(), q, m.now)
		m.h = append(m.h, c)
	}
}

// init orders the heap once every tier is added.
func (m *merge) init() {
	for i := len(m.h)/2 - 1; i >= 0; i-- {
		m.down(i)
	}
}

// top is the cursor whose item routes first; nil when all are done.
func (m *merge) top() *cursor {
	if len(m.h) == 0 {
		return nil
	}
	return &m.h[0]
}

// next moves the top cursor past its item.
func (m *merge) next() {
	m.h[0].i++
	m.settle()
}

// settle restores the heap after the top cursor's tier or position
// changed (its item was taken out of the tier, or it moved on).
func (m *merge) settle() {
	c := &m.h[0]
	if c.i >= len(c.t.items) {
		m.pop()
		return
	}
	c.eff = effective(c.item(), c.q, m.now)
	m.down(0)
}

// pop drops the top cursor.
func (m *merge) pop() {
	last := len(m.h) - 1
	m.h[0] = m.h[last]
	m.h = m.h[:last]
	if last > 0 {
		m.down(0)
	}
}

func (m *merge) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(m.h) {
			return
		}
		best := l
		if r := l + 1; r < len(m.h) && m.less(r, l) {
			best = r
		}
		if !m.less(best, i) {
			return
		}
		m.h[i], m.h[best] = m.h[best], m.h[i]
		i = best
	}
}

// less orders heads: effective priority, queue weight, age, ID.
func (m *merge) less(i, j int) bool {
	a, b := &m.h[i], &m.h[j]
	if a.eff != b.eff {
		return a.eff > b.eff
	}
	if a.q.Weight != b.q.Weight {
		return a.q.Weight > b.q.Weight
	}
	return byArrival(a.item(), b.item()) < 0
}
