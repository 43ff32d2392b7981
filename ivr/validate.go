package ivr

import (
	"errors"
	"sort"

	"github.com/switchboard-cc/switchboard/internal/config"
)

// Validate checks f for both faces and returns every problem as Errors:
// a missing or unknown start, fields a node type requires (prompts, queue,
// options), references to unknown nodes, nodes no face can reach, cycles
// that take no input from the caller, and face-only nodes reachable from
// the other face without a Fallback. The checks are config.CheckFlow's,
// the same that reject a file at import with the YAML line.
func Validate(f *Flow) error { return ValidateWith(f, config.Known{}) }

// ValidateWith is Validate that also checks the flow's language and each
// prompt the voice face plays against the known prompts of that language
// (built in or uploaded; the flow's Language, else known.Language), as an
// import does.
func ValidateWith(f *Flow, known config.Known) error {
	var errs Errors
	if f.Name == "" {
		errs = append(errs, errorf(f.Name, "", "name", "a flow needs a name"))
	}
	cf := ToConfig(f)
	for _, p := range config.CheckFlow(cf) {
		errs = append(errs, &FlowError{Flow: f.Name, Node: p.Node, Field: p.Field, Msg: p.Msg})
	}
	lang := known.FlowLanguage(f.Language)
	if f.Language != "" {
		if msg := config.CheckLanguage(f.Language, known); msg != "" {
			errs = append(errs, &FlowError{Flow: f.Name, Field: "language", Msg: msg})
			known.Prompts = nil // its prompts cannot be checked
		}
	}
	ids := f.NodeIDs()
	sort.Strings(ids)
	for _, id := range ids {
		if msg := config.CheckPrompt(cf.Nodes[id], lang, known); msg != "" {
			errs = append(errs, &FlowError{Flow: f.Name, Node: id, Field: "prompt", Msg: msg})
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// AsErrors returns the FlowErrors inside err, if it holds any.
func AsErrors(err error) Errors {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	return nil
}

// ToConfig returns f as its `flows:` entry.
func ToConfig(f *Flow) config.Flow {
	cf := config.Flow{Name: f.Name, Number: f.Number, Phone: f.Phone, Language: f.Language, Start: f.Start, Nodes: map[string]config.FlowNode{}}
	ids := f.NodeIDs()
	sort.Strings(ids)
	for _, id := range ids {
		n := f.Nodes[id]
		if n == nil {
			cf.Nodes[id] = config.FlowNode{}
			continue
		}
		cn := config.FlowNode{
			Type: string(n.Type), Prompt: n.Prompt, Title: n.Title,
			Retries: n.Retries, Timeout: config.Duration(n.Timeout), Invalid: n.Invalid, Next: n.Next,
			Min: n.MinDigits, Max: n.MaxDigits, InterDigit: config.Duration(n.InterDigit), Terminator: n.Terminator, Var: n.Var,
			Calendar: n.Calendar, Open: n.Open, Closed: n.Closed,
			Test: string(n.Test), Channel: n.Channel, Wait: config.Duration(n.Wait), Then: n.Then, Else: n.Else,
			Queue: n.Queue, Intent: n.Intent, Extension: n.Extension, URL: n.URL, Fallback: n.Fallback,
		}
		for _, o := range n.Options {
			if cn.Options == nil {
				cn.Options, cn.Labels = map[string]string{}, map[string]string{}
			}
			cn.Options[o.Digit] = o.Next
			if o.Label != "" {
				cn.Labels[o.Digit] = o.Label
			}
		}
		cf.Nodes[id] = cn
	}
	return cf
}
