package webui

import "errors"

var (
	// ErrPlainHTTP is returned by Config.Validate when plain HTTP is asked
	// for on an address other than loopback.
	ErrPlainHTTP = errors.New("webui: plain HTTP is only allowed on a loopback address; enable TLS")
	// ErrNotListening is returned by Serve before Listen succeeded.
	ErrNotListening = errors.New("webui: Serve called before Listen")
)
