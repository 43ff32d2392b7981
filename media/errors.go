package media

import "errors"

var (
	// ErrBadSDP wraps every reason an SDP body is refused.
	ErrBadSDP = errors.New("media: bad SDP")
	// ErrNoCommonCodec means an offer has no codec the appliance speaks
	// (SIP answers 488 Not Acceptable Here).
	ErrNoCommonCodec = errors.New("media: no common codec")
	// ErrInactive ends a bridge whose active leg sent no RTP for the
	// configured inactivity timeout.
	ErrInactive = errors.New("media: RTP inactivity timeout")
	// ErrNoPorts means every RTP port of the configured range is in use.
	ErrNoPorts = errors.New("media: no free RTP port in range")
	// ErrRecording means a session is already being recorded.
	ErrRecording = errors.New("media: session already recorded")
	// ErrClosed is returned by operations on a closed session.
	ErrClosed = errors.New("media: session closed")
)
