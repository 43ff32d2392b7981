package peertest

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium starts headless Chromium for a test (skipped, or failed under
// SWITCHBOARD_REQUIRE_PEERS=1, when it is missing) with a profile of its
// own and extra options such as a window size; the browser stops at the
// test's end, and its tabs share a deadline of timeout.
func Chromium(t testing.TB, timeout time.Duration, opts ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts = append(ChromiumOptions(Binary(t, "chromium"), t.TempDir()), opts...)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	browser, cancelT := context.WithTimeout(browser, timeout)
	t.Cleanup(cancelT)
	if err := chromedp.Do(browser); err != nil {
		t.Fatal(err)
	}
	return browser
}

// ChromiumOptions are the options every test browser runs with: the
// chromium binary at path, headless, a profile directory of its own, and
// nothing running in the background.
func ChromiumOptions(path, profile string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
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
	}
}
