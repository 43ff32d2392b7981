package stats

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // intervals across a DST change
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// logOf numbers events in order.
type logOf []Event

// ev is an event at t0 plus sec seconds.
func ev(kind Kind, item string, sec float64, queue, agent string) Event {
	return Event{At: t0.Add(time.Duration(sec * float64(time.Second))), Kind: kind, Item: item, Queue: queue, Agent: agent}
}

func (l logOf) seq() []Event {
	out := make([]Event, len(l))
	for i, e := range l {
		e.Seq = int64(i + 1)
		out[i] = e
	}
	return out
}

// answer is an item entering q at sec, offered to agent after 1 s and
// accepted after wait s, completed after handle s.
func answer(item, q, agent string, sec, wait, handle float64) logOf {
	return logOf{ev(Entered, item, sec, q, ""), ev(Offered, item, sec+1, q, agent),
		ev(Accepted, item, sec+wait, q, agent), ev(Completed, item, sec+wait+handle, q, agent)}
}

func cat(logs ...logOf) logOf {
	var out logOf
	for _, l := range logs {
		out = append(out, l...)
	}
	return out
}

// figures drops the running sums so that Stats compare with ==.
func figures(s Stats) Stats {
	s.waitSum, s.handleSum = 0, 0
	return s
}

func queueStats(t *testing.T, r Report, queue string) Stats {
	t.Helper()
	for _, q := range r.Queues {
		if q.Queue == queue {
			return figures(q.Stats)
		}
	}
	t.Fatalf("no figures for queue %s in %+v", queue, r.Queues)
	return Stats{}
}

