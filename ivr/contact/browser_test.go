package contact

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboard-cc/switchboard/internal/peertest"
	"github.com/switchboard-cc/switchboard/ivr"
)

// TestBrowser drives the contact page in headless Chromium: chat is
// offered when an agent is available for chat, a callback form when none
// is, and a submitted callback becomes a queued callback item with the
// intent attached. Once the settings language is French, the page is.
func TestBrowser(t *testing.T) {
	live := &fakeLive{}
	fn := &funnel{}
	h := newTestHandler(live, fn, true)
	var lang atomic.Value
	lang.Store("en")
	h.cfg.Language = func(context.Context) string { return lang.Load().(string) }
	srv := httptest.NewServer(h)
	defer srv.Close()

	ctx := peertest.Chromium(t, 60*time.Second, chromedp.WindowSize(390, 844)) // a phone screen: the page is mobile-first

	exists := func(sel string) bool {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector(`+"`"+sel+"`"+`) !== null`))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text %s: %v", sel, err)
		}
		return s
	}
	do := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}

	// An agent is available for chat: the support intent offers chat and
	// the phone number with its code, no callback form.
	live.set(1, time.Minute)
	do(chromedp.Navigate(srv.URL + "/contact/main"))
	if got := text("#title"); got != "How can we help?" {
		t.Fatalf("title = %q", got)
	}
	if got := text("nav a:nth-child(2)"); got != "Technical support <b>now</b>" {
		t.Fatalf("label not inert: %q", got)
	}
	do(chromedp.Click(chromedp.CSS("nav a:nth-child(2)")), chromedp.WaitVisible(chromedp.CSS("#chat")))
	if !exists("#phone") || exists("#callback") {
		t.Fatal("with a chat agent: want chat and phone, no callback form")
	}
	do(chromedp.Click(chromedp.CSS("#get-code")), chromedp.WaitVisible(chromedp.CSS("#code")))
	if got := text("#code"); got != "*482101#" {
		t.Fatalf("code = %q", got)
	}

	// No agent for chat: the callback form instead.
	live.set(0, time.Minute)
	do(chromedp.Navigate(srv.URL + "/contact/main"))
	do(chromedp.Click(chromedp.CSS("nav a:nth-child(2)")), chromedp.WaitVisible(chromedp.CSS("#callback")))
	if exists("#chat") {
		t.Fatal("chat offered with no chat agent")
	}
	do(
		chromedp.SendKeys(chromedp.CSS("#cb-number"), "+33 6 12 34 56 78"),
		chromedp.SetValue(chromedp.CSS("#cb-window"), "15:00-18:00"),
		chromedp.Click(chromedp.CSS("#cb-submit")),
		chromedp.WaitVisible(chromedp.CSS("#done")),
	)
	if got := text("#done"); !strings.Contains(got, "15:00-18:00") {
		t.Fatalf("done = %q", got)
	}
	items := live.queued()
	if len(items) != 1 {
		t.Fatalf("queued items = %+v", items)
	}
	it := items[0]
	if it.Channel != "callback" || it.Queue != "support" || it.Number != "+33 6 12 34 56 78" || it.Window != "15:00-18:00" ||
		it.Context.Intent != "technical support" || it.Context.Face != ivr.Web {
		t.Fatalf("callback item = %+v", it)
	}
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90)); err == nil {
		os.WriteFile(t.TempDir()+"/contact.jpg", png, 0o600)
	}

	// The funnel counts exactly what the browser did.
	for _, c := range []struct {
		node   string
		step   ivr.Step
		choice string
		want   int
	}{
		{"welcome", ivr.Entered, "", 2},
		{"welcome", ivr.Chose, "2", 2},
		{"hours", ivr.Entered, "", 2},
		{"support", ivr.Entered, "", 2},
		{"support", ivr.Chose, "callback", 1},
	} {
		if got := fn.count(c.node, c.step, c.choice); got != c.want {
			t.Errorf("funnel %s %s %q = %d, want %d", c.node, c.step, c.choice, got, c.want)
		}
	}

	// French settings: the flow without a language speaks French.
	lang.Store("fr")
	do(chromedp.Navigate(srv.URL+"/contact/main?n=support"), chromedp.WaitVisible(chromedp.CSS("#callback")))
	if got := text("#callback h2"); got != "Nous vous rappelons" {
		t.Fatalf("French callback heading = %q", got)
	}
	do(
		chromedp.SendKeys(chromedp.CSS("#cb-number"), "+33 6 12 34 56 78"),
		chromedp.Click(chromedp.CSS("#cb-submit")),
		chromedp.WaitVisible(chromedp.CSS("#done")),
	)
	if got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang + " " + document.querySelector("#done").textContent`)); got != "fr Nous vous rappellerons entre 09:00-12:00." {
		t.Fatalf("French answer = %q", got)
	}
}
