package dtmf

import (
	"fmt"
	"time"
)

// Digit is one key press, whichever way it arrived.
type Digit struct {
	// Key is '0'-'9', '*', '#' or 'A'-'D'.
	Key rune
	// Duration is how long the key was held, zero when the sender did not say.
	Duration time.Duration
}

// keys maps RFC 4733 §3.2 event codes 0-15 to keys.
const keys = "0123456789*#ABCD"

// KeyOf returns the key of an RFC 4733 event code.
func KeyOf(code uint8) (rune, error) {
	if int(code) >= len(keys) {
		return 0, fmt.Errorf("%w: event code %d", ErrNotDigit, code)
	}
	return rune(keys[code]), nil
}

// CodeOf returns the RFC 4733 event code of a key; lower-case a-d are
// accepted.
func CodeOf(key rune) (uint8, error) {
	if key >= 'a' && key <= 'd' {
		key -= 'a' - 'A'
	}
	for i, k := range keys {
		if k == key {
			return uint8(i), nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrNotDigit, key)
}
