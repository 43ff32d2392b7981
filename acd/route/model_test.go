package route

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// The reference model below is the plain reading of the package doc:
// sort every waiting item, scan every member. The Router's tiers and merge
// must give the same answers.

// refBefore orders waiting items: effective priority, queue weight, age, ID.
func refBefore(a, b *Item, qa, qb *Queue, now time.Time) bool {
	pa, pb := effective(a, qa, now), effective(b, qb, now)
	if pa != pb {
		return pa > pb
	}
	if qa.Weight != qb.Weight {
		return qa.Weight > qb.Weight
	}
	if !a.Arrived.Equal(b.Arrived) {
		return a.Arrived.Before(b.Arrived)
	}
	return a.ID < b.ID
}

// refItems returns the waiting items of configured queues in routing order.
func refItems(r *Router, now time.Time) []*Item {
	var items []*Item
	for _, it := range r.byID {
		if r.queues[it.Queue] != nil {
			items = append(items, it)
		}
	}
	slices.SortFunc(items, func(a, b *Item) int {
		if refBefore(a, b, r.queues[a.Queue], r.queues[b.Queue], now) {
			return -1
		}
		return 1
	})
	return items
}

// refForItem scans every member of the item's queue.
func refForItem(r *Router, agents map[string]*Agent, it *Item) []string {
	q := r.queues[it.Queue]
	var best *Agent
	var all []string
	for _, id := range slices.Sorted(maps.Keys(q.Members)) {
		a := agents[id]
		if a == nil || !eligible(a, it, q, it.units) {
			continue
		}
		if q.Strategy == RingAll && voiceLike(it.Channel) {
			all = append(all, id)
		}
		if best == nil || better(q, a, q.Members[a.ID], best, q.Members[best.ID]) {
			best = a
		}
	}
	if all != nil || best == nil {
		return all
	}
	return []string{best.ID}
}

func refForAgent(r *Router, agentID string, now time.Time) string {
	for _, it := range refItems(r, now) {
		if _, member := r.queues[it.Queue].Members[agentID]; member && slices.Contains(refForItem(r, r.agents, it), agentID) {
			return it.ID
		}
	}
	return ""
}

// refDecide plays a routing pass on copies of the agents and queues.
func refDecide(r *Router, now time.Time) []Assignment {
	agents := map[string]*Agent{}
	for id, a := range r.agents {
		c := *a
		agents[id] = &c
	}
	last := map[string]string{}
	for n, q := range r.queues {
		last[n] = q.last
	}
	defer func() {
		for n, q := range r.queues {
			q.last = last[n]
		}
	}()
	anyFree := func() bool {
		for _, a := range agents {
			if a.freeNow() {
				return true
			}
		}
		return false
	}
	var out []Assignment
	for _, it := range refItems(r, now) {
		if !anyFree() {
			break
		}
		got := refForItem(r, agents, it)
		if len(got) == 0 {
			continue
		}
		if len(got) == 1 {
			r.queues[it.Queue].last = got[0]
		}
		for _, id := range got {
			agents[id].Used += it.units
			if voiceLike(it.Channel) {
				agents[id].Voice = true
			}
		}
		out = append(out, Assignment{Item: it.ID, Agents: got})
	}
	return out
}

