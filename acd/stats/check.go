package stats

import (
	"fmt"
	"slices"
	"time"
)

// Violation is the first illegal step Check finds in a log.
type Violation struct {
	Item string // "" for a queue's totals
	Seq  int64
	What string
}

func (v *Violation) Error() string {
	if v.Item == "" {
		return "stats: " + v.What
	}
	return fmt.Sprintf("stats: item %s seq %d: %s", v.Item, v.Seq, v.What)
}

// phase is where an item stands in Check's reading of the log.
type phase int

const (
	gone        phase = iota // not in any queue: new, or left for a flow
	waiting                  // in a queue, perhaps being offered
	answered                 // held by the agent who accepted it
	transferred              // handed on by its agent; may complete, then enters the new queue
	moved                    // overflowed, transferred unanswered, or completed after a transfer: may enter a queue
	ended                    // abandoned or completed: nothing more
)

// itemState is one item as Check follows it.
type itemState struct {
	phase  phase
	queue  string
	agent  string
	offers []string
	last   time.Time
}

// Check verifies that a log of events is legal, item by item: one state
// at a time; offered only while waiting (to agents not already offered
// it); accepted, declined or unanswered only by an agent offered it;
// abandoned or overflowed only while waiting; transferred while waiting
// or once answered; completed only once answered, by the agent who holds
// it (or after its transfer); nothing after a completion or an abandon
// except a new entry after a transfer; events of a visit name its queue;
// Seq increases and an item's times never go back. It then checks that
// every queue's entries add up (entered = answered + abandoned +
// overflowed + transferred unanswered + still waiting) in Compute's
// figures. It returns the first Violation, or nil.
func Check(events []Event) error {
	items := map[string]*itemState{}
	for i, e := range events {
		bad := func(format string, args ...any) error {
			return &Violation{Item: e.Item, Seq: e.Seq, What: fmt.Sprintf(format, args...)}
		}
		if i > 0 && e.Seq <= events[i-1].Seq {
			return bad("seq does not increase (previous %d)", events[i-1].Seq)
		}
		if e.Item == "" {
			return &Violation{Seq: e.Seq, What: "event without an item"}
		}
		st := items[e.Item]
		if st == nil {
			st = &itemState{}
			items[e.Item] = st
		} else if e.At.Before(st.last) {
			return bad("%s at %s, before the item's previous event at %s", e.Kind, e.At.Format(time.RFC3339Nano), st.last.Format(time.RFC3339Nano))
		}
		st.last = e.At
		inQueue := st.phase == waiting || st.phase == answered || st.phase == transferred
		if e.Kind != Entered && e.Queue != "" && inQueue && e.Queue != st.queue {
			return bad("%s names queue %q but the item is in %q", e.Kind, e.Queue, st.queue)
		}
		if err := st.step(e); err != "" {
			return bad("%s", err)
		}
	}
	for _, q := range Compute(events, Options{}).Queues {
		if out := q.Answered + q.Abandoned + q.ShortAbandoned + q.Overflowed + q.TransferredUnanswered + q.Waiting; out != q.Entered {
			return &Violation{What: fmt.Sprintf("queue %s: entered %d but answered %d + abandoned %d + overflowed %d + transferred unanswered %d + waiting %d = %d",
				q.Queue, q.Entered, q.Answered, q.Abandoned+q.ShortAbandoned, q.Overflowed, q.TransferredUnanswered, q.Waiting, out)}
		}
	}
	return nil
}

var phaseNames = map[phase]string{gone: "not queued", waiting: "waiting", answered: "answered",
	transferred: "transferred", moved: "moved on", ended: "ended"}

// step applies event e to the item, or says why it may not happen now.
func (st *itemState) step(e Event) string {
	now := phaseNames[st.phase]
	switch e.Kind {
	case Entered:
		if st.phase != gone && st.phase != moved && st.phase != transferred {
			return "entered while " + now
		}
		if e.Queue == "" {
			return "entered no queue"
		}
		*st = itemState{phase: waiting, queue: e.Queue, last: e.At}
	case Offered:
		switch {
		case st.phase != waiting:
			return "offered while " + now
		case e.Agent == "":
			return "offered to no agent"
		case slices.Contains(st.offers, e.Agent):
			return "offered again to " + e.Agent + " while ringing"
		}
		st.offers = append(st.offers, e.Agent)
	case Accepted, Declined, NoAnswer:
		i := slices.Index(st.offers, e.Agent)
		switch {
		case st.phase != waiting:
			return string(e.Kind) + " while " + now
		case i < 0:
			return fmt.Sprintf("%s by %q, not offered it", e.Kind, e.Agent)
		}
		if e.Kind == Accepted {
			st.phase, st.agent, st.offers = answered, e.Agent, nil
		} else {
			st.offers = slices.Delete(st.offers, i, i+1)
		}
	case Abandoned, Overflowed:
		if st.phase != waiting {
			return string(e.Kind) + " while " + now
		}
		st.phase, st.offers = ended, nil
		if e.Kind == Overflowed {
			st.phase = moved
		}
	case Transferred, Completed:
		if e.Kind == Transferred && st.phase == waiting {
			st.phase, st.offers = moved, nil
			break
		}
		switch {
		case st.phase != answered && !(e.Kind == Completed && st.phase == transferred):
			return string(e.Kind) + " while " + now
		case e.Agent != "" && e.Agent != st.agent:
			return fmt.Sprintf("%s by %q but %q holds it", e.Kind, e.Agent, st.agent)
		}
		switch {
		case e.Kind == Transferred:
			st.phase = transferred
		case st.phase == transferred:
			st.phase = moved
		default:
			st.phase = ended
		}
	default:
		return fmt.Sprintf("unknown kind %q", e.Kind)
	}
	return ""
}
