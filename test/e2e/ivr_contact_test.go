package e2e

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboard-cc/switchboard/acd/stats"
	"github.com/switchboard-cc/switchboard/internal/peertest"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// ivrContactYAML is a demo-like flow with three intents: buy (sales, whose
// agent ann takes chats), help (support, nobody logged in) and invoice
// (billing, behind a calendar whose holiday is today, %[1]s UTC: a
// callback request instead). The sales widget allows only another site.
const ivrContactYAML = `
extensions: [{number: "1001", password: caller-pass1}]
agents: [{name: ann}, {name: bob}]
queues: [{name: sales, members: [ann]}, {name: support, members: [bob]}, {name: billing, members: [bob]}]
chat:
  - {name: sales-chat, queue: sales, origins: ["https://shop.example.com"]}
calendars:
  - {name: holiday, timezone: UTC, hours: {"mon-sun": "00:00-24:00"}, holidays: ["%[1]s"]}
flows:
  - name: demo
    number: "800"
    phone: "+33 1 23 45 67 89"
    start: welcome
    nodes:
      welcome: {type: menu, prompt: welcome, title: "How can we help?", options: {"1": sales, "2": support, "3": billing-hours}, labels: {"3": invoice}, retries: 1, timeout: 8s}
      sales: {type: queue, queue: sales, intent: buy}
      support: {type: queue, queue: support, intent: help}
      billing-hours: {type: hours, calendar: holiday, open: billing, closed: billing-later}
      billing: {type: queue, queue: billing, intent: invoice}
      billing-later: {type: callback, queue: billing, intent: invoice, prompt: welcome, title: "We call you back"}
`

