package ivr

import (
	"errors"
	"fmt"
)

// ErrUnknownNode is returned when a flow refers to a node it does not have.
var ErrUnknownNode = errors.New("ivr: unknown node")

// ErrNoCalendar is returned when an hours node names a calendar that the
// environment does not know.
var ErrNoCalendar = errors.New("ivr: unknown calendar")

// ErrNoLive is returned when a condition node runs without a Live source.
var ErrNoLive = errors.New("ivr: no live conditions source")

// FlowError is one validation problem, naming the flow, the node (empty
// for the flow itself) and the node's field at fault.
type FlowError struct {
	Flow  string
	Node  string
	Field string
	Msg   string
}

// Error formats the problem as "flow F node N field: message".
func (e *FlowError) Error() string {
	s := "ivr: flow " + e.Flow
	if e.Node != "" {
		s += " node " + e.Node
	}
	if e.Field != "" {
		s += " " + e.Field
	}
	return s + ": " + e.Msg
}

// Errors is the list of problems Validate found.
type Errors []*FlowError

// Error joins every problem, one a line.
func (es Errors) Error() string {
	s := ""
	for i, e := range es {
		if i > 0 {
			s += "\n"
		}
		s += e.Error()
	}
	return s
}

func errorf(flow, node, field, format string, args ...any) *FlowError {
	return &FlowError{Flow: flow, Node: node, Field: field, Msg: fmt.Sprintf(format, args...)}
}
