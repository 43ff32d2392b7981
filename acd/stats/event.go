package stats

import "time"

// Kind is what happened to a work item.
type Kind string

// The kinds of events in the distributor's log.
const (
	Entered     Kind = "entered"     // joined a queue (also after transfer or overflow into it)
	Offered     Kind = "offered"     // offered to Agent
	Accepted    Kind = "accepted"    // Agent accepted (answered) it
	Declined    Kind = "declined"    // Agent declined it
	NoAnswer    Kind = "no-answer"   // the offer to Agent timed out (ring no answer)
	Abandoned   Kind = "abandoned"   // the customer left while waiting or ringing
	Overflowed  Kind = "overflowed"  // left the queue for Target (queue:NAME or flow:NAME)
	Transferred Kind = "transferred" // moved to the queue Target
	Completed   Kind = "completed"   // the agent finished it (handle time ends, wrap-up starts)
)

// Event is one entry of the distributor's event log.
type Event struct {
	// Seq orders the log; it increases from one event to the next.
	Seq     int64     `json:"seq"`
	At      time.Time `json:"at"`
	Kind    Kind      `json:"kind"`
	Item    string    `json:"item"`
	Channel string    `json:"channel"`
	Queue   string    `json:"queue"`
	Agent   string    `json:"agent,omitempty"`
	// Target is where an overflow or a transfer sends the item.
	Target string `json:"target,omitempty"`
}
