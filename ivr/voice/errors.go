package voice

import "errors"

// ErrHangup is wrapped by Call methods when the caller has hung up; a
// closed Digits channel means the same.
var ErrHangup = errors.New("voice: caller hung up")

// ErrTooManySteps is returned when a walk exceeds Config.MaxSteps nodes.
var ErrTooManySteps = errors.New("voice: too many steps")
