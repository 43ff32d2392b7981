package contact

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboard-cc/switchboard/internal/peertest"
	"github.com/switchboard-cc/switchboard/ivr"
)

// TestBrowser drives the contact page in headless Chromium: chat is
// offered when an agent is available for chat, a callback form when none
// is, and a submitted callback becomes a queued callback item with the
// intent attached.
func TestBrowser(t *testing.T) {
	chromium := peertest.Binary(t, "chromium")
	live := &fakeLive{}
	fn := &funnel{}
	srv := httptest.NewServer(newTestHandler(live, fn, true))
	defer srv.Close()

	profile := t.TempDir()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(profile),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.WindowSize(390, 844), // a phone screen: the page is mobile-first
	)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()

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
	if got := text("#code"); got != "*4821#" {
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
}
