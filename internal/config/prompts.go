package config

import (
	"fmt"
	"maps"
	"slices"
)

// Known holds the names a file takes from outside itself, kept in the
// store rather than in the file: the prompts (built in or uploaded) the
// voice face can play, and the music queues can hold callers with.
type Known struct {
	// Prompts are the prompt names in Language; nil: prompts are not
	// checked.
	Prompts  map[string]bool
	Language string
	// Music are the music names; nil: queues' music is not checked.
	Music map[string]bool
}

// validatePrompts checks that each flow node's prompt that the voice
// face plays, and each queue's music, names one that exists.
func validatePrompts(v *Validator, f *File) {
	for i, fl := range f.Flows {
		if v.known.Prompts == nil {
			break
		}
		for _, id := range slices.Sorted(maps.Keys(fl.Nodes)) {
			if p := CheckPrompt(fl.Nodes[id], v.known); p != "" {
				v.Errorf(fmt.Sprintf("flows[%d].nodes.%s.prompt", i, id), "flow %s node %s: %s", fl.Name, id, p)
			}
		}
	}
	for i, q := range f.Queues {
		path := fmt.Sprintf("queues[%d].music", i)
		switch {
		case q.Music == "":
		case !ivrNameRE.MatchString(q.Music):
			v.Errorf(path, "must be 1 to 63 lower-case letters, digits, - or _, got %q", q.Music)
		case v.known.Music != nil && !v.known.Music[q.Music]:
			v.Errorf(path, "queue %s: no music named %q (neither built in nor uploaded)", q.Name, q.Music)
		}
	}
}

// CheckPrompt returns what is wrong with the prompt of n, a node the
// voice face may play, given the known prompts ("" when nothing is, or
// when known.Prompts is nil).
func CheckPrompt(n FlowNode, known Known) string {
	if known.Prompts == nil || n.Prompt == "" || !n.on("voice") || known.Prompts[n.Prompt] {
		return ""
	}
	return fmt.Sprintf("unknown prompt %q: neither built in nor uploaded for language %s", n.Prompt, known.Language)
}
