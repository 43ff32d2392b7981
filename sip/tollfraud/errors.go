package tollfraud

import (
	"errors"
	"fmt"
)

var (
	// ErrUnauthenticated refuses an external call without an extension (SIP 403).
	ErrUnauthenticated = errors.New("tollfraud: no authenticated extension")
	// ErrConcurrent reports the extension's concurrent external calls are
	// at their limit (SIP 503).
	ErrConcurrent = errors.New("tollfraud: concurrent external call limit reached")
	// ErrMinutes reports the extension's international minutes for the day
	// are spent (SIP 503).
	ErrMinutes = errors.New("tollfraud: international minutes per day spent")
	// ErrDestination reports an international number outside the allowlist
	// (SIP 403).
	ErrDestination = errors.New("tollfraud: international destination not allowed")
)

// LimitError is a refused call; it unwraps to one of the sentinels.
type LimitError struct {
	Err       error
	Extension string
	Number    string
}

// Error names the extension and the number.
func (e *LimitError) Error() string {
	return fmt.Sprintf("%v: extension %q to %q", e.Err, e.Extension, e.Number)
}

// Unwrap returns the sentinel.
func (e *LimitError) Unwrap() error { return e.Err }

// SIPStatus maps the refusal to the SIP final response: 403 for callers and
// destinations never allowed, 503 for limits that clear with time.
func (e *LimitError) SIPStatus() (int, string) {
	if errors.Is(e.Err, ErrConcurrent) || errors.Is(e.Err, ErrMinutes) {
		return 503, "Service Unavailable"
	}
	return 403, "Forbidden"
}
