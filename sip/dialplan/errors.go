package dialplan

import (
	"errors"
	"fmt"
)

var (
	// ErrNoRoute reports that no route matches the number (SIP 404).
	ErrNoRoute = errors.New("dialplan: no route")
	// ErrClassRefused reports that the caller's permission class does not
	// allow the number (SIP 403).
	ErrClassRefused = errors.New("dialplan: refused by permission class")
	// ErrUnauthenticated reports an outbound call from a caller that is not
	// an authenticated extension (SIP 403).
	ErrUnauthenticated = errors.New("dialplan: caller not authenticated")
	// ErrBadNumber reports a number that cannot be normalised (SIP 484).
	ErrBadNumber = errors.New("dialplan: malformed number")
	// ErrBadPattern reports a dial pattern that cannot be parsed.
	ErrBadPattern = errors.New("dialplan: bad pattern")
	// ErrBadDestination reports a destination that cannot be parsed.
	ErrBadDestination = errors.New("dialplan: bad destination")
)

// Error is a routing refusal carrying the number concerned; it unwraps to
// one of the sentinels above and classifies itself as a SIP status.
type Error struct {
	Err    error
	Number string
}

// Error returns the sentinel text with the number.
func (e *Error) Error() string { return fmt.Sprintf("%v: %q", e.Err, e.Number) }

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }

// SIPStatus maps the refusal to the SIP final response the B2BUA sends.
func (e *Error) SIPStatus() (int, string) {
	switch {
	case errors.Is(e.Err, ErrClassRefused), errors.Is(e.Err, ErrUnauthenticated):
		return 403, "Forbidden"
	case errors.Is(e.Err, ErrBadNumber):
		return 484, "Address Incomplete"
	default:
		return 404, "Not Found"
	}
}