// TestIVRContactPage drives the demo flow's contact page on a running
// appliance in headless Chromium. With ann logged in for chat, the buy
// intent offers chat, whose button opens the appliance's hosted chat page
// of the sales widget: its WebSocket is accepted from the appliance's own
// origin and the visitor's chat enters the sales queue. The help intent
// (nobody for chat) offers the phone number, whose button reveals a code,
// and a callback form, no chat. The invoice intent, after hours, offers only the callback
// form; the request becomes a queued callback item of billing with the
// intent attached. The code, dialled at the phone menu by a sipp caller
// (*, the six digits and # as RFC 4733 events), lands the call in
// support; dialled again on a second call it is refused.
// The funnel report counts exactly these steps.
func TestIVRContactPage(t *testing.T) {
	chromium := peertest.Binary(t, "chromium")
	peertest.Binary(t, "sipp")
	data := t.TempDir()
	importConfig(t, data, fmt.Sprintf(ivrContactYAML, time.Now().UTC().Format(time.DateOnly)))
	srv := startServer(t, nil, binPath, data)
	web := regexp.MustCompile(`web=(http://[0-9.:]+)/`).FindStringSubmatch(srv.output())
	if web == nil {
		t.Fatalf("no web address in:\n%s", srv.output())
	}
	base := web[1]
	mustCLI(t, "--data", data, "agent", "login", "ann", "--channels", "voice,chat")

	ctx, cancel := browser(t, chromium)
	defer cancel()
	// The browser starts on the test's context, so that each step may have
	// a shorter one.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	do := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		step, cancelStep := context.WithTimeout(ctx, 10*time.Second)
		defer cancelStep()
		if err := chromedp.Do(step, actions...); err != nil {
			page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerHTML`))
			t.Fatalf("%v\npage: %s\nserver:\n%s", err, page, srv.output())
		}
	}
	shown := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](
			`["#chat","#phone","#callback","#email"].filter(s => document.querySelector(s)).join(" ")`))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	choose := func(label, wait string) {
		t.Helper()
		do(chromedp.Navigate(base+"/contact/demo"), chromedp.WaitVisible(chromedp.CSS("nav")))
		do(chromedp.Click(`//nav/a[normalize-space()="`+label+`"]`), chromedp.WaitVisible(chromedp.CSS(wait)))
	}

	// buy: an agent is available for chat.
	choose("buy", "#chat")
	if got := shown(); got != "#chat #phone" {
		t.Errorf("buy with a chat agent shows %q, want chat and phone", got)
	}
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#chat a").getAttribute("href")`))
	if err != nil || href != "/chat/start/sales-chat" {
		t.Fatalf("chat button leads to %q (%v), want /chat/start/sales-chat", href, err)
	}
	do(chromedp.Click(chromedp.CSS("#chat a")), chromedp.WaitVisible(chromedp.CSS("#sb-chat .sb-launcher")))
	do(chromedp.Click(chromedp.CSS("#sb-chat .sb-launcher")), chromedp.WaitVisible(chromedp.CSS("#sb-chat .sb-form")),
		chromedp.SendKeys(chromedp.CSS(`#sb-chat input[name="name"]`), "Carol"),
		chromedp.Click(chromedp.CSS("#sb-chat .sb-start")))
	waitEntered(t, srv, data, "sales", "chat")

	// help: nobody for chat, a short wait: phone, callback; the code is
	// issued when the visitor asks for it.
	choose("help", "#phone")
	if got := shown(); got != "#phone #callback #email" {
		t.Errorf("help without a chat agent shows %q, want phone, callback and email", got)
	}
	do(chromedp.Click(chromedp.CSS("#get-code")), chromedp.WaitVisible(chromedp.CSS("#code")))
	codeText, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#code")))
	if err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile(`^\*([0-9]{6})#$`).FindStringSubmatch(codeText)
	if code == nil {
		t.Fatalf("code shown %q, want *NNNNNN#", codeText)
	}

	// invoice after hours: only the callback form.
	choose("invoice", "#callback")
	if got := shown(); got != "#callback" {
		t.Errorf("invoice after hours shows %q, want only the callback form", got)
	}
	do(chromedp.SendKeys(chromedp.CSS("#cb-number"), "+33 6 12 34 56 78"),
		chromedp.SetValue(chromedp.CSS("#cb-window"), "12:00-15:00"),
		chromedp.Click(chromedp.CSS("#cb-submit")),
		chromedp.WaitVisible(chromedp.CSS("#done")))
	st, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	items, err := st.ACDItems(context.Background())
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	var callbacks []string
	for _, it := range items {
		if it.Channel == "callback" {
			callbacks = append(callbacks, fmt.Sprintf("%s %s %s %s %s %s %s", it.Queue, it.State, it.Context["intent"],
				it.Context["number"], it.Context["window"], it.Context["flow"], it.Context["face"]))
		}
	}
	if want := "billing waiting invoice +33 6 12 34 56 78 12:00-15:00 demo web"; len(callbacks) != 1 || callbacks[0] != want {
		t.Fatalf("callback items %q, want [%q]", callbacks, want)
	}

	// The code dialled at the phone menu.
	if err := ivrKeys(t, srv, "800", "*"+code[1]+"#", viaRFC4733, 2*time.Second)(); err != nil {
		t.Fatalf("caller dialling the code: %v\nserver:\n%s", err, srv.output())
	}
	waitEntered(t, srv, data, "support", "voice")
	// The code works once: dialled again on a second call it is wrong (an
	// invalid choice; the menu plays again until the caller hangs up), and
	// support still has one call.
	if err := ivrKeys(t, srv, "800", "*"+code[1]+"#", viaRFC4733, 2*time.Second)(); err != nil {
		t.Fatalf("caller dialling the used code: %v\nserver:\n%s", err, srv.output())
	}
	waitEntered(t, srv, data, "support", "voice")
	// The second caller's hang-up at the menu is counted once the
	// appliance has seen its BYE.
	const voiceRow = "welcome voice 2 1 code=1 invalid=1"
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if funnelReport(t, data, "demo")["welcome/voice"] == voiceRow {
			break
		}
	}

	checkFunnel(t, data, "demo",
		voiceRow,
		"welcome web 3 0 1=1 2=1 3=1",
		"sales web 1 0",
		"support web 1 0 call=1",
		"billing-hours web 1 0",
		"billing-later web 1 0 callback=1")
}

// waitEntered waits up to 10 s for exactly one entered event of channel in
// queue in data's event log.
func waitEntered(t *testing.T, srv *server, data, queue, channel string) {
	t.Helper()
	var n int
	for range 100 {
		n = 0
		for _, e := range acdEvents(t, data, 0) {
			if e.Kind == stats.Entered && e.Queue == queue && e.Channel == channel {
				n++
			}
		}
		if n > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n != 1 {
		t.Fatalf("%d %s items entered queue %s, want 1\nserver:\n%s", n, channel, queue, srv.output())
	}
}
