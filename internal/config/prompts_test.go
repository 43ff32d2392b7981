package config

import (
	"strings"
	"testing"
)

// TestParseWithKnownPrompts checks that an import names, with its line,
// each flow prompt and queue music that neither the built-ins nor the
// uploads have.
func TestParseWithKnownPrompts(t *testing.T) {
	known := Known{Prompts: map[string]map[string]bool{"en": {"welcome": true, "closed": true}}, Music: map[string]bool{"default": true, "jazz": true}}
	queues := "queues:\n  - {name: sales, music: jazz}\n  - {name: support}\n"
	for _, tc := range []struct {
		name, from, to string
		want           string // "" for valid
	}{
		{"all known", "", "", ""},
		{"unknown prompt", `prompt: closed`, `prompt: holiday`,
			`flows[0].nodes.closed.prompt (line 12): flow main node closed: unknown prompt "holiday": neither built in nor uploaded for language en`},
		{"unknown music", `music: jazz`, `music: rock`, `queues[0].music (line 15): queue sales: no music named "rock"`},
		{"bad music name", `music: jazz`, `music: Rock!`, `queues[0].music (line 15): must be 1 to 63 lower-case letters`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := ivrYAML + queues
			if tc.from != "" {
				doc = strings.Replace(doc, tc.from, tc.to, 1)
			}
			checkParseWith(t, doc, known, tc.want)
		})
	}
	if _, err := Parse([]byte(strings.Replace(ivrYAML, `prompt: closed`, `prompt: holiday`, 1))); err != nil {
		t.Errorf("Parse checks no prompt names: %v", err)
	}
}

// checkParseWith parses doc with known and checks that it is valid (want
// "") or that its errors say want.
func checkParseWith(t *testing.T, doc string, known Known, want string) {
	t.Helper()
	_, err := ParseWith([]byte(doc), known)
	if want == "" {
		if err != nil {
			t.Fatalf("ParseWith = %v", err)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("errors:\n%v\nwant %q", err, want)
	}
}
