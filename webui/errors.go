package webui

import "errors"

var (
	// ErrPlainHTTP is returned by Config.Validate when plain HTTP is asked
	// for on an address other than loopback.
	ErrPlainHTTP = errors.New("webui: plain HTTP is only allowed on a loopback address; enable TLS")
	// ErrNotListening is returned by Serve before Listen succeeded.
	ErrNotListening = errors.New("webui: Serve called before Listen")
	// ErrUnknownAgent is returned by a Live source for an agent it does not
	// know.
	ErrUnknownAgent = errors.New("webui: unknown agent")
	// ErrBadPresence is returned by a Live source for a presence it refuses
	// (an unknown channel, say).
	ErrBadPresence = errors.New("webui: invalid presence")
)

// errSelfDelete refuses an admin deleting their own account (the panel
// would be left without a way in).
var errSelfDelete = errors.New("webui: you cannot delete your own account")
