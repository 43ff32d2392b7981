package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// adminForm fills and submits one of the panel's forms and waits for the
// page that answers it to show its notice.
func adminForm(t *testing.T, ctx context.Context, page string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	all := append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(page)}, actions...)
	all = append(all, chromedp.WaitVisible(chromedp.CSS("p.notice")))
	if err := chromedp.Do(ctx, all...); err != nil {
		t.Fatalf("form on %s: %v", page, err)
	}
}

// waitMatch waits up to 10 s for the text of sel to satisfy ok (described
// by want in the failure).
func waitMatch(t *testing.T, ctx context.Context, sel, want string, ok func(string) bool) {
	t.Helper()
	var got string
	for range 100 {
		var err error
		if got, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel))); err == nil && ok(got) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s shows %q, want %s", sel, got, want)
}

// waitPrefix waits up to 10 s for the text of sel to start with prefix.
func waitPrefix(t *testing.T, ctx context.Context, sel, prefix string) {
	t.Helper()
	waitMatch(t, ctx, sel, "a text starting with "+prefix, func(s string) bool { return strings.HasPrefix(s, prefix) })
}

// TestWebUIQueueCallScreenPop runs the whole appliance (`serve`) and drives
// its panel in Chromium as people would: the admin signs in with the
// password printed at first start and creates the extensions, the agent's
// panel user, the agent and the queue from the admin pages, imports a flow
// with an error (named at its line) then a correct one; the agent signs in
// from a second browser and sets themselves away. A sipp caller dials the
// flow and waits in the queue: the admin's wallboard goes 0 → 1. The agent
// goes available from the console: the call rings the agent's phone (a
// sipp UAS registered as the agent's extension, answering), the console
// pops the call (caller, queue, intent, IVR path), the wallboard goes back
// to 0, and the service report counts the answered call. Screenshots of the
// console, the wallboard and the report are saved.
func TestWebUIQueueCallScreenPop(t *testing.T) {
	chromium := peertest.Binary(t, "chromium")
	peertest.Binary(t, "sipp")
	data := t.TempDir()
	srv := startServer(t, nil, binPath, data)
	base, adminPassword := srv.panel(t)

	admin, stopAdmin := browser(t, chromium)
	defer stopAdmin()
	browserLogin(t, admin, base, "admin", adminPassword)
	for _, ext := range [][2]string{{"1001", "caller-pass1"}, {"2001", "agent-pass1"}} {
		adminForm(t, admin, base+"/admin/extensions",
			chromedp.SendKeys(chromedp.CSS("#ext-number"), ext[0]),
			chromedp.SendKeys(chromedp.CSS("#ext-password"), ext[1]),
			chromedp.Submit(chromedp.CSS("#ext-password")))
	}
	addAgentUser(t, admin, base, "ann", "Ann Agent", "ann-password")
	adminForm(t, admin, base+"/admin/agents",
		chromedp.SendKeys(chromedp.CSS("#agent-name"), "ann"),
		chromedp.SetValue(chromedp.CSS("#agent-extension"), "2001"),
		chromedp.Submit(chromedp.CSS("#agent-name")))
	adminForm(t, admin, base+"/admin/queues",
		chromedp.SendKeys(chromedp.CSS("#queue-name"), "support"),
		chromedp.Click(chromedp.CSS(`input[name="members"][value="ann"]`)),
		chromedp.SendKeys(chromedp.CSS("#queue-ring"), "15s"),
		chromedp.SendKeys(chromedp.CSS("#queue-wrapup"), "0s"),
		chromedp.Submit(chromedp.CSS("#queue-name")))
	row, err := chromedp.Run(admin, chromedp.Text(chromedp.CSS(`tr[data-queue="support"]`)))
	if err != nil || !strings.Contains(row, "ann") {
		t.Fatalf("queue row %q, %v", row, err)
	}

	flow := "flows:\n  - name: to-support\n    number: \"700\"\n    start: q\n    nodes:\n"
	err = chromedp.Do(admin,
		chromedp.Navigate(base+"/admin/config"),
		chromedp.WaitVisible(chromedp.CSS("#validation.ok")),
		chromedp.Clear(chromedp.CSS("#yaml")),
		chromedp.SendKeys(chromedp.CSS("#yaml"), flow+"      q: {type: queue, queue: support, intent: help, next: nowhere}\n"),
		chromedp.WaitVisible(chromedp.CSS("#validation.bad")),
	)
	if err != nil {
		t.Fatalf("live validation: %v", err)
	}
	// Validation runs while typing: wait for the verdict on the whole text.
	waitMatch(t, admin, "#live-errors", "the dangling next named at line 6", func(s string) bool {
		return strings.Contains(s, "line 6: flows[0].nodes.q.next")
	})
	err = chromedp.Do(admin,
		chromedp.Navigate(base+"/admin/config"),
		chromedp.WaitVisible(chromedp.CSS("#validation.ok")),
		chromedp.Clear(chromedp.CSS("#yaml")),
		chromedp.SendKeys(chromedp.CSS("#yaml"), flow+"      q: {type: queue, queue: support, intent: help}\n"),
		chromedp.WaitVisible(chromedp.CSS("#validation.ok")),
		chromedp.Click(chromedp.CSS(`form.editor button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
		chromedp.Navigate(base+"/wallboard"),
		chromedp.WaitVisible(chromedp.CSS(`[data-queue="support"]`)),
	)
	if err != nil {
		t.Fatalf("import the flow, open the wallboard: %v", err)
	}
	waitPrefix(t, admin, "#wallboard-status", "Live")
	waitText(t, admin, `[data-queue="support"] [data-f="waiting"]`, "0")

	agent, stopAgent := browser(t, chromium)
	defer stopAgent()
	browserLogin(t, agent, base, "ann", "ann-password")
	err = chromedp.Do(agent,
		chromedp.Navigate(base+"/console"),
		chromedp.WaitVisible(chromedp.CSS("#items")),
		chromedp.Click(chromedp.CSS(`button[data-presence="away"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitText(t, agent, "#my-presence", "away")

	// The agent's desk phone answers; the caller stays 4 s after the answer.
	dir := t.TempDir()
	users := filepath.Join(dir, "users.csv")
	os.WriteFile(users, []byte("SEQUENTIAL\n1001;[authentication username=1001 password=caller-pass1]\n"), 0o644)
	phonePort := freeUDPPort(t)
	phone := sippRun(t, dir, "uas_answer.xml", "-i", "127.0.0.1", "-p", fmt.Sprint(phonePort),
		"-mi", "127.0.0.1", "-mp", fmt.Sprint(freeUDPPort(t)), "-m", "1")
	if err := sippRegisterContact(t, srv.sipPort, "2001", "agent-pass1", "127.0.0.1", freeUDPPort(t), phonePort); err != nil {
		t.Fatalf("registering 2001:\n%s", srv.output())
	}
	caller := sippRun(t, dir, "uac_queue.xml", "-i", "127.0.0.1", "-p", fmt.Sprint(freeUDPPort(t)),
		"-mi", "127.0.0.1", "-mp", fmt.Sprint(freeUDPPort(t)), "-m", "1", "-d", "4000",
		fmt.Sprintf("127.0.0.1:%d", srv.sipPort), "-s", "700", "-inf", users)
	waitText(t, admin, `[data-queue="support"] [data-f="waiting"]`, "1")
	screenshot(t, admin, "webui-wallboard-waiting")

	start := time.Now()
	if err := chromedp.Do(agent, chromedp.Click(chromedp.CSS(`button[data-presence="available"]`))); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(agent, chromedp.WaitVisible(chromedp.CSS("#item-list [data-item]")))
	if err != nil {
		t.Fatalf("no screen pop: %v\nserver:\n%s", err, srv.output())
	}
	t.Logf("screen pop %v after the agent went available", time.Since(start).Round(10*time.Millisecond))
	pop, err := chromedp.Run(agent, chromedp.Text(chromedp.CSS("#item-list [data-item]")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1001", "extension 1001", "support", "Intent", "help", "IVR path", "New caller"} {
		if !strings.Contains(pop, want) {
			t.Errorf("screen pop %q lacks %q", pop, want)
		}
	}
	screenshot(t, agent, "webui-console-screen-pop")
	waitText(t, admin, `[data-queue="support"] [data-f="waiting"]`, "0")
	screenshot(t, admin, "webui-wallboard")

	if err := caller(); err != nil {
		t.Fatalf("caller: %v\nserver:\n%s", err, srv.output())
	}
	if err := phone(); err != nil {
		t.Fatalf("agent's phone: %v\nserver:\n%s", err, srv.output())
	}
	err = chromedp.Do(agent, chromedp.WaitNotPresent(chromedp.CSS("#item-list [data-item]")))
	if err != nil {
		t.Fatalf("the pop outlived the call: %v", err)
	}

	var answered string
	for range 50 {
		err = chromedp.Do(admin, chromedp.Navigate(base+"/reports/service"), chromedp.WaitVisible(chromedp.CSS("#service-queues")))
		if err != nil {
			t.Fatal(err)
		}
		answered, _ = chromedp.Run(admin, chromedp.Text(chromedp.CSS(`#service-queues tbody`)))
		if strings.Contains(answered, "support") {
			if answered, err = chromedp.Run(admin, chromedp.Text(chromedp.CSS(`tr[data-queue="support"] [data-f="answered"]`))); err == nil && answered == "1" {
				break
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	entered, err := chromedp.Run(admin, chromedp.Text(chromedp.CSS(`tr[data-queue="support"] [data-f="entered"]`)))
	if err != nil || entered != "1" || answered != "1" {
		t.Fatalf("service report: entered %q, answered %q, %v", entered, answered, err)
	}
	if err := chromedp.Do(admin, chromedp.WaitVisible(chromedp.CSS("#service-chart"))); err != nil {
		t.Fatalf("no chart: %v", err)
	}
	screenshot(t, admin, "webui-service-report")
}
