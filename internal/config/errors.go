package config

import (
	"errors"
	"fmt"
	"strings"
)

// FieldError is one problem in a configuration file or setting, located by
// its field path (e.g. "queues[0].ring_timeout") and, for files, its line.
type FieldError struct {
	Path string
	Line int
	Msg  string
}

// Error formats the error as "path (line N): message".
func (e *FieldError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s (line %d): %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// ErrorList is every problem found in one file; nothing is applied when a
// file has any.
type ErrorList []*FieldError

// Error lists the problems one per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the individual errors for errors.As.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// ErrNoFile is returned when an import names no readable file.
var ErrNoFile = errors.New("config: no configuration file")
