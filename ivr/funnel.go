package ivr

import "context"

// Step is what happened at a node.
type Step string

// The funnel steps.
const (
	// Entered counts a visit of a node.
	Entered Step = "enter"
	// Chose counts a choice at a node (a menu digit, a web button).
	Chose Step = "choice"
	// Left counts an abandonment at a node (hangup, page left).
	Left Step = "leave"
)

// Event is one funnel measurement.
type Event struct {
	Flow    string
	Node    string
	Face    Face
	Step    Step
	Choice  string // the option chosen, for Chose
	Session string // one call or one page visit
}

// Recorder stores funnel events. The store satisfies it through
// StoreFunnel; a nil Recorder records nothing.
type Recorder interface {
	Record(ctx context.Context, e Event) error
}
