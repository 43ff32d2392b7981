package trunk

import "errors"

var (
	// ErrRejected reports a final non-2xx answer to REGISTER.
	ErrRejected = errors.New("trunk: registration rejected")
	// ErrUnknownTrunk reports a trunk name that is not configured.
	ErrUnknownTrunk = errors.New("trunk: unknown trunk")
	// ErrInvalid reports a trunk definition that fails validation.
	ErrInvalid = errors.New("trunk: invalid trunk")
)