func TestQueueStats(t *testing.T) {
	sec := func(n float64) time.Duration { return time.Duration(n * float64(time.Second)) }
	tests := []struct {
		name  string
		log   logOf
		opts  Options
		queue string
		want  Stats
	}{
		{"answered within target", answer("i", "q", "a", 0, 5, 60), Options{}, "q",
			Stats{Entered: 1, Offered: 1, Answered: 1, AnsweredInTarget: 1, Handled: 1, ServiceLevel: 1,
				ASA: sec(5), AHT: sec(60), LongestWait: sec(5)}},
		{"answered at the target counts within it", answer("i", "q", "a", 0, 20, 60), Options{}, "q",
			Stats{Entered: 1, Offered: 1, Answered: 1, AnsweredInTarget: 1, Handled: 1, ServiceLevel: 1,
				ASA: sec(20), AHT: sec(60), LongestWait: sec(20)}},
		{"answered late", answer("i", "q", "a", 0, 30, 60), Options{}, "q",
			Stats{Entered: 1, Offered: 1, Answered: 1, Handled: 1, ASA: sec(30), AHT: sec(60), LongestWait: sec(30)}},
		{"the queue's own target", answer("i", "q", "a", 0, 30, 60), Options{Targets: map[string]time.Duration{"q": 40 * time.Second}}, "q",
			Stats{Entered: 1, Offered: 1, Answered: 1, AnsweredInTarget: 1, Handled: 1, ServiceLevel: 1,
				ASA: sec(30), AHT: sec(60), LongestWait: sec(30)}},
		{"default target option", answer("i", "q", "a", 0, 30, 60), Options{DefaultTarget: 30 * time.Second}, "q",
			Stats{Entered: 1, Offered: 1, Answered: 1, AnsweredInTarget: 1, Handled: 1, ServiceLevel: 1,
				ASA: sec(30), AHT: sec(60), LongestWait: sec(30)}},
		{"short abandon counted apart", logOf{ev(Entered, "i", 0, "q", ""), ev(Abandoned, "i", 4.9, "q", "")}, Options{}, "q",
			Stats{Entered: 1, ShortAbandoned: 1, LongestWait: sec(4.9)}},
		{"abandon at the threshold is not short", logOf{ev(Entered, "i", 0, "q", ""), ev(Abandoned, "i", 5, "q", "")}, Options{}, "q",
			Stats{Entered: 1, Abandoned: 1, AbandonRate: 1, LongestWait: sec(5)}},
		{"no short abandons", logOf{ev(Entered, "i", 0, "q", ""), ev(Abandoned, "i", 1, "q", "")}, Options{ShortAbandon: -1}, "q",
			Stats{Entered: 1, Abandoned: 1, AbandonRate: 1, LongestWait: sec(1)}},
		{"abandoned while ringing", logOf{ev(Entered, "i", 0, "q", ""), ev(Offered, "i", 10, "q", "a"), ev(Abandoned, "i", 12, "q", "")}, Options{}, "q",
			Stats{Entered: 1, Offered: 1, Abandoned: 1, AbandonRate: 1, LongestWait: sec(12)}},
		{"no answer keeps the wait from entry", logOf{ev(Entered, "i", 0, "q", ""), ev(Offered, "i", 1, "q", "a"),
			ev(NoAnswer, "i", 16, "q", "a"), ev(Offered, "i", 17, "q", "b"), ev(Declined, "i", 18, "q", "b"),
			ev(Offered, "i", 19, "q", "c"), ev(Accepted, "i", 25, "q", "c")}, Options{}, "q",
			Stats{Entered: 1, Offered: 3, NoAnswers: 1, Declines: 1, Answered: 1, ASA: sec(25), LongestWait: sec(25)}},
		{"still waiting", logOf{ev(Entered, "i", 0, "q", ""), ev(Offered, "i", 1, "q", "a")}, Options{}, "q",
			Stats{Entered: 1, Offered: 1, Waiting: 1}},
		{"overflow leaves the queue", cat(logOf{ev(Entered, "i", 0, "q", ""), {At: t0.Add(time.Minute), Kind: Overflowed, Item: "i", Queue: "q", Target: "queue:r"}},
			answer("i", "r", "a", 60, 5, 10)), Options{}, "q",
			Stats{Entered: 1, Overflowed: 1, LongestWait: time.Minute}},
		{"overflow enters the next queue afresh", cat(logOf{ev(Entered, "i", 0, "q", ""), {At: t0.Add(time.Minute), Kind: Overflowed, Item: "i", Queue: "q", Target: "queue:r"}},
			answer("i", "r", "a", 60, 5, 10)), Options{}, "r",
			Stats{Entered: 1, Offered: 1, Answered: 1, AnsweredInTarget: 1, Handled: 1, ServiceLevel: 1, ASA: sec(5), AHT: sec(10), LongestWait: sec(5)}},
		{"transfer ends the handle time", cat(answer("i", "q", "a", 0, 5, 0)[:3],
			logOf{{At: t0.Add(65 * time.Second), Kind: Transferred, Item: "i", Queue: "q", Agent: "a", Target: "queue:r"},
				ev(Completed, "i", 70, "q", "a")}, answer("i", "r", "b", 70, 10, 30)), Options{}, "q",
			Stats{Entered: 1, Offered: 1, Answered: 1, AnsweredInTarget: 1, Transferred: 1, Handled: 1, ServiceLevel: 1,
				ASA: sec(5), AHT: sec(60), LongestWait: sec(5)}},
		{"transferred item counts as entered in the new queue", cat(answer("i", "q", "a", 0, 5, 0)[:3],
			logOf{ev(Transferred, "i", 65, "q", "a")}, answer("i", "r", "b", 65, 10, 30)), Options{}, "r",
			Stats{Entered: 1, Offered: 1, Answered: 1, AnsweredInTarget: 1, Handled: 1, ServiceLevel: 1,
				ASA: sec(10), AHT: sec(30), LongestWait: sec(10)}},
		{"transferred before an answer leaves the queue", cat(logOf{ev(Entered, "i", 0, "q", ""), ev(Offered, "i", 2, "q", "a"),
			{At: t0.Add(30 * time.Second), Kind: Transferred, Item: "i", Queue: "q", Target: "callback"}}, answer("i", "q", "b", 30, 5, 10)), Options{}, "q",
			Stats{Entered: 2, Offered: 2, Answered: 1, AnsweredInTarget: 1, Transferred: 1, TransferredUnanswered: 1, Handled: 1,
				ServiceLevel: 1, ASA: sec(5), AHT: sec(10), LongestWait: sec(30)}},
		{"service level and abandon rate leave short abandons out", cat(
			answer("i1", "q", "a", 0, 5, 60), answer("i2", "q", "a", 100, 15, 60), answer("i3", "q", "a", 200, 45, 60),
			logOf{ev(Entered, "i4", 300, "q", ""), ev(Abandoned, "i4", 340, "q", ""),
				ev(Entered, "i5", 400, "q", ""), ev(Abandoned, "i5", 402, "q", "")}), Options{}, "q",
			Stats{Entered: 5, Offered: 3, Answered: 3, AnsweredInTarget: 2, Abandoned: 1, ShortAbandoned: 1, Handled: 3,
				ServiceLevel: 0.5, AbandonRate: 0.25, ASA: sec(65.0 / 3), AHT: sec(60), LongestWait: sec(45)}},
		{"ring-all: every phone offered, one answers", logOf{ev(Entered, "i", 0, "q", ""), ev(Offered, "i", 1, "q", "a"),
			ev(Offered, "i", 1, "q", "b"), ev(Accepted, "i", 4, "q", "b")}, Options{}, "q",
			Stats{Entered: 1, Offered: 2, Answered: 1, AnsweredInTarget: 1, ServiceLevel: 1, ASA: sec(4), LongestWait: sec(4)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			events := tc.log.seq()
			if err := Check(events); err != nil {
				t.Fatalf("test log is not legal: %v", err)
			}
			if got := queueStats(t, Compute(events, tc.opts), tc.queue); got != tc.want {
				t.Fatalf("queue %s:\n got %+v\nwant %+v", tc.queue, got, tc.want)
			}
		})
	}
}

