package acd_test

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/acd/stats"
	"github.com/switchboard-cc/switchboard/internal/config"
)

// answering is a voice channel whose agents answer every offer at once and
// hang up after an exponentially distributed handle time.
type answering struct {
	d      *acd.Distributor
	clock  *fakeClock
	rng    *rand.Rand
	handle time.Duration
	t      *testing.T
	// answered records each item's wait.
	arrived map[string]time.Time
	waits   map[string]time.Duration
}

func (a *answering) Offer(ctx context.Context, o acd.Offer) {
	id := o.Item.ID
	if err := a.d.Accept(ctx, id, o.Agents[0].Name); err != nil {
		a.t.Errorf("accept %s: %v", id, err)
		return
	}
	if _, dup := a.waits[id]; dup {
		a.t.Errorf("%s answered twice", id)
	}
	a.waits[id] = a.clock.Now().Sub(a.arrived[id])
	hold := time.Duration(a.rng.ExpFloat64() * float64(a.handle))
	a.clock.AfterFunc(hold, func() {
		if err := a.d.Complete(context.Background(), id); err != nil {
			a.t.Errorf("complete %s: %v", id, err)
		}
	})
}

// TestSimulationAgreesWithErlangC feeds one queue of N agents with Poisson
// arrivals and exponential handle times (no wrap-up) and compares the
// measured probability of waiting and mean wait with the Erlang C
// formula: the distributor neither loses nor starves work.
func TestSimulationAgreesWithErlangC(t *testing.T) {
	const (
		agentsN = 10
		erlangs = 8.0
		calls   = 40000
		warmUp  = 2000
		handle  = time.Minute
	)
	var names []string
	var as []config.Agent
	for i := range agentsN {
		n := string(rune('a' + i))
		names = append(names, n)
		as = append(as, config.Agent{Name: n})
	}
	q := config.Queue{Name: "q", Members: names, WrapUp: dur(0)}
	h := newHarness(t, []config.Queue{q}, as)
	rng := rand.New(rand.NewPCG(1, 2))
	ch := &answering{d: h.d, clock: h.clock, rng: rng, handle: handle, t: t,
		arrived: map[string]time.Time{}, waits: map[string]time.Duration{}}
	h.d.Handle(acd.Voice, ch)
	h.available(names...)

	meanGap := float64(handle) / erlangs
	var order []string
	at := h.clock.Now()
	for i := range calls {
		at = at.Add(time.Duration(rng.ExpFloat64() * meanGap))
		h.clock.RunUntil(at)
		id := "c" + strconv.Itoa(i)
		ch.arrived[id] = at
		order = append(order, id)
		h.enqueue(acd.Item{ID: id, Channel: acd.Voice, Queue: "q"})
	}
	for {
		next, ok := h.clock.Next()
		if !ok {
			break
		}
		h.clock.RunUntil(next)
	}
	if len(ch.waits) != calls {
		t.Fatalf("%d of %d calls answered", len(ch.waits), calls)
	}
	var waited int
	var total time.Duration
	for _, id := range order[warmUp:] {
		w := ch.waits[id]
		if w > 0 {
			waited++
		}
		total += w
	}
	n := float64(calls - warmUp)
	pWait := float64(waited) / n
	meanWait := total.Seconds() / n
	wantP := stats.ErlangC(agentsN, erlangs)
	wantWait := stats.ErlangCWait(agentsN, erlangs/handle.Seconds(), handle.Seconds())
	t.Logf("P(wait) measured %.3f, Erlang C %.3f; mean wait measured %.1f s, Erlang C %.1f s", pWait, wantP, meanWait, wantWait)
	// Tolerances: 40,000 calls at 80% occupancy leave a few percent of
	// sampling noise (waits are strongly correlated in time).
	if math.Abs(pWait-wantP) > 0.04 {
		t.Errorf("P(wait) = %.3f, Erlang C says %.3f (±0.04)", pWait, wantP)
	}
	if math.Abs(meanWait-wantWait) > 0.2*wantWait {
		t.Errorf("mean wait = %.1f s, Erlang C says %.1f s (±20%%)", meanWait, wantWait)
	}
}
