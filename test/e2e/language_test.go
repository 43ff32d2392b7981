package e2e

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/zaf/g711"

	"github.com/switchboard-cc/switchboard/internal/peertest"
	"github.com/switchboard-cc/switchboard/media/prompts"
)

// languageYAML has a French flow at 600 (its language: fr) that welcomes
// the caller and queues them in support, whose agent never logs in and
// which announces the position 2 s after entry, and a flow at 601 without
// a language, which speaks the settings language (English by default): a
// welcome, then it hangs up.
const languageYAML = `
extensions:
  - {number: "1001", password: caller-pass1}
agents:
  - {name: ann}
queues:
  - {name: support, members: [ann], announce: 30s, callback_digit: none}
flows:
  - name: accueil
    number: "600"
    language: fr
    start: welcome
    nodes:
      welcome: {type: play, prompt: welcome, next: wait}
      wait: {type: queue, queue: support}
  - name: main
    number: "601"
    start: welcome
    nodes:
      welcome: {type: play, prompt: welcome, next: bye}
      bye: {type: hangup}
`

// TestFlowLanguageIsWhatTheCallerHears calls a French flow and one without
// a language with baresip: the French caller hears the French welcome,
// then the queue's position announcement in French; the other flow's
// caller hears the English welcome, and the French one once
// settings.language is set to fr while the server runs. Each is found in
// what the phone recorded by its correlation with the built-in prompt's
// samples, and the other language's prompt is not.
func TestFlowLanguageIsWhatTheCallerHears(t *testing.T) {
	peertest.Binary(t, "baresip")
	data := t.TempDir()
	importConfig(t, data, languageYAML)
	srv := startServer(t, nil, binPath, data)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server:\n%s", srv.output())
		}
	})
	caller := peertest.StartBaresip(t, "1001", "caller-pass1", srv.sipPort, 440)
	caller.WaitRegistered()

	// The French flow: the welcome, 2 s of music, then "vous êtes le
	// numéro un dans la file…"; the caller hangs up after it.
	listen := time.Duration(len(prompt(t, "fr", prompts.Welcome))+len(prompt(t, "fr", prompts.YouAreNumber))*3)*time.Second/8000 + 4*time.Second
	caller.Command("dial", fmt.Sprintf("sip:600@127.0.0.1:%d", srv.sipPort))
	caller.WaitFor("CALL_ESTABLISHED", 15*time.Second, peertest.EventType("CALL_ESTABLISHED"))
	time.Sleep(listen)
	caller.Command("hangup", "")
	caller.WaitFor("CALL_CLOSED", 15*time.Second, peertest.EventType("CALL_CLOSED"))
	french := caller.Heard()
	checkHeard(t, srv, "the French flow", french, "fr", prompts.Welcome)
	checkHeard(t, srv, "the French queue", french, "fr", prompts.YouAreNumber)

	// The flow without a language speaks the settings language: English
	// by default, then French once the running server's settings say so.
	seen := map[any]bool{}
	callFlow601 := func() []int16 {
		caller.Command("dial", fmt.Sprintf("sip:601@127.0.0.1:%d", srv.sipPort))
		for _, event := range []string{"CALL_ESTABLISHED", "CALL_CLOSED"} {
			caller.WaitFor(event+" from 601", 30*time.Second, func(e map[string]any) bool {
				if !peertest.EventType(event)(e) || !strings.HasPrefix(fmt.Sprint(e["peeruri"]), "sip:601@") || seen[e["id"]] {
					return false
				}
				if event == "CALL_CLOSED" {
					seen[e["id"]] = true
				}
				return true
			})
		}
		return caller.Heard()
	}
	checkHeard(t, srv, "the flow without a language", callFlow601(), "en", prompts.Welcome)
	importConfig(t, data, "settings: {language: fr}\n")
	checkHeard(t, srv, "the flow without a language, settings in French", callFlow601(), "fr", prompts.Welcome)
}

// prompt returns the samples of a built-in prompt.
func prompt(t *testing.T, lang, name string) []int16 {
	t.Helper()
	ulaw, err := prompts.Audio(lang, []string{name})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int16, len(ulaw))
	for i, v := range ulaw {
		out[i] = g711.DecodeUlawFrame(v)
	}
	return out
}

// checkHeard checks that heard holds the prompt name of lang (a
// normalised correlation above 0.9 at some offset) and not that of the
// other language (below 0.5).
func checkHeard(t *testing.T, srv *server, what string, heard []int16, lang, name string) {
	t.Helper()
	other := map[string]string{"fr": "en", "en": "fr"}[lang]
	want, wrong := bestCorrelation(heard, prompt(t, lang, name)), bestCorrelation(heard, prompt(t, other, name))
	t.Logf("%s: %s/%s correlates %.3f, %s/%s %.3f (%.1f s heard)", what, lang, name, want, other, name, wrong, float64(len(heard))/8000)
	if want < 0.9 || wrong > 0.5 {
		t.Fatalf("%s: the caller did not hear %s/%s (correlation %.3f) rather than %s/%s (%.3f)\nserver:\n%s",
			what, lang, name, want, other, name, wrong, srv.output())
	}
}

// bestCorrelation is the highest normalised correlation between the first
// second of ref and heard, over every offset of ref in heard: 1 when
// heard holds the very samples of ref.
func bestCorrelation(heard, ref []int16) float64 {
	ref = ref[:min(len(ref), 8000)]
	var refEnergy float64
	for _, v := range ref {
		refEnergy += float64(v) * float64(v)
	}
	best := 0.0
	for off := 0; off+len(ref) <= len(heard); off++ {
		var dot, energy float64
		for i, v := range ref {
			h := float64(heard[off+i])
			dot += h * float64(v)
			energy += h * h
		}
		if energy > 0 && refEnergy > 0 {
			best = max(best, dot/math.Sqrt(energy*refEnergy))
		}
	}
	return best
}
