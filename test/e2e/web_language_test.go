package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// webLanguageYAML has a flow without a language (the settings language), a
// French flow and a chat widget of support.
const webLanguageYAML = `
agents: [{name: ann}]
queues: [{name: support, members: [ann]}]
chat:
  - {name: site, queue: support, origins: ["https://shop.example.com"]}
flows:
  - name: main
    number: "601"
    start: support
    nodes:
      support: {type: callback, queue: support, prompt: welcome}
  - name: accueil
    number: "600"
    language: fr
    start: support
    nodes:
      support: {type: callback, queue: support, prompt: welcome}
`

// TestWebFacesSpeakTheLanguage: on a running appliance, a flow's contact
// page speaks the flow's language and one without a language the settings
// language, like the chat widget's start page; importing settings.language:
// fr while the server runs turns those French at the next request.
func TestWebFacesSpeakTheLanguage(t *testing.T) {
	data := t.TempDir()
	importConfig(t, data, webLanguageYAML)
	srv := startServer(t, nil, binPath, data)
	base, _ := srv.panel(t)
	page := func(path string, want ...string) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, w := range want {
			if !strings.Contains(string(body), w) {
				t.Fatalf("%s: %d, lacks %q:\n%s", path, resp.StatusCode, w, body)
			}
		}
	}
	page("/contact/main", `<html lang="en">`, "<h1 id=\"title\">We call you back</h1>", "Request a callback")
	page("/contact/accueil", `<html lang="fr">`, "<h1 id=\"title\">Nous vous rappelons</h1>", "Demander à être rappelé")
	page("/chat/start/site", `<html lang="en">`, `data-lang="en"`, "<h1>Chat with us</h1>")

	importConfig(t, data, "settings: {language: fr}\n")
	page("/contact/main", `<html lang="fr">`, "Demander à être rappelé")
	page("/chat/start/site", `<html lang="fr">`, `data-lang="fr"`, "<h1>Discutez avec nous</h1>")
}