func TestAgentStats(t *testing.T) {
	log := cat(
		logOf{ev(Entered, "i1", 0, "q", ""), ev(Offered, "i1", 1, "q", "a"), ev(NoAnswer, "i1", 16, "q", "a"),
			ev(Offered, "i1", 17, "q", "b"), ev(Accepted, "i1", 20, "q", "b"), ev(Completed, "i1", 80, "q", "b")},
		logOf{ev(Entered, "i2", 100, "r", ""), ev(Offered, "i2", 101, "r", "b"), ev(Declined, "i2", 102, "r", "b"),
			ev(Offered, "i2", 103, "r", "a"), ev(Accepted, "i2", 110, "r", "a"), ev(Transferred, "i2", 150, "r", "a")},
		answer("i2", "q", "b", 150, 4, 100),
	).seq()
	r := Compute(log, Options{})
	if len(r.Agents) != 2 || r.Agents[0].Agent != "a" || r.Agents[1].Agent != "b" {
		t.Fatalf("agents %+v, want a then b", r.Agents)
	}
	a, b := figures(r.Agents[0].Stats), figures(r.Agents[1].Stats)
	wantA := Stats{Offered: 2, NoAnswers: 1, Answered: 1, AnsweredInTarget: 1, Transferred: 1, Handled: 1,
		ServiceLevel: 1, ASA: 10 * time.Second, AHT: 40 * time.Second}
	wantB := Stats{Offered: 3, Declines: 1, Answered: 2, AnsweredInTarget: 2, Handled: 2,
		ServiceLevel: 1, ASA: 12 * time.Second, AHT: 80 * time.Second}
	if a != wantA {
		t.Errorf("agent a:\n got %+v\nwant %+v", a, wantA)
	}
	if b != wantB {
		t.Errorf("agent b:\n got %+v\nwant %+v", b, wantB)
	}
}

