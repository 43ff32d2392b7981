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

	steps := []struct {
		name string
		args []string
		ok   bool
		says string
	}{
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
	for _, s := range steps {
		out, err := run(t, append([]string{"--data", data}, s.args...)...)
		if err != nil {
			out += err.Error()
		}
		if (err == nil) != s.ok || !strings.Contains(out, s.says) {
			t.Fatalf("%s: err %v, output:\n%s\nwant it to say %q", s.name, err, out, s.says)
		}
	}

	out, err := run(t, "--data", data, "prompt", "export", "holiday")
	if err != nil {
		t.Fatal(err)
	}
	audio, err := prompts.ConvertWAV(strings.NewReader(out))
	if err != nil || len(audio) != 4000 {
		t.Fatalf("exported WAV: %d samples, %v", len(audio), err)
	}
}
