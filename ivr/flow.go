package ivr

import (
	"sort"
	"time"
)

// Type is the kind of a node.
type Type string

// The node types. Chat and EmailForm exist only on the web face (the voice
// face follows Fallback); Collect, Extension and Voicemail exist only on
// the voice face (the web face follows Fallback).
const (
	Menu      Type = "menu"
	Play      Type = "play"
	Collect   Type = "collect"
	Hours     Type = "hours"
	Condition Type = "condition"
	Queue     Type = "queue"
	Extension Type = "extension"
	Callback  Type = "callback"
	Chat      Type = "chat"
	EmailForm Type = "email-form"
	Link      Type = "link"
	Voicemail Type = "voicemail"
	Hangup    Type = "hangup"
)

// Types lists every node type in a stable order.
var Types = []Type{Menu, Play, Collect, Hours, Condition, Queue, Extension, Callback, Chat, EmailForm, Link, Voicemail, Hangup}

// Test is what a condition node checks.
type Test string

// The condition tests.
const (
	// AgentsAvailable is true when at least one agent of Queue is available
	// for Channel.
	AgentsAvailable Test = "agents-available"
	// WaitAbove is true when Queue's expected wait for Channel exceeds Wait.
	WaitAbove Test = "wait-above"
	// KnownCaller is true when the caller is known as a customer.
	KnownCaller Test = "known-caller"
	// DigitsCollected is true when the context holds digits under Var.
	DigitsCollected Test = "digits-collected"
)

// Tests lists every condition test.
var Tests = []Test{AgentsAvailable, WaitAbove, KnownCaller, DigitsCollected}

// Flow is a named graph of nodes entered at Start.
type Flow struct {
	Name   string
	Number string // the number that reaches the flow by phone
	Phone  string // the number the web face shows, when it shows one
	// Language is the language of the voice prompts and of the queue
	// announcements the flow's callers hear; "" is the settings language.
	Language string
	Start    string
	Nodes    map[string]*Node
}

// Option is one choice of a menu: the digit on the phone, the button label
// on the web, and the node it leads to.
type Option struct {
	Digit string
	Label string
	Next  string
}

// Node is one step of a flow. Which fields matter depends on Type.
type Node struct {
	ID   string
	Type Type

	// Prompt is the voice prompt (menu, play, collect, link, callback,
	// voicemail); Title is the web heading (menu) or link text (link).
	Prompt string
	Title  string

	// Menu: Options by digit, up to Retries replays on an invalid choice or
	// a timeout after Timeout, then Invalid.
	Options []Option
	Retries int
	Timeout time.Duration
	Invalid string

	// Next is the following node (play, collect, link).
	Next string

	// Collect: MinDigits to MaxDigits digits ended by Terminator or by
	// InterDigit of silence, stored in the context under Var.
	MinDigits  int
	MaxDigits  int
	InterDigit time.Duration
	Terminator string
	Var        string

	// Hours: Calendar decides between Open and Closed.
	Calendar string
	Open     string
	Closed   string

	// Condition: Test on Queue and Channel (threshold Wait, or Var for
	// DigitsCollected) decides between Then and Else.
	Test    Test
	Channel string
	Wait    time.Duration
	Then    string
	Else    string

	// Queue names the queue of queue, callback, chat, email-form and
	// voicemail nodes; Intent labels what the customer wants.
	Queue  string
	Intent string

	// Extension is the extension number of an extension node.
	Extension string

	// URL is the self-service address of a link node.
	URL string

	// Fallback is where the other face goes for a face-only node.
	Fallback string
}

// Face is one of the two ways a flow is walked.
type Face string

// The two faces.
const (
	Voice Face = "voice"
	Web   Face = "web"
)

// On reports whether the node type exists on face.
func (n *Node) On(face Face) bool {
	switch n.Type {
	case Chat, EmailForm:
		return face == Web
	case Collect, Extension, Voicemail:
		return face == Voice
	}
	return true
}

// Option returns the menu option for digit.
func (n *Node) Option(digit string) (Option, bool) {
	for _, o := range n.Options {
		if o.Digit == digit {
			return o, true
		}
	}
	return Option{}, false
}

// NodeIDs returns the flow's node names sorted.
func (f *Flow) NodeIDs() []string {
	ids := make([]string, 0, len(f.Nodes))
	for id := range f.Nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
