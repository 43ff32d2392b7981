package chat

import "errors"

// ErrUnknownWidget is returned for a widget name the configuration lacks.
var ErrUnknownWidget = errors.New("chat: unknown widget")

// ErrOrigin is returned when a visitor page's Origin is not one of its
// widget's allowed origins.
var ErrOrigin = errors.New("chat: origin not allowed")

// ErrNoSession is returned for a session that does not exist or is closed.
var ErrNoSession = errors.New("chat: no such open session")

// ErrNotYours is returned when an agent acts on a chat it does not hold.
var ErrNotYours = errors.New("chat: chat not held by this agent")

// ErrTooLong is returned for a message over the size limit.
var ErrTooLong = errors.New("chat: message too long")

// ErrNoFallback is returned when leaving a message, asking a callback or a
// transcript is not configured.
var ErrNoFallback = errors.New("chat: not available on this appliance")

// errSlow closes a connection whose reader cannot keep up.
var errSlow = errors.New("chat: connection too slow")

// errFlood closes a visitor connection over its message rate.
var errFlood = errors.New("chat: message rate exceeded")

// errNoPong closes a connection whose peer does not answer a ping.
var errNoPong = errors.New("chat: no answer to ping")

// errNoHello closes a visitor connection whose hello does not come within
// Config.HelloTimeout.
var errNoHello = errors.New("chat: no hello")

// ErrTooManyChats is returned when the visitor's address already has
// Config.MaxChatsPerIP chats open.
var ErrTooManyChats = errors.New("chat: too many open chats from this address")

// ErrClosed is returned by operations on a closed Server.
var ErrClosed = errors.New("chat: server closed")
