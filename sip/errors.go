package sip

import (
	"errors"
	"fmt"
)

// ErrDialRefused is the error of a TCP connect to an address the appliance
// has no reason to reach (see dialPolicy).
var ErrDialRefused = errors.New("sip: tcp connect refused: not a trunk, registered phone or recent peer")

// StatusError is an error that ends a SIP transaction with a status.
type StatusError interface {
	error
	SIPStatus() (code int, reason string)
}

// statusError is the StatusError of this package.
type statusError struct {
	code   int
	reason string
	err    error
}

func (e *statusError) Error() string {
	if e.err != nil {
		return fmt.Sprintf("sip: %d %s: %v", e.code, e.reason, e.err)
	}
	return fmt.Sprintf("sip: %d %s", e.code, e.reason)
}

func (e *statusError) Unwrap() error { return e.err }

// SIPStatus returns the response status the error maps to.
func (e *statusError) SIPStatus() (int, string) { return e.code, e.reason }

// Status returns an error answered with code and reason.
func Status(code int, reason string, err error) error {
	return &statusError{code: code, reason: reason, err: err}
}

// statusOf maps any error to a response status: a StatusError's own, else
// 500.
func statusOf(err error) (int, string) {
	var se StatusError
	if errors.As(err, &se) {
		return se.SIPStatus()
	}
	return 500, "Server Internal Error"
}
