package voice

import (
	"context"
	"time"

	"github.com/switchboard-cc/switchboard/ivr"
)

// Call is the part of a phone call the runner drives.
type Call interface {
	// From returns the caller's number, or "" when withheld.
	From() string
	// Digits delivers the DTMF digits the caller presses ('0'-'9', '*',
	// '#'), whatever the DTMF mode; it is closed when the caller hangs up.
	Digits() <-chan byte
	// Play plays the named prompt to the end, or until ctx is done (the
	// runner cancels it on barge-in).
	Play(ctx context.Context, prompt string) error
	// Enqueue hands the call to queue with the flow's context.
	Enqueue(ctx context.Context, queue string, c ivr.Context) error
	// Transfer hands the call to an extension with the flow's context.
	Transfer(ctx context.Context, extension string, c ivr.Context) error
	// Record records the caller for at most max (ended by '#' or silence)
	// and returns a reference to the recording.
	Record(ctx context.Context, max time.Duration) (string, error)
	// Hangup ends the call.
	Hangup(ctx context.Context) error
}

// Codes redeems a short code shown on the web contact page: it returns the
// web visit's context and the queue of its intent, and consumes the code;
// an unknown, expired or redeemed code gives an empty queue.
type Codes interface {
	Redeem(ctx context.Context, code string) (queue string, c ivr.Context, err error)
}