// TestMatchesReference drives a Router with random arrivals, removals,
// presence changes, offers and releases and checks each decision against
// the reference model.
func TestMatchesReference(t *testing.T) {
	for seed := range uint64(40) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			r := New(map[Channel]int{Email: 10 + int(seed%3)})
			strategies := []Strategy{LongestIdle, LeastOccupied, RoundRobin, RingAll}
			var queueNames, agentIDs []string
			for i := range 2 + rng.IntN(4) {
				name := fmt.Sprintf("q%d", i)
				queueNames = append(queueNames, name)
			}
			for i := range 2 + rng.IntN(6) {
				agentIDs = append(agentIDs, fmt.Sprintf("a%d", i))
			}
			randomAgent := func(id string) Agent {
				a := Agent{ID: id, Available: map[Channel]bool{}, Capacity: []int{0, 100, 150}[rng.IntN(3)],
					Used: rng.IntN(3) * 25, MultitaskInVoice: rng.IntN(2) == 0,
					Skills:    map[string]int{"french": rng.IntN(4)},
					IdleSince: t0.Add(-time.Duration(rng.IntN(600)) * time.Second)}
				for _, c := range []Channel{Voice, Chat, Email, Callback} {
					if rng.IntN(3) > 0 {
						a.Available[c] = true
					}
				}
				return a
			}
			randomQueue := func(name string) Queue {
				q := Queue{Name: name, Strategy: strategies[rng.IntN(len(strategies))], Weight: rng.IntN(3),
					Members: map[string]int{}}
				if rng.IntN(2) == 0 {
					q.Aging = Aging{Every: time.Duration(1+rng.IntN(60)) * time.Second, Step: 1 + rng.IntN(2), Max: rng.IntN(5)}
				}
				if rng.IntN(4) == 0 {
					q.Skills = map[string]int{"french": 1 + rng.IntN(2)}
				}
				for _, id := range agentIDs {
					if rng.IntN(3) > 0 {
						q.Members[id] = rng.IntN(2)
					}
				}
				return q
			}
			// some agents before the queues, some after: rosters must follow
			for _, id := range agentIDs[:len(agentIDs)/2] {
				r.SetAgent(randomAgent(id))
			}
			for _, n := range queueNames {
				r.SetQueue(randomQueue(n))
			}
			for _, id := range agentIDs[len(agentIDs)/2:] {
				r.SetAgent(randomAgent(id))
			}
			type held struct {
				agent string
				ch    Channel
				units int
			}
			var holding []held
			now := t0
			for step := range 400 {
				now = now.Add(time.Duration(rng.IntN(20)) * time.Second)
				switch op := rng.IntN(20); {
				case op < 13:
					it := Item{ID: fmt.Sprintf("i%d", step), Channel: []Channel{Voice, Chat, Email, Callback}[rng.IntN(4)],
						Queue: queueNames[rng.IntN(len(queueNames))], Priority: rng.IntN(3),
						Arrived: now.Add(-time.Duration(rng.IntN(120)) * time.Second)}
					if rng.IntN(4) == 0 {
						it.Skills = map[string]int{"french": 1 + rng.IntN(3)}
					}
					if rng.IntN(8) == 0 {
						it.Queue = "unconfigured"
					}
					r.Enqueue(it)
				case op < 14:
					if ids := slices.Sorted(maps.Keys(r.byID)); len(ids) > 0 {
						r.Remove(ids[rng.IntN(len(ids))])
					}
				case op < 10:
					id := agentIDs[rng.IntN(len(agentIDs))]
					a, _ := r.Agent(id)
					a.Available = map[Channel]bool{}
					for _, c := range []Channel{Voice, Chat, Email, Callback} {
						if rng.IntN(3) > 0 {
							a.Available[c] = true
						}
					}
					r.SetAgent(a)
				case op < 13:
					if len(holding) > 0 {
						k := rng.IntN(len(holding))
						h := holding[k]
						holding = slices.Delete(holding, k, k+1)
						r.Release(h.agent, h.ch, h.units, now)
					}
				case op < 14:
					n := queueNames[rng.IntN(len(queueNames))]
					r.SetQueue(randomQueue(n))
				case op < 19:
					id := agentIDs[rng.IntN(len(agentIDs))]
					want := refForAgent(r, id, now)
					got, ok := r.ForAgent(id, now)
					if got != want || ok != (want != "") {
						t.Fatalf("step %d: ForAgent(%s) = %q %v, want %q", step, id, got, ok, want)
					}
					if ok {
						it := r.byID[got]
						if forItem := r.ForItem(got, now); !slices.Contains(forItem, id) {
							t.Fatalf("step %d: ForAgent(%s) = %s but ForItem offers it to %v", step, id, got, forItem)
						}
						r.Assign(got, []string{id})
						holding = append(holding, held{id, it.Channel, it.units})
					}
				default:
					want := refDecide(r, now)
					units := map[string]*Item{}
					for _, as := range want {
						units[as.Item] = r.byID[as.Item]
					}
					got := r.Decide(now)
					if !slices.EqualFunc(got, want, func(a, b Assignment) bool {
						return a.Item == b.Item && slices.Equal(a.Agents, b.Agents)
					}) {
						t.Fatalf("step %d: Decide = %v, want %v", step, got, want)
					}
					for _, as := range got {
						for _, id := range as.Agents {
							holding = append(holding, held{id, units[as.Item].Channel, units[as.Item].units})
						}
					}
				}
				checkFree(t, r)
			}
		})
	}
}

// checkFree verifies the Router's count of free agents.
func checkFree(t *testing.T, r *Router) {
	t.Helper()
	n := 0
	for _, a := range r.agents {
		if a.freeNow() {
			n++
		}
	}
	if n != r.free {
		t.Fatalf("free agents counted %d, really %d", r.free, n)
	}
}

