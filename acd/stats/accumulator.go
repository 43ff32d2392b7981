package stats

import (
	"cmp"
	"maps"
	"slices"
	"time"
)

// Accumulator computes the statistics of an event log event by event,
// for live figures; Report at any point equals Compute over the events
// added so far. It is not safe for concurrent use.
//
// It counts what a legal log says and skips what it cannot place (an
// event for an item with no open queue visit, an acceptance by an agent
// not offered the item): Check names such faults.
type Accumulator struct {
	opts      Options
	queues    map[string]*Stats
	agents    map[string]*Stats
	intervals map[intervalKey]*Stats
	// visits are the open queue visits by item; a visit ends with its
	// abandon, overflow, completion or transfer.
	visits map[string]*visit
}

type intervalKey struct {
	queue string
	start int64 // Unix nanoseconds
}

// visit is an item's stay in one queue.
type visit struct {
	queue    string
	entered  time.Time
	counted  bool     // entered within the window
	stats    []*Stats // the queue's and the interval's, when counted
	offers   []string // agents being offered the item
	agent    string   // who accepted it
	accepted time.Time
}

// NewAccumulator returns an empty Accumulator counting with opts.
func NewAccumulator(opts Options) *Accumulator {
	opts.Targets = maps.Clone(opts.Targets)
	return &Accumulator{opts: opts, queues: map[string]*Stats{}, agents: map[string]*Stats{},
		intervals: map[intervalKey]*Stats{}, visits: map[string]*visit{}}
}

// Compute returns the statistics of a log of events in Seq order.
func Compute(events []Event, opts Options) Report {
	acc := NewAccumulator(opts)
	for _, e := range events {
		acc.Add(e)
	}
	return acc.Report()
}

func (a *Accumulator) agent(id string) *Stats {
	s := a.agents[id]
	if s == nil {
		s = &Stats{}
		a.agents[id] = s
	}
	return s
}

// Add counts the next event of the log.
func (a *Accumulator) Add(e Event) {
	if e.Kind == Entered {
		a.enter(e)
		return
	}
	v := a.visits[e.Item]
	if v == nil {
		return
	}
	wait := e.At.Sub(v.entered)
	switch e.Kind {
	case Offered:
		if v.agent != "" || e.Agent == "" || slices.Contains(v.offers, e.Agent) {
			return
		}
		v.offers = append(v.offers, e.Agent)
		a.count(v, e.Agent, func(s *Stats) { s.Offered++ })
	case Declined, NoAnswer:
		i := slices.Index(v.offers, e.Agent)
		if v.agent != "" || i < 0 {
			return
		}
		v.offers = slices.Delete(v.offers, i, i+1)
		a.count(v, e.Agent, func(s *Stats) {
			if e.Kind == Declined {
				s.Declines++
			} else {
				s.NoAnswers++
			}
		})
	case Accepted:
		if v.agent != "" || !slices.Contains(v.offers, e.Agent) {
			return
		}
		v.offers, v.agent, v.accepted = nil, e.Agent, e.At
		inTarget := wait <= a.opts.target(v.queue)
		a.count(v, e.Agent, func(s *Stats) {
			s.Answered++
			s.waitSum += wait
			if inTarget {
				s.AnsweredInTarget++
			}
		})
		for _, s := range v.stats {
			s.waited(wait)
		}
	case Abandoned, Overflowed:
		if v.agent != "" {
			return
		}
		short := e.Kind == Abandoned && a.opts.short(wait)
		for _, s := range v.stats {
			switch {
			case e.Kind == Overflowed:
				s.Overflowed++
			case short:
				s.ShortAbandoned++
			default:
				s.Abandoned++
			}
			s.waited(wait)
		}
		delete(a.visits, e.Item)
	case Transferred, Completed:
		if v.agent == "" {
			if e.Kind == Transferred {
				// moved on before an answer: it leaves the queue
				for _, s := range v.stats {
					s.Transferred++
					s.TransferredUnanswered++
					s.waited(wait)
				}
				delete(a.visits, e.Item)
			}
			return
		}
		handle := e.At.Sub(v.accepted)
		a.count(v, v.agent, func(s *Stats) {
			s.Handled++
			s.handleSum += handle
			if e.Kind == Transferred {
				s.Transferred++
			}
		})
		delete(a.visits, e.Item)
	}
}

// enter opens an item's visit to a queue.
func (a *Accumulator) enter(e Event) {
	v := &visit{queue: e.Queue, entered: e.At, counted: a.opts.inWindow(e.At)}
	a.visits[e.Item] = v
	if !v.counted {
		return
	}
	q := a.queues[e.Queue]
	if q == nil {
		q = &Stats{}
		a.queues[e.Queue] = q
	}
	k := intervalKey{e.Queue, intervalStart(e.At, a.opts.location()).UnixNano()}
	in := a.intervals[k]
	if in == nil {
		in = &Stats{}
		a.intervals[k] = in
	}
	v.stats = []*Stats{q, in}
	for _, s := range v.stats {
		s.Entered++
		s.Waiting++
	}
}

// count applies f to the visit's queue and interval figures and to the
// agent's, when the visit is counted.
func (a *Accumulator) count(v *visit, agent string, f func(*Stats)) {
	if !v.counted {
		return
	}
	for _, s := range v.stats {
		f(s)
	}
	f(a.agent(agent))
}

// Report returns the statistics of the events added so far.
func (a *Accumulator) Report() Report {
	r := Report{Queues: []QueueStats{}, Agents: []AgentStats{}, Intervals: []IntervalStats{}}
	for _, name := range slices.Sorted(maps.Keys(a.queues)) {
		s := *a.queues[name]
		s.finish()
		r.Queues = append(r.Queues, QueueStats{Queue: name, Stats: s})
	}
	for _, id := range slices.Sorted(maps.Keys(a.agents)) {
		s := *a.agents[id]
		s.finish()
		r.Agents = append(r.Agents, AgentStats{Agent: id, Stats: s})
	}
	keys := slices.SortedFunc(maps.Keys(a.intervals), func(x, y intervalKey) int {
		return cmp.Or(cmp.Compare(x.queue, y.queue), cmp.Compare(x.start, y.start))
	})
	loc := a.opts.location()
	for _, k := range keys {
		s := *a.intervals[k]
		s.finish()
		r.Intervals = append(r.Intervals, IntervalStats{Queue: k.queue, Start: time.Unix(0, k.start).In(loc), Stats: s})
	}
	return r
}
