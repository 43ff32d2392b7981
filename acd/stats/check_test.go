package stats

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	tr := func(sec float64, agent string) Event { return ev(Transferred, "i", sec, "q", agent) }
	tests := []struct {
		name    string
		log     logOf
		wantSeq int64  // 0: legal
		want    string // in the violation
	}{
		{"answered and completed", answer("i", "q", "a", 0, 5, 60), 0, ""},
		{"overflow into another queue", cat(logOf{ev(Entered, "i", 0, "q", ""), ev(Overflowed, "i", 60, "q", "")},
			answer("i", "r", "a", 60, 5, 5)), 0, ""},
		{"transfer, completion, new entry", cat(answer("i", "q", "a", 0, 5, 0)[:3],
			logOf{tr(30, "a"), ev(Completed, "i", 31, "q", "a")}, answer("i", "r", "b", 31, 5, 5)), 0, ""},
		{"transfer straight into the new queue", cat(answer("i", "q", "a", 0, 5, 0)[:3], logOf{tr(30, "")},
			answer("i", "r", "b", 30, 5, 5)), 0, ""},
		{"transferred while ringing, then a callback in the same queue", cat(logOf{ev(Entered, "i", 0, "q", ""),
			ev(Offered, "i", 1, "q", "a"), tr(5, "")}, answer("i", "q", "b", 5, 5, 5)), 0, ""},
		{"ring-all", logOf{ev(Entered, "i", 0, "q", ""), ev(Offered, "i", 1, "q", "a"), ev(Offered, "i", 1, "q", "b"),
			ev(NoAnswer, "i", 16, "q", "a"), ev(Accepted, "i", 17, "q", "b")}, 0, ""},

		{"offered before entering", logOf{ev(Offered, "i", 0, "q", "a")}, 1, "offered while not queued"},
		{"accepted without an offer", logOf{ev(Entered, "i", 0, "q", ""), ev(Accepted, "i", 1, "q", "a")}, 2, `accepted by "a", not offered it`},
		{"accepted by another agent", logOf{ev(Entered, "i", 0, "q", ""), ev(Offered, "i", 1, "q", "a"), ev(Accepted, "i", 2, "q", "b")}, 3, `accepted by "b"`},
		{"no answer after the offer ended", logOf{ev(Entered, "i", 0, "q", ""), ev(Offered, "i", 1, "q", "a"),
			ev(Declined, "i", 2, "q", "a"), ev(NoAnswer, "i", 3, "q", "a")}, 4, `no-answer by "a", not offered it`},
		{"offered twice to one phone", logOf{ev(Entered, "i", 0, "q", ""), ev(Offered, "i", 1, "q", "a"), ev(Offered, "i", 2, "q", "a")}, 3, "offered again to a"},
		{"offered to nobody", logOf{ev(Entered, "i", 0, "q", ""), ev(Offered, "i", 1, "q", "")}, 2, "offered to no agent"},
		{"offered while answered", cat(answer("i", "q", "a", 0, 5, 0)[:3], logOf{ev(Offered, "i", 9, "q", "b")}), 4, "offered while answered"},
		{"entered twice", logOf{ev(Entered, "i", 0, "q", ""), ev(Entered, "i", 1, "r", "")}, 2, "entered while waiting"},
		{"entered no queue", logOf{ev(Entered, "i", 0, "", "")}, 1, "entered no queue"},
		{"abandoned after the answer", cat(answer("i", "q", "a", 0, 5, 0)[:3], logOf{ev(Abandoned, "i", 9, "q", "")}), 4, "abandoned while answered"},
		{"anything after an abandon", logOf{ev(Entered, "i", 0, "q", ""), ev(Abandoned, "i", 9, "q", ""), ev(Offered, "i", 10, "q", "a")}, 3, "offered while ended"},
		{"entered again after a completion", cat(answer("i", "q", "a", 0, 5, 5), logOf{ev(Entered, "i", 20, "q", "")}), 5, "entered while ended"},
		{"completed twice", cat(answer("i", "q", "a", 0, 5, 5), logOf{ev(Completed, "i", 20, "q", "a")}), 5, "completed while ended"},
		{"completed while waiting", logOf{ev(Entered, "i", 0, "q", ""), ev(Completed, "i", 1, "q", "a")}, 2, "completed while waiting"},
		{"completed by someone else", cat(answer("i", "q", "a", 0, 5, 0)[:3], logOf{ev(Completed, "i", 9, "q", "b")}), 4, `completed by "b" but "a" holds it`},
		{"transferred after an abandon", logOf{ev(Entered, "i", 0, "q", ""), ev(Abandoned, "i", 1, "q", ""), tr(2, "")}, 3, "transferred while ended"},
		{"wrong queue", logOf{ev(Entered, "i", 0, "q", ""), ev(Offered, "i", 1, "r", "a")}, 2, `names queue "r" but the item is in "q"`},
		{"time going back", logOf{ev(Entered, "i", 10, "q", ""), ev(Abandoned, "i", 9, "q", "")}, 2, "before the item's previous event"},
		{"no item", logOf{ev(Entered, "", 0, "q", "")}, 1, "without an item"},
		{"unknown kind", logOf{ev(Entered, "i", 0, "q", ""), ev("parked", "i", 1, "q", "")}, 2, `unknown kind "parked"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.log.seq())
			if tc.wantSeq == 0 {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			var v *Violation
			if !errors.As(err, &v) {
				t.Fatalf("Check = %v, want a Violation", err)
			}
			if v.Seq != tc.wantSeq || !strings.Contains(v.What, tc.want) || (tc.want != "without an item" && v.Item != "i") {
				t.Fatalf("Check = %v (item %q seq %d), want item i seq %d: ...%s...", err, v.Item, v.Seq, tc.wantSeq, tc.want)
			}
		})
	}
}

func TestCheckSeq(t *testing.T) {
	events := answer("i", "q", "a", 0, 5, 5).seq()
	events[2].Seq = events[1].Seq
	var v *Violation
	if err := Check(events); !errors.As(err, &v) || v.Seq != 2 || !strings.Contains(v.What, "seq does not increase") {
		t.Fatalf("Check = %v, want a seq violation at 2", err)
	}
}

// randomLog plays a random legal history of items through queues and
// agents and returns it with the number of items that entered, were
// answered, left unanswered (abandoned, overflowed, transferred) and
// still wait per queue.
func randomLog(rng *rand.Rand, steps int) ([]Event, map[string][4]int) {
	type item struct {
		id     string
		phase  phase
		queue  string
		agent  string
		offers []string
	}
	queues := []string{"billing", "sales", "support"}
	agents := []string{"ann", "bob", "cid", "dee"}
	counts := map[string][4]int{}
	bump := func(q string, k int, d int) {
		c := counts[q]
		c[k] += d
		counts[q] = c
	}
	var items []*item
	var log []Event
	at := t0
	emit := func(it *item, k Kind, agent, target string) {
		log = append(log, Event{Seq: int64(len(log) + 1), At: at, Kind: k, Item: it.id, Channel: "voice",
			Queue: it.queue, Agent: agent, Target: target})
	}
	enter := func(it *item) {
		it.phase, it.queue, it.agent, it.offers = waiting, queues[rng.IntN(len(queues))], "", nil
		emit(it, Entered, "", "")
		bump(it.queue, 0, 1)
		bump(it.queue, 3, 1)
	}
	for range steps {
		at = at.Add(time.Duration(rng.IntN(40_000)) * time.Millisecond)
		live := slices.DeleteFunc(slices.Clone(items), func(it *item) bool { return it.phase == ended })
		if len(live) == 0 || rng.IntN(5) == 0 {
			it := &item{id: fmt.Sprintf("i%d", len(items))}
			items = append(items, it)
			enter(it)
			continue
		}
		it := live[rng.IntN(len(live))]
		switch it.phase {
		case waiting:
			switch r := rng.IntN(10); {
			case r < 4 && len(it.offers) < len(agents):
				a := agents[rng.IntN(len(agents))]
				if !slices.Contains(it.offers, a) {
					it.offers = append(it.offers, a)
					emit(it, Offered, a, "")
				}
			case r < 7 && len(it.offers) > 0:
				k := rng.IntN(len(it.offers))
				a := it.offers[k]
				switch rng.IntN(3) {
				case 0:
					emit(it, NoAnswer, a, "")
					it.offers = slices.Delete(it.offers, k, k+1)
				case 1:
					emit(it, Declined, a, "")
					it.offers = slices.Delete(it.offers, k, k+1)
				default:
					emit(it, Accepted, a, "")
					it.phase, it.agent, it.offers = answered, a, nil
					bump(it.queue, 1, 1)
					bump(it.queue, 3, -1)
				}
			case r < 8:
				emit(it, Abandoned, "", "")
				it.phase = ended
				bump(it.queue, 2, 1)
				bump(it.queue, 3, -1)
			case r < 9:
				k := []Kind{Overflowed, Transferred}[rng.IntN(2)]
				emit(it, k, "", "queue:next")
				it.phase = moved
				bump(it.queue, 2, 1)
				bump(it.queue, 3, -1)
			}
		case answered:
			if rng.IntN(4) == 0 {
				emit(it, Transferred, it.agent, "queue:next")
				it.phase = transferred
			} else {
				emit(it, Completed, it.agent, "")
				it.phase = ended
			}
		case transferred:
			if rng.IntN(2) == 0 {
				emit(it, Completed, it.agent, "")
				it.phase = moved
			} else {
				enter(it)
			}
		case moved:
			if rng.IntN(3) == 0 {
				it.phase = ended // went to a flow
			} else {
				enter(it)
			}
		}
	}
	return log, counts
}

func TestRandomLegalLogs(t *testing.T) {
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 11))
		log, counts := randomLog(rng, 30+rng.IntN(300))
		if err := Check(log); err != nil {
			t.Fatalf("seed %d: legal log rejected: %v", seed, err)
		}
		r := Compute(log, Options{})
		for _, q := range r.Queues {
			c := counts[q.Queue]
			got := [4]int{q.Entered, q.Answered, q.Abandoned + q.ShortAbandoned + q.Overflowed + q.TransferredUnanswered, q.Waiting}
			if got != c {
				t.Fatalf("seed %d queue %s: entered, answered, left, waiting = %v, want %v", seed, q.Queue, got, c)
			}
		}
		// a legal log cut anywhere is still legal
		if cut := rng.IntN(len(log) + 1); Check(log[:cut]) != nil {
			t.Fatalf("seed %d: prefix of %d events rejected: %v", seed, cut, Check(log[:cut]))
		}
	}
}

func TestAccumulatorMatchesCompute(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for seed := range uint64(30) {
		rng := rand.New(rand.NewPCG(seed, 3))
		log, _ := randomLog(rng, 150)
		opts := Options{Location: ny, ShortAbandon: 8 * time.Second, Targets: map[string]time.Duration{"sales": 45 * time.Second}}
		if seed%2 == 1 {
			opts.From, opts.To = t0.Add(10*time.Minute), t0.Add(40*time.Minute)
		}
		acc := NewAccumulator(opts)
		for i, e := range log {
			acc.Add(e)
			if i%10 != 0 && i != len(log)-1 {
				continue
			}
			if got, want := acc.Report(), Compute(log[:i+1], opts); !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d after %d events: Accumulator.Report differs from Compute\n got %+v\nwant %+v", seed, i+1, got, want)
			}
		}
	}
}

func TestAccumulatorSkipsWhatItCannotPlace(t *testing.T) {
	log := logOf{ev(Offered, "x", 0, "q", "a"), ev(Entered, "i", 0, "q", ""), ev(Accepted, "i", 1, "q", "a"),
		ev(Completed, "i", 2, "q", "a"), ev(Abandoned, "i", 3, "q", "")}.seq()
	r := Compute(log, Options{})
	// the stray offer, the acceptance without an offer and the completion
	// of an unanswered item are skipped; the item still waits, so its
	// abandon counts
	q := figures(r.Queues[0].Stats)
	if want := (Stats{Entered: 1, ShortAbandoned: 1, LongestWait: 3 * time.Second}); q != want || len(r.Agents) != 0 {
		t.Fatalf("got %+v agents %+v, want the entry and the abandon only", q, r.Agents)
	}
}
