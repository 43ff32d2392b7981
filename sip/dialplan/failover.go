package dialplan

import (
	"context"
	"errors"
)

// Attempt places one leg of an outbound call and returns the final SIP
// status received (0 when none came) and an error for a leg that failed
// without one; a context.DeadlineExceeded error counts as a timeout.
type Attempt func(ctx context.Context, leg Leg) (status int, err error)

// Dial tries the plan's legs in order with attempt, moving to the next trunk
// only when Failover says so (5xx, timeout, no response) and stopping at the
// first answer or at a 4xx/6xx from the far end. It returns the last leg
// tried with its status and error. The caller's cancellation stops it
// between legs.
func Dial(ctx context.Context, p Plan, attempt Attempt) (Leg, int, error) {
	var (
		leg    Leg
		status int
		err    error
	)
	for _, leg = range p.Legs {
		if cerr := ctx.Err(); cerr != nil {
			return leg, status, cerr
		}
		status, err = attempt(ctx, leg)
		if !Failover(status, errors.Is(err, context.DeadlineExceeded)) {
			return leg, status, err
		}
	}
	return leg, status, err
}
