package e2e

import (
	"context"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"
)

// panel returns the web panel's base URL and the admin password that
// `serve` printed at its first start.
func (s *server) panel(t *testing.T) (base, adminPassword string) {
	t.Helper()
	out := s.output()
	web := regexp.MustCompile(`web=(http://[0-9.:]+)/`).FindStringSubmatch(out)
	pw := regexp.MustCompile(`user "admin" with password (\S+)`).FindStringSubmatch(out)
	if web == nil || pw == nil {
		t.Fatalf("no web address or admin password in:\n%s", out)
	}
	return web[1], pw[1]
}

// addAgentUser creates the panel user name (role agent, shown as display)
// from the admin's browser, signed in on base.
func addAgentUser(t *testing.T, admin context.Context, base, name, display, password string) {
	t.Helper()
	adminForm(t, admin, base+"/admin/users",
		chromedp.SendKeys(chromedp.CSS("#user-name"), name),
		chromedp.SendKeys(chromedp.CSS("#user-display"), display),
		chromedp.SetValue(chromedp.CSS("#user-role"), "agent"),
		chromedp.SendKeys(chromedp.CSS("#user-password"), password),
		chromedp.Submit(chromedp.CSS("#user-password")))
}

// agentConsole opens the console of agent user name in a new browser and
// sets their presence; stop closes the browser.
func agentConsole(t *testing.T, chromium, base, name, password, presence string) (ctx context.Context, stop context.CancelFunc) {
	t.Helper()
	ctx, stop = browser(t, chromium)
	browserLogin(t, ctx, base, name, password)
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/console"),
		chromedp.WaitVisible(chromedp.CSS("#presence")),
		chromedp.Click(chromedp.CSS(`button[data-presence="`+presence+`"]`)),
	)
	if err != nil {
		stop()
		t.Fatalf("%s's console: %v", name, err)
	}
	waitText(t, ctx, "#my-presence", presence)
	return ctx, stop
}
