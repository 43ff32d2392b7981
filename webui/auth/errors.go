package auth

import "errors"

var (
	// ErrBadCredentials is returned by Login for an unknown user or a wrong
	// password; it does not say which.
	ErrBadCredentials = errors.New("auth: wrong user name or password")
	// ErrThrottled is returned by Login while too many recent failures came
	// from the client address or named the user.
	ErrThrottled = errors.New("auth: too many failed logins, try again later")
	// ErrUnauthenticated is returned when a request carries no valid session
	// or token.
	ErrUnauthenticated = errors.New("auth: not logged in")
	// ErrBadRole is returned for a role other than admin, supervisor or agent.
	ErrBadRole = errors.New("auth: role must be admin, supervisor or agent")
	// ErrBadUserName is returned for a user name outside [a-z0-9._-]{1,32}.
	ErrBadUserName = errors.New("auth: user name must be 1 to 32 of a-z 0-9 . _ -")
	// ErrWeakPassword is returned for a password shorter than
	// MinPasswordLen, or longer than MaxPasswordLen bytes (bcrypt's limit).
	ErrWeakPassword = errors.New("auth: password must be at least 10 characters and at most 72 bytes")
)
