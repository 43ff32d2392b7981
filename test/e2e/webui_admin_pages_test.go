package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// adminPagesYAML has a flow whose help intent is behind the office
// calendar, closed every day until the admin changes it.
const adminPagesYAML = `
agents: [{name: bob}]
queues: [{name: support, members: [bob]}]
calendars:
  - {name: office, timezone: UTC, hours: {"mon-sun": "closed"}}
flows:
  - name: web
    number: "810"
    phone: "+33 1 23 45 67 89"
    start: welcome
    nodes:
      welcome: {type: menu, prompt: welcome, title: "How can we help?", options: {"1": help-hours}, labels: {"1": help}}
      help-hours: {type: hours, calendar: office, open: help, closed: help-later}
      help: {type: queue, queue: support, intent: help}
      help-later: {type: callback, queue: support, intent: help, prompt: welcome, title: "We call you back"}
`

// TestAdminPagesCalendarAndWidgetInChromium runs the whole appliance and
// drives the calendar and chat widget pages in Chromium as an admin: the
// contact page's help intent is after hours (callback only); a typo in the
// calendar's time zone is named on the page and nothing is saved; the
// office opens every day from the calendars page (its badge turns to
// open) and the contact page offers the phone at once, without a restart.
// A chat widget created on the widgets page shows its script tag, whose
// script and hosted chat page the running appliance serves within seconds.
// Screenshots of both pages are saved.
func TestAdminPagesCalendarAndWidgetInChromium(t *testing.T) {
	chromium := peertest.Binary(t, "chromium")
	data := t.TempDir()
	importConfig(t, data, adminPagesYAML)
	srv := startServer(t, nil, binPath, data)
	base, adminPassword := srv.panel(t)

	ctx, cancel := browser(t, chromium)
	defer cancel()
	browserLogin(t, ctx, base, "admin", adminPassword)
	do := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		step, cancelStep := context.WithTimeout(ctx, 15*time.Second)
		defer cancelStep()
		if err := chromedp.Do(step, actions...); err != nil {
			page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerHTML`))
			t.Fatalf("%v\npage: %s\nserver:\n%s", err, page, srv.output())
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("%s: %v", sel, err)
		}
		return s
	}
	helpOffers := func() string {
		t.Helper()
		do(chromedp.Navigate(base+"/contact/web"), chromedp.WaitVisible(chromedp.CSS("nav")))
		do(chromedp.Click(`//nav/a[normalize-space()="help"]`), chromedp.WaitVisible(chromedp.CSS("#callback")))
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`["#chat","#phone","#callback"].filter(s => document.querySelector(s)).join(" ")`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := helpOffers(); got != "#callback" {
		t.Fatalf("help after hours offers %q, want only the callback form", got)
	}

	do(chromedp.Navigate(base+"/admin/calendars"), chromedp.WaitVisible(chromedp.CSS(`tr[data-calendar="office"]`)))
	if got := text(`tr[data-calendar="office"] [data-f="open"]`); got != "closed" {
		t.Fatalf("office shows %q now, want closed", got)
	}
	edit := []chromedp.Action[chromedp.Void]{chromedp.Navigate(base + "/admin/calendars?edit=office"), chromedp.WaitVisible(chromedp.CSS("#calendar-form"))}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		edit = append(edit, chromedp.SetValue(chromedp.CSS("#calendar-hours-"+d), "00:00-24:00"))
	}
	do(append(edit, chromedp.SetValue(chromedp.CSS("#calendar-timezone"), "Europe/Pariss"),
		chromedp.Submit(chromedp.CSS("#calendar-name")), chromedp.WaitVisible(chromedp.CSS("#server-errors")))...)
	if got := text("#server-errors"); !strings.Contains(got, `timezone: unknown time zone "Europe/Pariss"`) {
		t.Fatalf("typo shown as %q", got)
	}
	if got := text(`tr[data-calendar="office"] [data-f="open"]`); got != "closed" {
		t.Fatalf("a refused change applied: office %q", got)
	}
	do(append(edit, chromedp.SetValue(chromedp.CSS("#calendar-timezone"), "Europe/Paris"),
		chromedp.Submit(chromedp.CSS("#calendar-name")), chromedp.WaitVisible(chromedp.CSS("p.notice")))...)
	if got := text(`tr[data-calendar="office"] [data-f="open"]`); got != "open" {
		t.Fatalf("office shows %q after opening it every day", got)
	}
	screenshot(t, ctx, "admin-calendars")
	if got := helpOffers(); !strings.Contains(got, "#phone") {
		t.Fatalf("help in opening hours offers %q, want the phone", got)
	}

	adminForm(t, ctx, base+"/admin/widgets",
		chromedp.SendKeys(chromedp.CSS("#widget-name"), "shop"),
		chromedp.SetValue(chromedp.CSS("#widget-queue"), "support"),
		chromedp.SendKeys(chromedp.CSS("#widget-origins"), "https://shop.example.com"),
		chromedp.Submit(chromedp.CSS("#widget-name")))
	script, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`tr[data-widget="shop"] textarea`)))
	if err != nil {
		t.Fatal(err)
	}
	if want := `<script src="` + base + `/chat/widget.js" data-widget="shop" async></script>`; script != want {
		t.Fatalf("script tag %q, want %q", script, want)
	}
	screenshot(t, ctx, "admin-widgets")
	if code, _ := get(t, base+"/chat/widget.js"); code != http.StatusOK {
		t.Fatalf("widget.js: %d", code)
	}
	// The chat server follows the configuration within about a second.
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := get(t, base+"/chat/start/shop")
		if code == http.StatusOK && strings.Contains(body, `data-widget="shop"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new widget's chat page answers %d after 10 s:\n%s", code, srv.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// get fetches url and returns the status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// TestAdminMailboxPageWithDovecot adds a mailbox from the mailboxes page of
// a running appliance, in Chromium, against a real Dovecot: with a wrong
// password its live status turns to disconnected with the server's error;
// with the right one (typed in the write-only field) it turns to
// connected on the open page (redrawn from the API), and mail delivered to Dovecot becomes an email item of the
// queue: the running mail service followed both changes without a
// restart. No page ever shows a password.
func TestAdminMailboxPageWithDovecot(t *testing.T) {
	chromium := peertest.Binary(t, "chromium")
	dovecot := peertest.StartDovecot(t)
	data := t.TempDir()
	importConfig(t, data, "agents: [{name: bob}]\nqueues: [{name: support, members: [bob]}]\n")
	srv := startServer(t, nil, binPath, data)
	base, adminPassword := srv.panel(t)

	ctx, cancel := browser(t, chromium)
	defer cancel()
	browserLogin(t, ctx, base, "admin", adminPassword)
	const wrong = "wr0ng-passw0rd"
	save := func(password string) {
		t.Helper()
		adminForm(t, ctx, base+"/admin/mailboxes",
			chromedp.SetValue(chromedp.CSS("#mailbox-name"), "support"),
			chromedp.SetValue(chromedp.CSS("#mailbox-imap"), "imap://support@"+dovecot.Addr),
			chromedp.SendKeys(chromedp.CSS("#mailbox-imap-password"), password),
			chromedp.SetValue(chromedp.CSS("#mailbox-queue"), "support"),
			chromedp.SetValue(chromedp.CSS("#mailbox-poll"), "1s"),
			chromedp.Submit(chromedp.CSS("#mailbox-name")))
	}
	// status reloads the page until the mailbox's status starts with want.
	status := func(want string) string {
		t.Helper()
		var got, html string
		for range 100 {
			var err error
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin/mailboxes")); err != nil {
				t.Fatal(err)
			}
			if html, err = chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); err != nil {
				t.Fatal(err)
			}
			for _, pw := range []string{wrong, "secret"} {
				if strings.Contains(html, pw) {
					t.Fatalf("the mailboxes page shows a password:\n%s", html)
				}
			}
			if got, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`tr[data-mailbox="support"] [data-f="status"]`))); err == nil && strings.HasPrefix(got, want) {
				return got
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("mailbox status %q, want %s\nserver:\n%s", got, want, srv.output())
		return ""
	}
	save(wrong)
	if got := status("disconnected"); !strings.Contains(strings.ToLower(got), "auth") {
		t.Errorf("status %q does not give the login error", got)
	}
	save("secret")
	// The page redraws the status from the API while it stays open (every
	// 3 s); the service restarts the mailbox within a second of the change,
	// once the old one's login attempt ended (Dovecot delays a failed one).
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`tr[data-mailbox="support"] [data-f="status"]`)))
		if err == nil && strings.HasPrefix(got, "connected") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the open page shows %q 30 s after the right password (%v)\nserver:\n%s", got, err, srv.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
	status("connected")
	screenshot(t, ctx, "admin-mailboxes")
	dovecot.Deliver(t, []byte("From: Carol <carol@customer.test>\r\nTo: support@example.com\r\nSubject: printer\r\nMessage-ID: <p1@customer.test>\r\n\r\nIt is on fire.\r\n"))
	waitEntered(t, srv, data, "support", "email")
}
