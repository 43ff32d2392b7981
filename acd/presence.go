package acd

import (
	"fmt"
	"slices"
	"time"
)

// The presence states.
const (
	Available = "available"
	Away      = "away"
	Offline   = "offline"
)

// The reasons the distributor itself sets an agent away with.
const (
	ReasonNoAnswer = "ring-no-answer"
)

// Presence is an agent's presence: available for Channels (every channel
// the agent serves when empty), away with a reason, or offline (logged
// out).
type Presence struct {
	State    string    `json:"state"`
	Channels []Channel `json:"channels,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Since    time.Time `json:"since"`
}

// validate checks a requested presence.
func (p Presence) validate() error {
	switch p.State {
	case Available, Away, Offline:
	default:
		return fmt.Errorf("%w: state %q (want available, away or offline)", ErrPresence, p.State)
	}
	for _, c := range p.Channels {
		if !slices.Contains([]Channel{Voice, Chat, Email, Callback}, c) {
			return fmt.Errorf("%w: unknown channel %q", ErrPresence, c)
		}
	}
	if len(p.Reason) > 64 {
		return fmt.Errorf("%w: reason longer than 64 characters", ErrPresence)
	}
	return nil
}

// loggedIn reports whether the agent is logged in (away counts: a paused
// agent is still staffing the queue).
func (p Presence) loggedIn() bool { return p.State == Available || p.State == Away }
