package dtmf

import "errors"

var (
	// ErrBadEvent wraps every reason an RFC 4733 payload is refused.
	ErrBadEvent = errors.New("dtmf: bad telephone-event payload")
	// ErrBadInfo wraps every reason a SIP INFO body carries no digit.
	ErrBadInfo = errors.New("dtmf: bad INFO body")
	// ErrNotDigit means a rune or event code is no DTMF key.
	ErrNotDigit = errors.New("dtmf: not a DTMF digit")
)
