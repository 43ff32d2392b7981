package config

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// DefaultLanguage is the language the voice face speaks when neither the
// settings nor the flow name one.
const DefaultLanguage = "en"

// Known holds the names a file takes from outside itself, kept in the
// store rather than in the file: the languages and prompts (built in or
// uploaded) the voice face can play, the language in force, and the
// music queues can hold callers with.
type Known struct {
	// Prompts maps each language that has prompts (built in or
	// uploaded) to its prompt names; nil: languages are checked for
	// their shape only and prompts not at all.
	Prompts map[string]map[string]bool
	// Language is the settings language stored (the flows of a file
	// that sets none speak it); "" is DefaultLanguage.
	Language string
	// Music are the music names; nil: queues' music is not checked.
	Music map[string]bool
	// Stored is the configuration in force (Export): a Placeholder in the
	// file keeps its secret (Restore). nil: every placeholder is an error.
	Stored *File
}

// Languages returns the languages of Prompts, sorted.
func (k Known) Languages() []string { return slices.Sorted(maps.Keys(k.Prompts)) }

// FlowLanguage returns the language a flow with language lang ("" when
// it sets none) speaks: lang, else k.Language, else DefaultLanguage.
func (k Known) FlowLanguage(lang string) string {
	switch {
	case lang != "":
		return lang
	case k.Language != "":
		return k.Language
	}
	return DefaultLanguage
}

// languageRE is the shape of a language: a lower-case ISO 639 code.
var languageRE = regexp.MustCompile(`^[a-z]{2,3}$`)

// CheckLanguage returns what is wrong with lang, a language set in
// settings or on a flow ("" when nothing is): it must be one that has
// prompts, built in or uploaded, or, when known.Prompts is nil, have the
// shape of one.
func CheckLanguage(lang string, known Known) string {
	switch {
	case known.Prompts == nil && languageRE.MatchString(lang):
		return ""
	case known.Prompts == nil:
		return fmt.Sprintf("%q is not a language code such as en or fr", lang)
	case known.Prompts[lang] != nil:
		return ""
	}
	return fmt.Sprintf("unknown language %q: no prompts, built in or uploaded, for it (languages: %s)", lang, strings.Join(known.Languages(), ", "))
}

// validatePrompts checks the languages of the settings and the flows,
// that each flow node's prompt that the voice face plays exists in its
// flow's language, and that each queue's music exists.
func validatePrompts(v *Validator, f *File) {
	known := v.known
	if s := f.Settings; s != nil && s.Language != "" {
		if p := CheckLanguage(s.Language, known); p != "" {
			v.Errorf("settings.language", "%s", p)
		} else {
			known.Language = s.Language
		}
	}
	for i, fl := range f.Flows {
		if fl.Language != "" {
			if p := CheckLanguage(fl.Language, known); p != "" {
				v.Errorf(fmt.Sprintf("flows[%d].language", i), "flow %s: %s", fl.Name, p)
				continue
			}
		}
		lang := known.FlowLanguage(fl.Language)
		for _, id := range slices.Sorted(maps.Keys(fl.Nodes)) {
			if p := CheckPrompt(fl.Nodes[id], lang, known); p != "" {
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
// voice face may play in language lang, given the known prompts (""
// when nothing is, or when known.Prompts is nil).
func CheckPrompt(n FlowNode, lang string, known Known) string {
	if known.Prompts == nil || n.Prompt == "" || !n.on("voice") || known.Prompts[lang][n.Prompt] {
		return ""
	}
	return fmt.Sprintf("unknown prompt %q: neither built in nor uploaded for language %s", n.Prompt, lang)
}
