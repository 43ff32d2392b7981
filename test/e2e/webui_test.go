package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboard-cc/switchboard/internal/events"
	"github.com/switchboard-cc/switchboard/internal/peertest"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/webui"
)

// browser starts a headless Chromium with its own profile; cancel stops it.
func browser(t *testing.T, chromium string) (context.Context, context.CancelFunc) {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		append(peertest.ChromiumOptions(chromium, t.TempDir()), chromedp.WindowSize(1200, 900))...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	return ctx, func() { cancelT(); cancelCtx(); cancelAlloc() }
}

func browserLogin(t *testing.T, ctx context.Context, base, user, password string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("form.logout")),
	)
	if err != nil {
		t.Fatalf("login as %s: %v", user, err)
	}
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := os.Getenv("SWITCHBOARD_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

// TestWebUIAdminFlow drives the panel in Chromium: the admin signs in with
// the password printed at first start, adds an extension and an agent user,
// sees a bad extension and a flow with a dangling menu option named at their
// lines while typing, and the agent signs
// in from a second browser and cannot open the admin pages.
func TestWebUIAdminFlow(t *testing.T) {
	chromium := peertest.Binary(t, "chromium")
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := webui.New(st, events.NewBus(), webui.Config{Listen: "127.0.0.1:0", DataDir: data, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	var first strings.Builder
	if err := srv.EnsureAdmin(ctx, &first); err != nil {
		t.Fatal(err)
	}
	var adminPW string
	if _, err := fmt.Sscanf(first.String()[strings.Index(first.String(), "password "):], "password %s", &adminPW); err != nil {
		t.Fatalf("admin password not printed: %q", first.String())
	}
	if err := srv.Listen(ctx); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()
	base := "http://" + srv.Addr().String()

	admin, stopAdmin := browser(t, chromium)
	defer stopAdmin()
	browserLogin(t, admin, base, "admin", adminPW)

	err = chromedp.Do(admin,
		chromedp.Navigate(base+"/admin/extensions"),
		chromedp.SendKeys(chromedp.CSS("#ext-number"), "1001"),
		chromedp.SendKeys(chromedp.CSS("#ext-name"), `Front <b>desk</b>`),
		chromedp.SendKeys(chromedp.CSS("#ext-password"), "desk-secret-1"),
		chromedp.Submit(chromedp.CSS("#ext-password")),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-number="1001"]`)),
	)
	if err != nil {
		t.Fatalf("add extension: %v", err)
	}
	row, err := chromedp.Run(admin, chromedp.Text(chromedp.CSS(`tr[data-number="1001"]`)))
	if err != nil || !strings.Contains(row, "Front <b>desk</b>") || !strings.Contains(row, "offline") {
		t.Fatalf("extension row %q, %v", row, err)
	}

	err = chromedp.Do(admin,
		chromedp.Navigate(base+"/admin/users"),
		chromedp.SendKeys(chromedp.CSS("#user-name"), "tina"),
		chromedp.SendKeys(chromedp.CSS("#user-display"), "Tina Agent"),
		chromedp.SetValue(chromedp.CSS("#user-role"), "agent"),
		chromedp.SendKeys(chromedp.CSS("#user-password"), "tina-password"),
		chromedp.Submit(chromedp.CSS("#user-password")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	if err != nil {
		t.Fatalf("add agent user: %v", err)
	}

	bad := "extensions:\n  - number: \"1001\"\n    password: desk-secret-1\n  - number: \"12x\"\n    password: desk-secret-2\n" +
		"flows:\n  - name: main\n    number: \"600\"\n    start: welcome\n    nodes:\n" +
		"      welcome: {type: menu, prompt: welcome, title: \"How can we help?\", options: {\"1\": sales, \"2\": nowhere}}\n" +
		"      sales: {type: hangup}\n"
	err = chromedp.Do(admin,
		chromedp.Navigate(base+"/admin/config"),
		chromedp.WaitVisible(chromedp.CSS("#validation.ok")),
		chromedp.Clear(chromedp.CSS("#yaml")),
		chromedp.SendKeys(chromedp.CSS("#yaml"), bad),
		chromedp.WaitVisible(chromedp.CSS("#validation.bad")),
	)
	if err != nil {
		t.Fatalf("live validation: %v", err)
	}
	// Validation runs as the text is typed: wait for the verdict on the
	// whole file, not one on a half-typed line.
	waitMatch(t, admin, "#live-errors", "errors at lines 4 and 11", func(live string) bool {
		return strings.Contains(live, "line 4: extensions[1].number") && strings.Contains(live, "line 11: flows[0]")
	})
	screenshot(t, admin, "webui-config-error")
	err = chromedp.Do(admin,
		chromedp.Click(chromedp.CSS(`form.editor button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#server-errors")),
	)
	if err != nil {
		t.Fatalf("apply bad file: %v", err)
	}
	if exts, _ := st.Extensions(ctx); len(exts) != 1 || exts[0].Name != "Front <b>desk</b>" {
		t.Fatalf("a bad file changed the store: %+v", exts)
	}
	good := "flows:\n  - name: main\n    number: \"600\"\n    start: welcome\n    nodes:\n" +
		"      welcome: {type: menu, prompt: welcome, title: \"How can we help?\", options: {\"1\": sales, \"2\": closed}}\n" +
		"      sales: {type: queue, queue: sales, intent: buy}\n" +
		"      closed: {type: play, prompt: closed, next: welcome}\n"
	err = chromedp.Do(admin,
		chromedp.Navigate(base+"/admin/config"),
		chromedp.WaitVisible(chromedp.CSS("#validation.ok")),
		chromedp.Clear(chromedp.CSS("#yaml")),
		chromedp.SendKeys(chromedp.CSS("#yaml"), good),
		chromedp.WaitVisible(chromedp.CSS("#validation.ok")),
		chromedp.Click(chromedp.CSS(`form.editor button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
		chromedp.Navigate(base+"/admin/flows"),
		chromedp.WaitVisible(chromedp.CSS(`[data-flow="main"]`)),
	)
	if err != nil {
		t.Fatalf("apply a good flow: %v", err)
	}
	screenshot(t, admin, "webui-flows")
	err = chromedp.Do(admin, chromedp.Navigate(base+"/admin/extensions"), chromedp.WaitVisible(chromedp.CSS("#extensions")))
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, admin, "webui-extensions")

	now := time.Now()
	for i, disp := range []string{"answered", "answered", "busy", "no-answer"} {
		c := store.CDR{CallID: fmt.Sprintf("e2e-%d", i), Caller: "+3361234567" + fmt.Sprint(i), Callee: "1001", StartedAt: now.Add(-time.Duration(4-i) * time.Minute)}
		id, err := st.StartCDR(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		c.ID, c.Disposition, c.EndedAt = id, disp, c.StartedAt.Add(40*time.Second)
		if disp == "answered" {
			c.AnsweredAt, c.SIPStatus = c.StartedAt.Add(5*time.Second), 200
		}
		if err := st.FinishCDR(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	err = chromedp.Do(admin, chromedp.Navigate(base+"/reports/cdrs"), chromedp.WaitVisible(chromedp.CSS("#cdrs")))
	if err != nil {
		t.Fatal(err)
	}
	total, err := chromedp.Run(admin, chromedp.Text(chromedp.CSS("#stat-total")))
	if err != nil || total != "4" {
		t.Fatalf("report total %q, %v", total, err)
	}
	screenshot(t, admin, "webui-calls-report")

	agent, stopAgent := browser(t, chromium)
	defer stopAgent()
	browserLogin(t, agent, base, "tina", "tina-password")
	who, err := chromedp.Run(agent, chromedp.Text(chromedp.CSS(".who")))
	if err != nil || !strings.Contains(who, "Tina Agent (agent)") {
		t.Fatalf("agent header %q, %v", who, err)
	}
	err = chromedp.Do(agent, chromedp.Navigate(base+"/admin/extensions"))
	if err != nil {
		t.Fatal(err)
	}
	body, err := chromedp.Run(agent, chromedp.Text(chromedp.CSS("body")))
	if err != nil || !strings.Contains(body, "Forbidden") || strings.Contains(body, "1001") {
		t.Fatalf("agent reached an admin page: %q, %v", body, err)
	}
}
