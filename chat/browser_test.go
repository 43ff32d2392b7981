package chat

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// TestWidgetInChromium plays four visitors in headless Chromium, each in
// its own browser context on a test shop page embedding the widget, and an
// agent through the agent WebSocket.
func TestWidgetInChromium(t *testing.T) {
	var chatURL string
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1>
<script src="%s/chat/widget.js" data-widget="website"></script></body></html>`, chatURL)
	}))
	defer page.Close()
	r := newRig(t, func(c *Config) { c.Widgets[0].Origins = []string{page.URL} })
	chatURL = r.http.URL
	browser := peertest.Chromium(t, 90*time.Second)

	a, _ := r.agent("alice") // capacity 75: three chats
	tabs := make([]context.Context, 4)
	for i := range tabs {
		tab, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		defer cancel()
		tabs[i] = tab
		err := chromedp.Do(tab,
			chromedp.Navigate(page.URL),
			chromedp.Click(chromedp.CSS(".sb-launcher")),
			chromedp.SendKeys(chromedp.CSS(`.sb-form input[name="name"]`), fmt.Sprintf("Visitor %d", i)),
			chromedp.Click(chromedp.CSS(".sb-start")),
		)
		if err != nil {
			t.Fatalf("visitor %d: %v", i, err)
		}
		waitStatus(t, tab, "Waiting for an agent…")
	}
	ids := map[string]string{} // visitor name → chat id
	for range 3 {
		o := a.expect("offer")["chat"].(map[string]any)
		ids[o["name"].(string)] = o["id"].(string)
	}
	for i := range 3 {
		id, ok := ids[fmt.Sprintf("Visitor %d", i)]
		if !ok {
			t.Fatalf("offers %v lack visitor %d", ids, i)
		}
		a.send(map[string]any{"type": "accept", "chat": id})
		waitStatus(t, tabs[i], "Connected")
	}
	waitStatus(t, tabs[3], "Waiting for an agent…")
	if chats := r.srv.Chats("alice"); len(chats) != 3 {
		t.Fatalf("agent holds %d chats; want 3", len(chats))
	}

	// Hostile markup goes both ways as text.
	hostile := `<img src=x onerror="window.pwned=1">`
	if err := chromedp.Do(tabs[0],
		chromedp.SendKeys(chromedp.CSS(`.sb-compose input[name="text"]`), hostile),
		chromedp.Click(chromedp.CSS(".sb-send")),
	); err != nil {
		t.Fatal(err)
	}
	if m := a.expectMsg(); m["text"] != hostile {
		t.Fatalf("agent got %q", m["text"])
	}
	a.send(map[string]any{"type": "msg", "chat": ids["Visitor 0"], "text": "<b>bold?</b>" + hostile})
	wantTexts := []string{hostile, "<b>bold?</b>" + hostile}
	waitMessages(t, tabs[0], wantTexts)
	for _, js := range []string{`document.querySelectorAll("#sb-chat img, #sb-chat .sb-log b b").length`, `window.pwned === undefined ? 0 : 1`} {
		if n, err := chromedp.Run(tabs[0], chromedp.Evaluate[int](js)); err != nil || n != 0 {
			t.Fatalf("%s = %d, %v: markup was interpreted", js, n, err)
		}
	}

	// A reload resumes the conversation.
	if err := chromedp.Do(tabs[0], chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, tabs[0], "Connected")
	waitMessages(t, tabs[0], wantTexts)

	// Closing one chat gives the fourth visitor the freed slot.
	a.send(map[string]any{"type": "close", "chat": ids["Visitor 1"], "disposition": "done"})
	o := a.expect("offer")["chat"].(map[string]any)
	if o["name"] != "Visitor 3" {
		t.Fatalf("freed slot offered to %v", o["name"])
	}
	a.send(map[string]any{"type": "accept", "chat": o["id"]})
	waitStatus(t, tabs[3], "Connected")
	waitStatus(t, tabs[1], "Chat ended")
}

// TestWidgetFrenchInChromium: with French the widgets' language, the
// hosted start page's widget is French from the start, and a widget
// embedded without data-lang turns French at the server's welcome; the
// statuses and an error's words are French too.
func TestWidgetFrenchInChromium(t *testing.T) {
	var chatURL string
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><body><script src="%s/chat/widget.js" data-widget="website"></script></body></html>`, chatURL)
	}))
	defer page.Close()
	r := newRig(t, func(c *Config) {
		c.Widgets[0].Origins = []string{page.URL}
		c.Language = func(context.Context) string { return "fr" }
	})
	chatURL = r.http.URL
	browser := peertest.Chromium(t, 90*time.Second)
	for _, target := range []string{chatURL + "/chat/start/website", page.URL} {
		tab, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		defer cancel()
		launcher := `document.querySelector("#sb-chat").lang === "fr" && document.querySelector(".sb-launcher").textContent === "Discutez avec nous"`
		if err := chromedp.Do(tab, chromedp.Navigate(target)); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(tab, chromedp.Poll[bool](launcher, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			t.Fatalf("%s: no French launcher: %v", target, err)
		}
		// Nobody is available: the visitor may leave a message.
		if err := chromedp.Do(tab,
			chromedp.Click(chromedp.CSS(".sb-launcher")),
			chromedp.SendKeys(chromedp.CSS(`.sb-form input[placeholder="Votre nom"]`), "Visiteur"),
			chromedp.Click(chromedp.CSS(".sb-start")),
		); err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		waitStatus(t, tab, "Personne n’est disponible pour discuter pour le moment.")
		if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(".sb-leave"))); err != nil {
			t.Fatal(err)
		}
		waitStatus(t, tab, "Écrivez un message (4000 caractères au plus).")
	}
}

func waitStatus(t *testing.T, tab context.Context, want string) {
	t.Helper()
	js := fmt.Sprintf(`document.querySelector(".sb-status") && document.querySelector(".sb-status").textContent === %q`, want)
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		got, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector(".sb-status") ? document.querySelector(".sb-status").textContent : "(no widget)"`))
		t.Fatalf("status %q never came (it is %q): %v", want, got, err)
	}
}

func waitMessages(t *testing.T, tab context.Context, want []string) {
	t.Helper()
	js := `Array.from(document.querySelectorAll(".sb-log .sb-text")).map(e => e.textContent).join("\n")`
	var got string
	for range 100 {
		var err error
		if got, err = chromedp.Run(tab, chromedp.Evaluate[string](js)); err != nil {
			t.Fatal(err)
		}
		if got == strings.Join(want, "\n") {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("messages on the page = %q; want %q", got, strings.Join(want, "\n"))
}
