package prompts

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/config"
)

// DefaultLanguage is the language the voice face speaks when none is
// configured.
const DefaultLanguage = config.DefaultLanguage

// DefaultMusic names the built-in music on hold.
const DefaultMusic = "default"

// Kinds of audio: a prompt is spoken in one language, music has none.
const (
	KindPrompt = "prompt"
	KindMusic  = "music"
)

// nameRE is the shape of every prompt and music name, built-in or
// uploaded: the built-in names ("welcome", "42", "press-for-callback")
// all fit it, and so does a file name without its extension.
var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// ValidName checks that name can name a prompt or music: 1 to 63
// lower-case letters, digits, - or _, starting with a letter or digit.
func ValidName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("%w: %q must be 1 to 63 lower-case letters, digits, - or _", ErrBadName, name)
	}
	return nil
}

// ValidLanguage checks that lang is one of Languages.
func ValidLanguage(lang string) error {
	if !slices.Contains(Languages(), lang) {
		return fmt.Errorf("%w: %q (one of %s)", ErrBadLanguage, lang, strings.Join(Languages(), ", "))
	}
	return nil
}

// BuiltIn returns the names of the built-in prompts of lang, sorted; none
// for an unknown language.
func BuiltIn(lang string) []string {
	entries, err := fs.ReadDir(files, lang)
	if err != nil || !slices.Contains(Languages(), lang) {
		return nil
	}
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".ul"))
	}
	slices.Sort(out)
	return out
}