func TestIntervals(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		loc    *time.Location
		enters []time.Time
		starts []time.Time // one per interval, in order
		counts []int
	}{
		{"quarter hours in UTC", nil,
			[]time.Time{t0.Add(14*time.Minute + 59*time.Second), t0.Add(15 * time.Minute), t0.Add(-time.Nanosecond), t0},
			[]time.Time{t0.Add(-15 * time.Minute), t0, t0.Add(15 * time.Minute)}, []int{1, 2, 1}},
		{"a zone three quarters past the hour", time.FixedZone("+0545", 5*3600+45*60),
			[]time.Time{t0.Add(7 * time.Minute)}, // 14:52 local
			[]time.Time{t0}, []int{1}},
		{"a zone half past the hour", time.FixedZone("+0530", 5*3600+30*60),
			[]time.Time{t0.Add(7 * time.Minute)}, // 14:37 local
			[]time.Time{t0}, []int{1}},
		{"the repeated hour of a DST end stays two intervals", ny,
			// 01:05 EDT and 01:05 EST on 2026-11-01
			[]time.Time{time.Date(2026, 11, 1, 5, 5, 0, 0, time.UTC), time.Date(2026, 11, 1, 6, 5, 0, 0, time.UTC)},
			[]time.Time{time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)}, []int{1, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var log logOf
			for i, at := range tc.enters {
				id := string(rune('a' + i))
				log = append(log, Event{At: at, Kind: Entered, Item: id, Queue: "q"})
			}
			r := Compute(log.seq(), Options{Location: tc.loc})
			if len(r.Intervals) != len(tc.starts) {
				t.Fatalf("intervals %+v, want starts %v", r.Intervals, tc.starts)
			}
			for i, in := range r.Intervals {
				if !in.Start.Equal(tc.starts[i]) || in.Entered != tc.counts[i] {
					t.Errorf("interval %d: start %s entered %d, want %s and %d", i, in.Start, in.Entered, tc.starts[i], tc.counts[i])
				}
				if loc := tc.loc; loc != nil && in.Start.Location() != loc {
					t.Errorf("interval %d start in %s, want %s", i, in.Start.Location(), loc)
				}
			}
		})
	}
}

func TestIntervalOfEntry(t *testing.T) {
	// entered 09:10, answered 09:20: everything counts in the 09:00 interval
	log := answer("i", "q", "a", 10*60, 10*60, 60).seq()
	r := Compute(log, Options{})
	if len(r.Intervals) != 1 || !r.Intervals[0].Start.Equal(t0) || r.Intervals[0].Answered != 1 || r.Intervals[0].Handled != 1 {
		t.Fatalf("intervals %+v, want one at %s with the answer", r.Intervals, t0)
	}
}

func TestWindow(t *testing.T) {
	log := cat(answer("early", "q", "a", -60, 5, 10), answer("in", "q", "a", 0, 5, 10),
		answer("edge", "q", "a", 3600, 5, 10)).seq()
	r := Compute(log, Options{From: t0, To: t0.Add(time.Hour)})
	if len(r.Queues) != 1 || r.Queues[0].Entered != 1 || r.Queues[0].Answered != 1 {
		t.Fatalf("queues %+v, want only the visit entered in the window", r.Queues)
	}
	if len(r.Agents) != 1 || r.Agents[0].Answered != 1 {
		t.Fatalf("agents %+v, want only the visit entered in the window", r.Agents)
	}
}

func TestReportJSON(t *testing.T) {
	b, err := json.Marshal(Compute(answer("i", "q", "a", 0, 5, 60).seq(), Options{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"queue":"q"`, `"agent":"a"`, `"start":"2026-11-23T09:00:00Z"`, `"asa_ns":5000000000`, `"service_level":1`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
	if empty, _ := json.Marshal(Compute(nil, Options{})); string(empty) != `{"queues":[],"agents":[],"intervals":[]}` {
		t.Errorf("empty report %s", empty)
	}
}
