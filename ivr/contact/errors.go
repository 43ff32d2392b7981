package contact

import "errors"

// ErrNoFlow is returned by a FlowSource for an unknown flow name.
var ErrNoFlow = errors.New("contact: no such flow")
