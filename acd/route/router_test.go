package route

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func avail(cs ...Channel) map[Channel]bool {
	m := map[Channel]bool{}
	for _, c := range cs {
		m[c] = true
	}
	return m
}

func members(ids ...string) map[string]int {
	m := map[string]int{}
	for _, id := range ids {
		m[id] = 0
	}
	return m
}

func TestForItem(t *testing.T) {
	tests := []struct {
		name   string
		queue  Queue
		agents []Agent
		item   Item
		want   []string
	}{
		{"longest idle first",
			Queue{Name: "q", Strategy: LongestIdle, Members: members("a", "b")},
			[]Agent{{ID: "a", Available: avail(Voice), IdleSince: t0}, {ID: "b", Available: avail(Voice), IdleSince: t0.Add(-time.Minute)}},
			Item{ID: "i", Channel: Voice, Queue: "q", Arrived: t0}, []string{"b"}},
		{"least occupied",
			Queue{Name: "q", Strategy: LeastOccupied, Members: members("a", "b")},
			[]Agent{{ID: "a", Available: avail(Chat), Used: 50}, {ID: "b", Available: avail(Chat), Used: 25}},
			Item{ID: "i", Channel: Chat, Queue: "q", Arrived: t0}, []string{"b"}},
		{"ring all offers every eligible phone",
			Queue{Name: "q", Strategy: RingAll, Members: members("a", "b", "c")},
			[]Agent{{ID: "a", Available: avail(Voice)}, {ID: "b", Available: avail(Voice)}, {ID: "c", Available: avail(Chat)}},
			Item{ID: "i", Channel: Voice, Queue: "q", Arrived: t0}, []string{"a", "b"}},
		{"penalty tier before idle time",
			Queue{Name: "q", Strategy: LongestIdle, Members: map[string]int{"a": 0, "b": 1}},
			[]Agent{{ID: "a", Available: avail(Voice), IdleSince: t0}, {ID: "b", Available: avail(Voice), IdleSince: t0.Add(-time.Hour)}},
			Item{ID: "i", Channel: Voice, Queue: "q", Arrived: t0}, []string{"a"}},
		{"skills and levels",
			Queue{Name: "q", Strategy: LongestIdle, Skills: map[string]int{"french": 2}, Members: members("a", "b", "c")},
			[]Agent{{ID: "a", Available: avail(Voice), Skills: map[string]int{"french": 1}},
				{ID: "b", Available: avail(Voice), Skills: map[string]int{"french": 3}},
				{ID: "c", Available: avail(Voice), Skills: map[string]int{"french": 5}}},
			Item{ID: "i", Channel: Voice, Queue: "q", Arrived: t0, Skills: map[string]int{"billing": 1}}, nil},
		{"item skill met",
			Queue{Name: "q", Strategy: LongestIdle, Skills: map[string]int{"french": 2}, Members: members("a", "b")},
			[]Agent{{ID: "a", Available: avail(Voice), Skills: map[string]int{"french": 3}},
				{ID: "b", Available: avail(Voice), Skills: map[string]int{"french": 3, "billing": 1}}},
			Item{ID: "i", Channel: Voice, Queue: "q", Arrived: t0, Skills: map[string]int{"billing": 1}}, []string{"b"}},
		{"two chats and an email leave no room for a call",
			Queue{Name: "q", Members: members("a")},
			[]Agent{{ID: "a", Available: avail(Voice, Chat, Email), Used: 25 + 25 + 10}},
			Item{ID: "i", Channel: Voice, Queue: "q", Arrived: t0}, nil},
		{"but room for another chat",
			Queue{Name: "q", Members: members("a")},
			[]Agent{{ID: "a", Available: avail(Voice, Chat, Email), Used: 25 + 25 + 10}},
			Item{ID: "i", Channel: Chat, Queue: "q", Arrived: t0}, []string{"a"}},
		{"in a call: no second call",
			Queue{Name: "q", Members: members("a")},
			[]Agent{{ID: "a", Available: avail(Voice, Chat), Capacity: 300, Used: 100, Voice: true, MultitaskInVoice: true}},
			Item{ID: "i", Channel: Voice, Queue: "q", Arrived: t0}, nil},
		{"in a call: chats only when allowed",
			Queue{Name: "q", Members: members("a", "b")},
			[]Agent{{ID: "a", Available: avail(Chat), Capacity: 200, Used: 100, Voice: true},
				{ID: "b", Available: avail(Chat), Capacity: 200, Used: 100, Voice: true, MultitaskInVoice: true}},
			Item{ID: "i", Channel: Chat, Queue: "q", Arrived: t0}, []string{"b"}},
		{"away agent skipped",
			Queue{Name: "q", Members: members("a")},
			[]Agent{{ID: "a", Available: avail()}},
			Item{ID: "i", Channel: Email, Queue: "q", Arrived: t0}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := New(nil)
			r.SetQueue(tc.queue)
			for _, a := range tc.agents {
				r.SetAgent(a)
			}
			r.Enqueue(tc.item)
			if got := r.ForItem(tc.item.ID, t0); !slices.Equal(got, tc.want) {
				t.Fatalf("ForItem = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPriorityThenAgeThenWeight(t *testing.T) {
	r := New(nil)
	r.SetQueue(Queue{Name: "sales", Weight: 1, Members: members("a")})
	r.SetQueue(Queue{Name: "support", Weight: 5, Members: members("a")})
	r.SetAgent(Agent{ID: "a", Available: avail(Voice, Email), Capacity: 100})
	r.Enqueue(Item{ID: "old", Channel: Email, Queue: "sales", Arrived: t0})
	r.Enqueue(Item{ID: "urgent", Channel: Email, Queue: "sales", Priority: 5, Arrived: t0.Add(time.Minute)})
	r.Enqueue(Item{ID: "same-age-heavier-queue", Channel: Email, Queue: "support", Arrived: t0})
	var order []string
	for range 3 {
		id, ok := r.ForAgent("a", t0.Add(2*time.Minute))
		if !ok {
			t.Fatal("nothing for a")
		}
		r.Assign(id, []string{"a"})
		order = append(order, id)
	}
	if want := []string{"urgent", "same-age-heavier-queue", "old"}; !slices.Equal(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}
}

func TestAgingOvertakesPriority(t *testing.T) {
	for _, tc := range []struct {
		vipArrives time.Duration
		want       string
	}{
		{2 * time.Minute, "vip"},     // waited has aged to 2, vip has 5
		{10 * time.Minute, "waited"}, // waited has aged to the cap of 10
	} {
		r := New(nil)
		r.SetQueue(Queue{Name: "q", Aging: Aging{Every: time.Minute, Step: 1, Max: 10}, Members: members("a")})
		r.SetAgent(Agent{ID: "a", Available: avail(Email)})
		r.Enqueue(Item{ID: "waited", Channel: Email, Queue: "q", Arrived: t0})
		r.Enqueue(Item{ID: "vip", Channel: Email, Queue: "q", Priority: 5, Arrived: t0.Add(tc.vipArrives)})
		if id, _ := r.ForAgent("a", t0.Add(tc.vipArrives)); id != tc.want {
			t.Errorf("at %s got %s, want %s", tc.vipArrives, id, tc.want)
		}
	}
}

func TestRONAReturnsItemToItsPlace(t *testing.T) {
	r := New(nil)
	r.SetQueue(Queue{Name: "q", Members: members("a", "b")})
	r.SetAgent(Agent{ID: "a", Available: avail(Voice)})
	r.SetAgent(Agent{ID: "b", Available: avail(Voice), IdleSince: t0.Add(time.Second)})
	first := Item{ID: "first", Channel: Voice, Queue: "q", Arrived: t0}
	r.Enqueue(first)
	r.Enqueue(Item{ID: "second", Channel: Voice, Queue: "q", Arrived: t0.Add(time.Second)})
	got := r.ForItem("first", t0)
	r.Assign("first", got)
	// a did not answer: the item goes back, a is made unavailable (RONA).
	r.Release(got[0], Voice, 0, t0.Add(15*time.Second))
	ag, _ := r.Agent(got[0])
	ag.Available = avail()
	r.SetAgent(ag)
	r.Enqueue(first)
	if p := r.Position("first", t0.Add(15*time.Second)); p != 1 {
		t.Fatalf("returned item at position %d, want 1", p)
	}
	if next := r.ForItem("first", t0.Add(15*time.Second)); !slices.Equal(next, []string{"b"}) {
		t.Fatalf("next offer to %v, want the other agent", next)
	}
}

func TestRoundRobin(t *testing.T) {
	r := New(nil)
	r.SetQueue(Queue{Name: "q", Strategy: RoundRobin, Members: members("a", "b", "c")})
	for _, id := range []string{"a", "b", "c"} {
		r.SetAgent(Agent{ID: id, Available: avail(Email), Capacity: 1000})
	}
	var got []string
	for i := range 6 {
		id := fmt.Sprintf("i%d", i)
		r.Enqueue(Item{ID: id, Channel: Email, Queue: "q", Arrived: t0.Add(time.Duration(i) * time.Second)})
		ag := r.ForItem(id, t0)
		r.Assign(id, ag)
		got = append(got, ag[0])
	}
	if want := []string{"a", "b", "c", "a", "b", "c"}; !slices.Equal(got, want) {
		t.Fatalf("round robin %v, want %v", got, want)
	}
}

func TestDecideFillsCapacity(t *testing.T) {
	r := New(nil)
	r.SetQueue(Queue{Name: "chat", Members: members("a")})
	r.SetAgent(Agent{ID: "a", Available: avail(Chat), Capacity: 75})
	for i := range 5 {
		r.Enqueue(Item{ID: fmt.Sprintf("c%d", i), Channel: Chat, Queue: "chat", Arrived: t0.Add(time.Duration(i) * time.Second)})
	}
	got := r.Decide(t0)
	if len(got) != 3 || got[0].Item != "c0" || got[2].Item != "c2" || r.Waiting("chat") != 2 {
		t.Fatalf("Decide = %+v, waiting %d; want the three oldest chats offered", got, r.Waiting("chat"))
	}
	r.Release("a", Chat, 0, t0.Add(time.Minute))
	if id, ok := r.ForAgent("a", t0.Add(time.Minute)); !ok || id != "c3" {
		t.Fatalf("freed slot goes to %q, want c3", id)
	}
}

// benchRouter builds 1,000 agents across 50 queues (each agent in 5
// queues) with 10,000 waiting items, most agents busy.
func benchRouter(b *testing.B) (*Router, []string) {
	rng := rand.New(rand.NewPCG(1, 2))
	r := New(nil)
	qs := make([]Queue, 50)
	for i := range qs {
		qs[i] = Queue{Name: fmt.Sprintf("q%02d", i), Strategy: []Strategy{LongestIdle, LeastOccupied, RoundRobin}[i%3],
			Members: map[string]int{}, Aging: Aging{Every: time.Minute, Step: 1}}
	}
	var agents []string
	for i := range 1000 {
		id := fmt.Sprintf("agent%04d", i)
		agents = append(agents, id)
		for k := range 5 {
			qs[(i+k*7)%50].Members[id] = k % 2
		}
		r.SetAgent(Agent{ID: id, Available: avail(Voice, Chat, Email), Used: 100, IdleSince: t0.Add(-time.Duration(rng.IntN(3600)) * time.Second),
			Skills: map[string]int{"french": rng.IntN(5)}})
	}
	for _, q := range qs {
		r.SetQueue(q)
	}
	for i := range 10000 {
		r.Enqueue(Item{ID: fmt.Sprintf("item%05d", i), Channel: []Channel{Voice, Chat, Email}[i%3], Queue: qs[rng.IntN(50)].Name,
			Priority: rng.IntN(3), Arrived: t0.Add(-time.Duration(rng.IntN(1800)) * time.Second), Skills: map[string]int{"french": rng.IntN(3)}})
	}
	return r, agents
}

// BenchmarkForAgent measures one routing decision — an agent frees
// capacity and gets the best item of its queues — among 10,000 waiting
// items, 1,000 agents and 50 queues; p50/p99 are reported per decision.
func BenchmarkForAgent(b *testing.B) {
	r, agents := benchRouter(b)
	var lat []time.Duration
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		id := agents[i%len(agents)]
		i++
		a, _ := r.Agent(id)
		a.Used = 0
		r.SetAgent(a)
		start := time.Now()
		item, ok := r.ForAgent(id, t0)
		if ok {
			r.Assign(item, []string{id})
			r.Enqueue(Item{ID: item + "-again-" + fmt.Sprint(i), Channel: Email, Queue: "q00", Arrived: t0})
		}
		lat = append(lat, time.Since(start))
		a, _ = r.Agent(id)
		a.Used = 100
		r.SetAgent(a)
	}
	reportPercentiles(b, lat)
}

// BenchmarkForItem measures the decision for an arriving item.
func BenchmarkForItem(b *testing.B) {
	r, agents := benchRouter(b)
	for _, id := range agents[:200] {
		a, _ := r.Agent(id)
		a.Used = 0
		r.SetAgent(a)
	}
	var lat []time.Duration
	i := 0
	for b.Loop() {
		id := fmt.Sprintf("new%d", i)
		i++
		r.Enqueue(Item{ID: id, Channel: Chat, Queue: fmt.Sprintf("q%02d", i%50), Arrived: t0})
		start := time.Now()
		r.ForItem(id, t0)
		lat = append(lat, time.Since(start))
		r.Remove(id)
	}
	reportPercentiles(b, lat)
}

// BenchmarkEnqueueRemove measures queue churn (throughput baseline).
func BenchmarkEnqueueRemove(b *testing.B) {
	r, _ := benchRouter(b)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		id := fmt.Sprintf("churn%d", i)
		i++
		r.Enqueue(Item{ID: id, Channel: Email, Queue: fmt.Sprintf("q%02d", i%50), Arrived: t0})
		r.Remove(id)
	}
}

// BenchmarkDecide measures a full routing pass over the 10,000 waiting
// items after 20 agents freed capacity at once; p50/p99 per pass.
func BenchmarkDecide(b *testing.B) {
	r, agents := benchRouter(b)
	var lat []time.Duration
	i, offered := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		freed := make([]string, 20)
		for k := range freed {
			freed[k] = agents[(i*20+k*37)%len(agents)]
			a, _ := r.Agent(freed[k])
			a.Used, a.Voice = 0, false
			r.SetAgent(a)
		}
		i++
		start := time.Now()
		offers := r.Decide(t0)
		lat = append(lat, time.Since(start))
		offered += len(offers)
		for k := range offers {
			r.Enqueue(Item{ID: fmt.Sprintf("d%d-%d", i, k), Channel: Email, Queue: fmt.Sprintf("q%02d", k%50), Arrived: t0})
		}
		for _, id := range freed {
			a, _ := r.Agent(id)
			a.Used, a.Voice = 100, false
			r.SetAgent(a)
		}
	}
	reportPercentiles(b, lat)
	b.ReportMetric(float64(offered)/float64(len(lat)), "offers/pass")
}

// BenchmarkEnqueueDequeue measures throughput through the queues: an
// email arrives among the 10,000 waiting items, an agent finishes an email
// and is given the best item of its queues.
func BenchmarkEnqueueDequeue(b *testing.B) {
	r, agents := benchRouter(b)
	ids := make([]string, 1<<16)
	for k := range ids {
		ids[k] = fmt.Sprintf("flow%d", k)
	}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		r.Enqueue(Item{ID: ids[i%len(ids)], Channel: Email, Queue: fmt.Sprintf("q%02d", i%50), Arrived: t0.Add(time.Duration(i) * time.Millisecond)})
		id := agents[i%len(agents)]
		i++
		r.Release(id, Email, 0, t0)
		if item, ok := r.ForAgent(id, t0); ok {
			r.Assign(item, []string{id})
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkForItemBigQueue measures the decision for a call arriving in
// one queue of 1,000 members of whom three in four hold a call, as in the
// queue load test (test/load/queue.sh).
func BenchmarkForItemBigQueue(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	r := New(nil)
	q := Queue{Name: "load", Strategy: LongestIdle, Members: map[string]int{}}
	for i := range 1000 {
		id := fmt.Sprintf("agent%04d", i)
		q.Members[id] = 0
		a := Agent{ID: id, Available: avail(Voice), IdleSince: t0.Add(-time.Duration(rng.IntN(3600)) * time.Second)}
		if i%4 != 0 {
			a.Used, a.Voice = 100, true
		}
		r.SetAgent(a)
	}
	r.SetQueue(q)
	i := 0
	for b.Loop() {
		id := fmt.Sprintf("call%d", i)
		i++
		r.Enqueue(Item{ID: id, Channel: Voice, Queue: "load", Arrived: t0})
		if len(r.ForItem(id, t0)) != 1 {
			b.Fatal("no agent picked")
		}
		r.Remove(id)
	}
}
