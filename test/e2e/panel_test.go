package e2e

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

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

// acceptChat accepts the chat offered in the agent's console. The offer
// also lands in the item list above the chats, moving the card as it
// comes: the button is clicked from the page's script where it is, not at
// coordinates measured a moment earlier.
func acceptChat(agent context.Context) error {
	ctx, cancel := context.WithTimeout(agent, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(".chat-card.offered"))); err != nil {
		return err
	}
	if err := jsClick(ctx, ".chat-card.offered button"); err != nil {
		return err
	}
	return chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(".chat-card.active .chat-send input")))
}

// jsClick clicks the first element matching sel from the page's script.
func jsClick(ctx context.Context, sel string) error {
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (e) { e.click(); } return !!e; })()`, sel)
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
	if err == nil && !ok {
		err = fmt.Errorf("no %s to click", sel)
	}
	return err
}
