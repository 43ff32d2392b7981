package customer

import "errors"

// ErrBadPhone is returned for a phone number that cannot be normalised to
// E.164.
var ErrBadPhone = errors.New("customer: bad phone number")

// ErrBadEmail is returned for a malformed email address.
var ErrBadEmail = errors.New("customer: bad email address")

// ErrBadIdentity is returned for an identity of unknown kind or empty value.
var ErrBadIdentity = errors.New("customer: bad identity")

// ErrBadEntry is returned for a timeline entry without channel or kind.
var ErrBadEntry = errors.New("customer: bad timeline entry")

// ErrNotFound is returned when a customer does not exist.
var ErrNotFound = errors.New("customer: not found")
