package ivr

import (
	"errors"
	"slices"
)

// Validate checks f for both faces and returns every problem as Errors:
// a missing or unknown start, fields a node type requires (prompts, queue,
// options), references to unknown nodes, nodes no face can reach, cycles
// that take no input from the caller, and face-only nodes reachable from
// the other face without a Fallback.
func Validate(f *Flow) error {
	var errs Errors
	add := func(node, field, format string, args ...any) {
		errs = append(errs, errorf(f.Name, node, field, format, args...))
	}
	if f.Name == "" {
		add("", "name", "a flow needs a name")
	}
	if f.Start == "" {
		add("", "start", "a flow needs a start node")
	} else if f.Nodes[f.Start] == nil {
		add("", "start", "start node %q does not exist", f.Start)
	}
	ids := f.NodeIDs()
	for _, id := range ids {
		checkNode(f, id, f.Nodes[id], add)
	}
	for _, id := range ids {
		n := f.Nodes[id]
		for _, face := range []Face{Voice, Web} {
			for _, e := range n.Edges(face) {
				if f.Nodes[e.To] == nil && !slices.ContainsFunc(errs, func(x *FlowError) bool { return x.Node == id && x.Field == e.Field }) {
					add(id, e.Field, "refers to unknown node %q", e.To)
				}
			}
		}
	}
	if f.Nodes[f.Start] == nil {
		return errs.orNil()
	}
	reached := map[string]bool{}
	for _, face := range []Face{Voice, Web} {
		for id := range reach(f, face) {
			reached[id] = true
		}
		for _, id := range ids {
			n := f.Nodes[id]
			if reach(f, face)[id] && !n.On(face) && n.Fallback == "" {
				add(id, "fallback", "%s node is reachable from the %s face, which has no %s: give it a fallback", n.Type, face, n.Type)
			}
		}
		if cyc := busyLoop(f, face); cyc != "" {
			add(cyc, "", "loop with no input from the caller on the %s face", face)
		}
	}
	for _, id := range ids {
		if !reached[id] {
			add(id, "", "unreachable from start node %q", f.Start)
		}
	}
	return errs.orNil()
}

func (es Errors) orNil() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// AsErrors returns the FlowErrors inside err, if it holds any.
func AsErrors(err error) Errors {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	return nil
}

func checkNode(f *Flow, id string, n *Node, add func(node, field, format string, args ...any)) {
	if n == nil {
		add(id, "", "empty node")
		return
	}
	if !slices.Contains(Types, n.Type) {
		add(id, "type", "unknown node type %q", n.Type)
		return
	}
	need := func(field, v string) {
		if v == "" {
			add(id, field, "a %s node needs %s", n.Type, field)
		}
	}
	switch n.Type {
	case Menu:
		need("prompt", n.Prompt)
		need("title", n.Title)
		if len(n.Options) == 0 {
			add(id, "options", "a menu needs at least one option")
		}
		for _, o := range n.Options {
			if len(o.Digit) != 1 || !slices.Contains([]byte("0123456789#"), o.Digit[0]) {
				add(id, "options."+o.Digit, "option keys are single digits 0-9 or #")
			}
		}
		if n.Retries < 0 {
			add(id, "retries", "must not be negative")
		}
	case Play:
		need("prompt", n.Prompt)
	case Collect:
		need("prompt", n.Prompt)
		need("var", n.Var)
		need("next", n.Next)
		if n.MinDigits < 0 || n.MaxDigits < 1 || n.MinDigits > n.MaxDigits {
			add(id, "max", "need 0 <= min <= max and max >= 1, got min %d max %d", n.MinDigits, n.MaxDigits)
		}
		if n.Terminator != "" && n.Terminator != "#" && n.Terminator != "*" {
			add(id, "terminator", "must be # or *")
		}
	case Hours:
		need("calendar", n.Calendar)
		need("open", n.Open)
		need("closed", n.Closed)
	case Condition:
		need("then", n.Then)
		need("else", n.Else)
		switch n.Test {
		case AgentsAvailable, WaitAbove:
			need("queue", n.Queue)
			need("channel", n.Channel)
			if n.Test == WaitAbove && n.Wait <= 0 {
				add(id, "wait", "a wait-above condition needs a positive wait")
			}
		case DigitsCollected:
			need("var", n.Var)
		case KnownCaller:
		default:
			add(id, "test", "unknown test %q", n.Test)
		}
	case Queue, Callback, Chat, EmailForm:
		need("queue", n.Queue)
	case Extension:
		need("extension", n.Extension)
	case Link:
		need("url", n.URL)
		need("prompt", n.Prompt)
	case Voicemail:
		need("prompt", n.Prompt)
		need("queue", n.Queue)
	}
}

// reach returns the nodes reachable from start on face.
func reach(f *Flow, face Face) map[string]bool {
	seen := map[string]bool{}
	stack := []string{f.Start}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := f.Nodes[id]
		if n == nil || seen[id] {
			continue
		}
		seen[id] = true
		for _, e := range n.Edges(face) {
			stack = append(stack, e.To)
		}
	}
	return seen
}

// busyLoop returns a node on a cycle of nodes that take no input on face
// (the walk would spin forever), or "".
func busyLoop(f *Flow, face Face) string {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var visit func(id string) string
	visit = func(id string) string {
		n := f.Nodes[id]
		if n == nil || (n.On(face) && n.takesInput()) {
			return ""
		}
		switch color[id] {
		case grey:
			return id
		case black:
			return ""
		}
		color[id] = grey
		for _, e := range n.Edges(face) {
			if c := visit(e.To); c != "" {
				return c
			}
		}
		color[id] = black
		return ""
	}
	for _, id := range f.NodeIDs() {
		if c := visit(id); c != "" {
			return c
		}
	}
	return ""
}