func TestIneligibleHeadDoesNotBlock(t *testing.T) {
	tests := []struct {
		name  string
		items []Item
		want  string
	}{
		{"skill the agent lacks",
			[]Item{{ID: "french", Channel: Email, Queue: "q", Arrived: t0, Skills: map[string]int{"french": 1}},
				{ID: "plain", Channel: Email, Queue: "q", Arrived: t0.Add(time.Second)}}, "plain"},
		{"channel the agent is away for",
			[]Item{{ID: "call", Channel: Voice, Queue: "q", Arrived: t0, Priority: 3},
				{ID: "mail", Channel: Email, Queue: "q", Arrived: t0.Add(time.Second)}}, "mail"},
		{"too big for the free capacity",
			[]Item{{ID: "big", Channel: Email, Queue: "q", Arrived: t0, Size: 80},
				{ID: "small", Channel: Email, Queue: "q", Arrived: t0.Add(time.Second)}}, "small"},
		{"nothing fits", []Item{{ID: "call", Channel: Voice, Queue: "q", Arrived: t0}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := New(nil)
			r.SetQueue(Queue{Name: "q", Members: members("a")})
			r.SetAgent(Agent{ID: "a", Available: avail(Email), Used: 50})
			for _, it := range tc.items {
				r.Enqueue(it)
			}
			if got, _ := r.ForAgent("a", t0.Add(time.Minute)); got != tc.want {
				t.Fatalf("ForAgent = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestForAgentLeavesItemToBetterAgent(t *testing.T) {
	r := New(nil)
	r.SetQueue(Queue{Name: "q", Members: members("a", "b")})
	r.SetQueue(Queue{Name: "other", Members: members("a")})
	r.SetAgent(Agent{ID: "a", Available: avail(Email), IdleSince: t0})
	r.SetAgent(Agent{ID: "b", Available: avail(Email), IdleSince: t0.Add(-time.Hour)})
	r.Enqueue(Item{ID: "first", Channel: Email, Queue: "q", Arrived: t0})
	r.Enqueue(Item{ID: "later", Channel: Email, Queue: "other", Arrived: t0.Add(time.Minute)})
	if got, _ := r.ForAgent("a", t0.Add(time.Hour)); got != "later" {
		t.Fatalf("ForAgent(a) = %q, want later (b has idled longer for first)", got)
	}
	if got, _ := r.ForAgent("b", t0.Add(time.Hour)); got != "first" {
		t.Fatalf("ForAgent(b) = %q, want first", got)
	}
}

func TestAgingAcrossPriorityTiers(t *testing.T) {
	// within a tier aging keeps arrival order; across tiers an old item of
	// a lower priority overtakes a young one of a higher priority
	r := New(nil)
	r.SetQueue(Queue{Name: "q", Aging: Aging{Every: time.Minute, Step: 1}, Members: members("a")})
	r.SetAgent(Agent{ID: "a", Available: avail(Email), Capacity: 1000})
	r.Enqueue(Item{ID: "low-old", Channel: Email, Queue: "q", Arrived: t0})
	r.Enqueue(Item{ID: "low-young", Channel: Email, Queue: "q", Arrived: t0.Add(9 * time.Minute)})
	r.Enqueue(Item{ID: "high", Channel: Email, Queue: "q", Priority: 3, Arrived: t0.Add(9 * time.Minute)})
	now := t0.Add(10 * time.Minute)
	var got []string
	for _, as := range r.Decide(now) {
		got = append(got, as.Item)
	}
	if want := []string{"low-old", "high", "low-young"}; !slices.Equal(got, want) {
		t.Fatalf("Decide order %v, want %v", got, want)
	}
}

func TestSetQueueChangesMembers(t *testing.T) {
	r := New(nil)
	r.SetQueue(Queue{Name: "q", Members: members("a")})
	r.SetAgent(Agent{ID: "a", Available: avail(Email)})
	r.SetAgent(Agent{ID: "b", Available: avail(Email)})
	r.Enqueue(Item{ID: "i", Channel: Email, Queue: "q", Arrived: t0})
	r.SetQueue(Queue{Name: "q", Members: members("b")})
	if id, ok := r.ForAgent("a", t0); ok {
		t.Fatalf("removed member a still gets %s", id)
	}
	if id, _ := r.ForAgent("b", t0); id != "i" {
		t.Fatalf("new member b gets %q, want i", id)
	}
}

func TestForAgentDoesNotAllocate(t *testing.T) {
	r := New(nil)
	r.SetQueue(Queue{Name: "q", Aging: Aging{Every: time.Minute, Step: 1}, Members: members("a", "b")})
	r.SetQueue(Queue{Name: "p", Weight: 2, Members: members("a")})
	r.SetAgent(Agent{ID: "a", Available: avail(Email, Chat), Skills: map[string]int{"french": 1}})
	r.SetAgent(Agent{ID: "b", Available: avail(Email), Used: 100})
	for i := range 50 {
		r.Enqueue(Item{ID: fmt.Sprintf("i%d", i), Channel: []Channel{Voice, Chat, Email}[i%3], Queue: []string{"q", "p"}[i%2],
			Priority: i % 3, Arrived: t0.Add(time.Duration(i) * time.Second), Skills: map[string]int{"french": i % 3}})
	}
	r.ForAgent("a", t0) // grows the merge's scratch space
	if n := testing.AllocsPerRun(100, func() { r.ForAgent("a", t0.Add(time.Hour)) }); n != 0 {
		t.Fatalf("ForAgent allocates %v times per decision", n)
	}
}
