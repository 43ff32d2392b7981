package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// promptsCallYAML has a flow at 600 that plays the uploaded prompt
// holiday, then queues the caller in support, whose music is the
// uploaded jazz and which never announces (its agent never logs in).
const promptsCallYAML = `
extensions:
  - {number: "1001", password: caller-pass1}
agents:
  - {name: ann}
queues:
  - {name: support, members: [ann], music: jazz, announce: 0s, callback_digit: none}
flows:
  - name: main
    number: "600"
    start: greet
    nodes:
      greet: {type: play, prompt: holiday, next: wait}
      wait: {type: queue, queue: support}
`

// TestUploadedPromptAndMusicAreWhatTheCallerHears uploads a 1 kHz prompt
// and 600 Hz music with the CLI; a baresip caller dialling the flow hears
// the prompt, then the queue's music.
func TestUploadedPromptAndMusicAreWhatTheCallerHears(t *testing.T) {
	peertest.Binary(t, "baresip")
	data := t.TempDir()
	dir := t.TempDir()
	prompt, music := filepath.Join(dir, "holiday.wav"), filepath.Join(dir, "jazz.wav")
	if err := os.WriteFile(prompt, peertest.ToneWAV(44100, 2, 1000, 2), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(music, peertest.ToneWAV(48000, 1, 600, 3), 0o644); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "--data", data, "prompt", "add", "holiday", prompt)
	mustCLI(t, "--data", data, "prompt", "add", "jazz", music, "--music")
	importConfig(t, data, promptsCallYAML)
	srv := startServer(t, nil, binPath, data)

	caller := peertest.StartBaresip(t, "1001", "caller-pass1", srv.sipPort, 440)
	caller.WaitRegistered()
	caller.Command("dial", fmt.Sprintf("sip:600@127.0.0.1:%d", srv.sipPort))
	caller.WaitFor("CALL_ESTABLISHED", 15*time.Second, peertest.EventType("CALL_ESTABLISHED"))
	time.Sleep(5 * time.Second) // the 2 s prompt, then music
	caller.Command("hangup", "")
	caller.WaitFor("CALL_CLOSED", 15*time.Second, peertest.EventType("CALL_CLOSED"))
	caller.Stop()

	// Quarter-second windows: the prompt's tone comes first, the music's
	// after it.
	heard := caller.Heard()
	firstPrompt, firstMusic := -1, -1
	var levels []string
	for i := 0; i+2000 <= len(heard); i += 2000 {
		w := heard[i : i+2000]
		p, m := peertest.ToneLevel(w, 1000), peertest.ToneLevel(w, 600)
		levels = append(levels, fmt.Sprintf("%.2f/%.2f", p, m))
		if p > 0.8 && firstPrompt < 0 {
			firstPrompt = i
		}
		if m > 0.8 && firstMusic < 0 {
			firstMusic = i
		}
	}
	t.Logf("1 kHz/600 Hz power per quarter second: %s", strings.Join(levels, " "))
	if firstPrompt < 0 || firstMusic < 0 || firstMusic < firstPrompt+8000 {
		t.Fatalf("the caller did not hear the uploaded prompt (1 kHz, from %d) then the uploaded music (600 Hz, from %d)\nserver:\n%s",
			firstPrompt, firstMusic, srv.output())
	}
}

// TestPromptsPageUploadsAndPlaysInChromium uploads a WAV on the prompts
// page, sees it listed, and has Chromium load its audio element: the
// source answers audio/wav and decodes to the upload's length.
func TestPromptsPageUploadsAndPlaysInChromium(t *testing.T) {
	chromium := peertest.Binary(t, "chromium")
	data := t.TempDir()
	srv := startServer(t, nil, binPath, data)
	base, password := srv.panel(t)
	wav := filepath.Join(t.TempDir(), "Closing-Time.wav")
	if err := os.WriteFile(wav, peertest.ToneWAV(22050, 2, 700, 1.5), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "notes.wav")
	if err := os.WriteFile(bad, []byte("not a sound"), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, stop := browser(t, chromium)
	defer stop()
	browserLogin(t, ctx, base, "admin", password)
	adminForm(t, ctx, base+"/admin/prompts",
		chromedp.SetValue(chromedp.CSS("#prompt-lang"), "fr"),
		chromedp.SetUploadFiles(chromedp.CSS("#prompt-file"), []string{wav}),
		chromedp.Submit(chromedp.CSS("#prompt-file")))
	row := `tr[data-prompt="prompt/fr/closing-time"]`
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(row)))
	if err != nil || !strings.Contains(text, "uploaded") || !strings.Contains(text, "1.5 s") {
		t.Fatalf("uploaded row %q, %v", text, err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		const a = document.querySelector('`+row+` audio');
		const r = await fetch(a.src);
		const head = r.status + " " + r.headers.get("Content-Type");
		const duration = await new Promise((resolve) => {
			a.onloadedmetadata = () => resolve(a.duration.toFixed(1));
			a.onerror = () => resolve("error " + (a.error && a.error.code));
			a.preload = "auto";
			a.load();
		});
		return head + " " + duration;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || got != "200 audio/wav 1.5" {
		t.Fatalf("the audio element's source: %q, %v (want 200 audio/wav and 1.5 s of audio)", got, err)
	}
	screenshot(t, ctx, "prompts")

	err = chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin/prompts"),
		chromedp.SetUploadFiles(chromedp.CSS("#prompt-file"), []string{bad}),
		chromedp.Submit(chromedp.CSS("#prompt-file")),
		chromedp.WaitVisible(chromedp.CSS("p.error")))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("p.error")))
	if err != nil || !strings.Contains(msg, "notes.wav: prompts: unreadable WAV file") {
		t.Fatalf("error shown for a bad file: %q, %v", msg, err)
	}
}
