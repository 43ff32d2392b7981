package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/peertest"
	"github.com/switchboard-cc/switchboard/media/prompts"
)

// TestPromptCommands uploads, lists, exports and removes prompts and music
// with the CLI, and shows that imports and flow validation check the names
// flows and queues use against them.
func TestPromptCommands(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tone := write("tone.wav", peertest.ToneWAV(44100, 2, 1000, 0.5))
	bad := write("notes.wav", []byte("these are not audio samples"))
	holidayFlow := write("flow.yaml", []byte(strings.Replace(flowYAML, "prompt: closed", "prompt: holiday", 1)+
		"queues:\n  - {name: sales, music: jazz}\n  - {name: support}\n"))

	steps := []cliStep{
		{"validate before upload", []string{"flow", "validate", holidayFlow}, false, `flows[0].nodes.closed.prompt (line 12): flow main node closed: unknown prompt "holiday"`},
		{"import before upload", []string{"config", "import", holidayFlow}, false, `queues[0].music (line 15): queue sales: no music named "jazz"`},
		{"bad WAV", []string{"prompt", "add", "holiday", bad}, false, bad + ": prompts: unreadable WAV file: not a RIFF WAVE file"},
		{"bad name", []string{"prompt", "add", "Holiday!", tone}, false, "prompts: bad name"},
		{"add prompt", []string{"prompt", "add", "holiday", tone}, true, "prompt en/holiday: stored (0.5 s)"},
		{"add override", []string{"prompt", "add", "welcome", tone, "--lang", "fr"}, true, "prompt fr/welcome: stored"},
		{"add music", []string{"prompt", "add", "jazz", tone, "--music"}, true, "music jazz: stored"},
		{"validate after upload", []string{"flow", "validate", holidayFlow}, true, "valid"},
		{"import after upload", []string{"config", "import", holidayFlow}, true, "applied"},
		{"list", []string{"prompt", "list"}, true, "uploaded (replaces built-in)"},
		{"remove used prompt", []string{"prompt", "remove", "holiday"}, false, "prompts: in use: prompt en/holiday is used by flow main node closed"},
		{"remove used music", []string{"prompt", "remove", "jazz", "--music"}, false, "music jazz is used by queue sales"},
		{"remove override", []string{"prompt", "remove", "welcome", "--lang", "fr"}, true, "prompt fr/welcome: removed"},
		{"remove missing", []string{"prompt", "remove", "welcome", "--lang", "fr"}, false, "not found"},
	}
	runSteps(t, data, steps)

	out, err := run(t, "--data", data, "prompt", "export", "holiday")
	if err != nil {
		t.Fatal(err)
	}
	audio, err := prompts.ConvertWAV(strings.NewReader(out))
	if err != nil || len(audio) != 4000 {
		t.Fatalf("exported WAV: %d samples, %v", len(audio), err)
	}
}

// TestPromptLanguages sets settings.language to French: a prompt uploaded
// without --lang is French, a flow without a language is checked in
// French and one in English against the English prompts, an unknown
// language is refused naming the languages there are, and an upload is
// in use only by the flows that speak its language.
func TestPromptLanguages(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tone := filepath.Join(dir, "tone.wav")
	if err := os.WriteFile(tone, peertest.ToneWAV(8000, 1, 1000, 0.5), 0o600); err != nil {
		t.Fatal(err)
	}
	holiday := strings.Replace(flowYAML, "prompt: closed", "prompt: holiday", 1) + "queues:\n  - {name: sales}\n  - {name: support}\n"
	french := write("fr.yaml", "settings: {language: fr}\n")
	spanish := write("es.yaml", "settings: {language: es}\n")
	plain := write("flow.yaml", holiday)
	english := write("flow-en.yaml", strings.Replace(holiday, "name: main", "name: main\n    language: en", 1))

	steps := []cliStep{
		{"settings in French", []string{"config", "import", french}, true, "applied"},
		{"unknown language", []string{"config", "import", spanish}, false,
			`settings.language (line 1): unknown language "es": no prompts, built in or uploaded, for it (languages: en, fr)`},
		{"add in the settings language", []string{"prompt", "add", "holiday", tone}, true, "prompt fr/holiday: stored"},
		{"French flow valid", []string{"flow", "validate", plain}, true, "valid"},
		{"English flow lacks the prompt", []string{"flow", "validate", english}, false,
			`flow main node closed: unknown prompt "holiday": neither built in nor uploaded for language en`},
		{"add in English", []string{"prompt", "add", "holiday", tone, "--lang", "en"}, true, "prompt en/holiday: stored"},
		{"import the English flow", []string{"config", "import", english}, true, "applied"},
		{"the French upload is not in use", []string{"prompt", "remove", "holiday"}, true, "prompt fr/holiday: removed"},
		{"the English one is", []string{"prompt", "remove", "holiday", "--lang", "en"}, false, "prompt en/holiday is used by flow main node closed"},
		{"export", []string{"config", "export"}, true, "language: fr"},
	}
	runSteps(t, data, steps)
}

// cliStep is a CLI command, whether it succeeds, and what it says.
type cliStep struct {
	name string
	args []string
	ok   bool
	says string
}

// runSteps runs each step on the data directory data in turn.
func runSteps(t *testing.T, data string, steps []cliStep) {
	t.Helper()
	for _, s := range steps {
		out, err := run(t, append([]string{"--data", data}, s.args...)...)
		if err != nil {
			out += err.Error()
		}
		if (err == nil) != s.ok || !strings.Contains(out, s.says) {
			t.Fatalf("%s: err %v, output:\n%s\nwant it to say %q", s.name, err, out, s.says)
		}
	}
}
