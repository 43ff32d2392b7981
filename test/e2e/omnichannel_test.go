package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// omniProviderCall is the phone network calling a DID from the customer's
// mobile (From 0612345678, the number given in the chat): no credentials,
// the call is held as long as sipp's -d, then hung up.
const omniProviderCall = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="the customer's mobile calls a DID and holds">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:0612345678@[local_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:gw@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=gw 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true"/>
  <send>
    <![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:0612345678@[local_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <pause/>
  <send retrans="500">
    <![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:0612345678@[local_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
</scenario>
`

// TestOmnichannelCustomer is issue 9's omnichannel case on the whole
// appliance (`serve` with a Dovecot mailbox, a chat widget and a trunk
// route into one queue, all served by ann): Alice emails support; ann
// answers from the console. Later Alice opens the chat widget on the shop's
// page (Chromium) with the same address, in another case, and gives her
// mobile number in the pre-chat form; ann's chat card shows the email in
// the history beside the chat, and ann closes the chat. Later Alice calls
// from that mobile through the provider trunk: while the call rings ann's
// desk phone, the console's screen pop names one customer holding the
// email address, the chat visitor and the E.164 number, with the chat and
// the email on its timeline. After the call the customer page, found by
// name, number or email (one record each time), lists the call, the chat
// and the email, newest first. The address typed in the pre-chat form
// joined the chat to the customer who emailed, so it and the email are
// labelled unconfirmed (the visitor typed it); the number, typed too, is
// verified by the call from it; ann confirms the address on the customer
// page and the label goes.
func TestOmnichannelCustomer(t *testing.T) {
	chromium := peertest.Binary(t, "chromium")
	peertest.Binary(t, "sipp")
	dovecot := peertest.StartDovecot(t)
	sink := peertest.StartSMTPSink(t)

	// The shop's website embeds the appliance's widget; its origin must be
	// in the configuration before the appliance starts.
	var applianceURL atomic.Pointer[string]
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1>
<script src="%s/chat/widget.js" data-widget="website"></script></body></html>`, *applianceURL.Load())
	}))
	defer shop.Close()

	data := t.TempDir()
	importConfig(t, data, fmt.Sprintf(`extensions:
  - {number: "2001", password: agent-pass1}
agents:
  - {name: ann, extension: "2001"}
queues:
  - {name: support, members: [ann], ring_timeout: 30s, wrap_up: 0s}
mailboxes:
  - {name: support, imap: "%s", smtp: "smtp://%s", queue: support, from: support@example.com, poll_interval: 1s}
chat:
  - {name: website, queue: support, origins: ["%s"]}
trunks:
  - {name: provider, type: peer, host: "%s"}
routes:
  inbound:
    - {did: "+33123456700", to: "queue:support"}
`, dovecot.URL(), sink.Addr, shop.URL, providerIP))
	srv := startServer(t, nil, binPath, data)
	base, adminPassword := srv.panel(t)
	applianceURL.Store(&base)

	admin, stopAdmin := browser(t, chromium)
	browserLogin(t, admin, base, "admin", adminPassword)
	addAgentUser(t, admin, base, "ann", "Ann Agent", "ann-password")
	stopAdmin()

	// Each step has its own console session (a browser context is bounded
	// to a minute); ann's presence lives in the distributor.
	agent, stopAgent := agentConsole(t, chromium, base, "ann", "ann-password", "available")

	// 1. The email.
	t.Logf("%s the customer emails", time.Now().UTC().Format("15:04:05.000"))
	dovecot.Deliver(t, []byte("From: Alice Martin <alice@example.com>\r\nTo: support@example.com\r\n"+
		"Subject: Invoice 1234 charged twice\r\nMessage-ID: <a1@example.com>\r\n"+
		"Date: "+time.Now().Add(-time.Minute).Format(time.RFC1123Z)+"\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\nMy card was charged twice for invoice 1234.\r\n"))
	if err := chromedp.Do(agent, chromedp.WaitVisible(chromedp.CSS("#email-list li a"))); err != nil {
		t.Fatalf("the email never reached the console: %v\nserver:\n%s", err, srv.output())
	}
	err := chromedp.Do(agent,
		chromedp.Click(chromedp.CSS("#email-list li a")),
		chromedp.WaitVisible(chromedp.CSS("#thread article.mail")),
		chromedp.SendKeys(chromedp.CSS("#reply-body"), "We are looking into it."),
		chromedp.Click(chromedp.CSS("#reply-send")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	if err != nil {
		t.Fatalf("answer the email: %v\nserver:\n%s", err, srv.output())
	}
	if got := sink.Next(t); len(got.To) != 1 || got.To[0] != "alice@example.com" {
		t.Fatalf("reply sent to %q", got.To)
	}

	// 2. The chat, with the same address and a mobile number.
	t.Logf("%s the customer chats", time.Now().UTC().Format("15:04:05.000"))
	if err := chromedp.Do(agent, chromedp.Navigate(base+"/console"), chromedp.WaitVisible(chromedp.CSS("#chat"))); err != nil {
		t.Fatal(err)
	}
	waitText(t, agent, "#emails-status", "No email assigned to you.")
	waitText(t, agent, "#chat-status", "Connected: chats will be offered here.")
	visitor, stopVisitor := browser(t, chromium)
	defer stopVisitor()
	err = chromedp.Do(visitor,
		chromedp.Navigate(shop.URL),
		chromedp.Click(chromedp.CSS(".sb-launcher")),
		chromedp.SendKeys(chromedp.CSS(`.sb-form input[name="name"]`), "Alice Martin"),
		chromedp.SendKeys(chromedp.CSS(`.sb-form input[name="email"]`), "Alice@Example.com"),
		chromedp.SendKeys(chromedp.CSS(`.sb-form input[name="phone"]`), "06 12 34 56 78"),
		chromedp.Click(chromedp.CSS(".sb-start")),
		chromedp.WaitVisible(chromedp.CSS(".sb-compose")),
	)
	if err != nil {
		t.Fatalf("visitor: %v\nserver:\n%s", err, srv.output())
	}
	t.Logf("%s the visitor waits for an agent", time.Now().UTC().Format("15:04:05.000"))
	if err := acceptChat(agent); err != nil {
		console, _ := chromedp.Run(agent, chromedp.Text(chromedp.CSS("#chat")))
		page, _ := chromedp.Run(visitor, chromedp.Text(chromedp.CSS("#sb-chat")))
		screenshot(t, agent, "omnichannel-chat-not-offered")
		t.Fatalf("offer and accept the chat: %v\nconsole chats: %q\nvisitor: %q\nserver:\n%s", err, console, page, srv.output())
	}
	waitMatch(t, agent, ".chat-card .chat-history", "the email beside the chat", func(s string) bool {
		return regexp.MustCompile(`email · .*Invoice 1234 charged twice`).MatchString(s)
	})
	err = chromedp.Do(visitor,
		chromedp.SendKeys(chromedp.CSS(`.sb-compose input[name="text"]`), "Any news about my invoice?"),
		chromedp.Click(chromedp.CSS(".sb-send")),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitText(t, agent, ".chat-log li.from-visitor", "Any news about my invoice?")
	screenshot(t, agent, "omnichannel-chat")
	if err := jsClick(agent, ".chat-card.active button.danger"); err != nil {
		t.Fatal(err)
	}
	js := `document.querySelector(".sb-status").textContent === "Chat ended"`
	if _, err := chromedp.Run(visitor, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the chat did not end for the visitor: %v", err)
	}
	stopVisitor()
	stopAgent()

	// 3. The call from the number given in the chat, ringing ann's phone
	// until the caller hangs up.
	t.Logf("%s the customer calls", time.Now().UTC().Format("15:04:05.000"))
	agent, stopAgent = agentConsole(t, chromium, base, "ann", "ann-password", "available")
	defer stopAgent()
	dir := t.TempDir()
	phonePort := freeUDPPort(t)
	phone := sippRun(t, dir, "uas_ring.xml", "-i", "127.0.0.1", "-p", strconv.Itoa(phonePort),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(freeUDPPort(t)), "-m", "1")
	if err := sippRegisterContact(t, srv.sipPort, "2001", "agent-pass1", "127.0.0.1", freeUDPPort(t), phonePort); err != nil {
		t.Fatalf("registering 2001:\n%s", srv.output())
	}
	scenario := filepath.Join(dir, "omni_provider_call.xml")
	if err := os.WriteFile(scenario, []byte(omniProviderCall), 0o644); err != nil {
		t.Fatal(err)
	}
	caller := peertest.Sipp(t, dir, scenario, "-timeout", "30", fmt.Sprintf("127.0.0.1:%d", srv.sipPort), "-s", "0123456700",
		"-i", providerIP, "-p", strconv.Itoa(freeUDPPort(t)), "-mi", providerIP, "-mp", strconv.Itoa(freeUDPPort(t)),
		"-m", "1", "-d", "10000")
	offered := `#item-list [data-item][data-state="offered"]`
	if err := chromedp.Do(agent, chromedp.WaitVisible(chromedp.CSS(offered))); err != nil {
		t.Fatalf("no screen pop for the call: %v\nserver:\n%s", err, srv.output())
	}
	pop, err := chromedp.Run(agent, chromedp.Text(chromedp.CSS(offered)))
	if err != nil {
		t.Fatal(err)
	}
	const unconfirmed = "unconfirmed — typed by the visitor"
	for _, want := range []string{"Ringing your desk phone", "voice", "0612345678", "support", "Alice Martin",
		"email: alice@example.com " + unconfirmed, "phone: +33612345678", "chat: "} {
		if !strings.Contains(pop, want) {
			t.Errorf("screen pop %q lacks %q", pop, want)
		}
	}
	if strings.Contains(pop, "phone: +33612345678 "+unconfirmed) {
		t.Errorf("screen pop %q: the call from the number did not verify it", pop)
	}
	rows, err := chromedp.Run(agent, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(
		'#item-list [data-item][data-state="offered"] .timeline tr')).map(tr => tr.cells[1].textContent + " " + tr.cells[3].firstChild.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || !strings.HasPrefix(rows[0], "chat ") || !regexp.MustCompile(`^email .*Invoice 1234 charged twice$`).MatchString(rows[1]) {
		t.Errorf("screen pop timeline %q: want the chat, then the email", rows)
	}
	// The entries' details: the chat's transcript, the email thread's link.
	details, err := chromedp.Run(agent, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(
		'#item-list [data-item][data-state="offered"] .timeline tr')).map(tr => {
			const d = tr.cells[3].querySelector("details");
			return d ? (d.querySelector("pre.transcript")?.textContent || "") + "|" + (d.querySelector("a")?.getAttribute("href") || "") : "";
		})`))
	if err != nil {
		t.Fatal(err)
	}
	if len(details) != 2 || !strings.Contains(details[0], "Any news about my invoice?") || !regexp.MustCompile(`^\|/console/emails/\d+$`).MatchString(details[1]) {
		t.Errorf("screen pop details %q: want the chat's transcript, then the email thread's link", details)
	}
	popCustomer, err := chromedp.Run(agent, chromedp.Evaluate[string](`document.querySelector(
		'#item-list [data-item][data-state="offered"] .customer h4 a').getAttribute("href")`))
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, agent, "omnichannel-call-screen-pop")
	if err := caller(); err != nil {
		t.Fatalf("caller: %v\nserver:\n%s", err, srv.output())
	}
	if err := phone(); err != nil {
		t.Fatalf("ann's phone: %v\nserver:\n%s", err, srv.output())
	}

	// 4. The customer page: one record whichever identity is searched,
	// its timeline newest first.
	for _, q := range []string{"Alice Martin", "06 12 34 56 78", "alice@example.com"} {
		err := chromedp.Do(agent,
			chromedp.Navigate(base+"/console?q="+url.QueryEscape(q)),
			chromedp.WaitVisible(chromedp.CSS("#customer-results")),
		)
		if err != nil {
			t.Fatal(err)
		}
		links, err := chromedp.Run(agent, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(
			"#customer-results tbody a")).map(a => new URL(a.href).searchParams.get("customer"))`))
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.TrimPrefix(popCustomer, "/console?customer="); len(links) != 1 || links[0] != want {
			t.Errorf("search %q finds customers %q; want only %s, the screen pop's", q, links, want)
		}
	}
	var timeline []string
	for range 50 {
		err = chromedp.Do(agent,
			chromedp.Navigate(base+popCustomer),
			chromedp.WaitVisible(chromedp.CSS("#screen-pop #timeline")),
		)
		if err != nil {
			t.Fatal(err)
		}
		timeline, err = chromedp.Run(agent, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(
			"#screen-pop #timeline tbody tr")).map(tr => tr.cells[1].textContent)`))
		if err != nil {
			t.Fatal(err)
		}
		if len(timeline) == 3 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if strings.Join(timeline, ",") != "voice,chat,email" {
		t.Errorf("customer page timeline channels %q; want voice, chat, email", timeline)
	}
	labelled := `Array.from(document.querySelectorAll("#screen-pop .unconfirmed")).map(e => e.tagName + " " + e.textContent.trim()).join("|")`
	marks, err := chromedp.Run(agent, chromedp.Evaluate[string](labelled))
	if err != nil || !strings.Contains(marks, "SPAN email: alice@example.com "+unconfirmed) || !strings.Contains(marks, "TR ") || strings.Count(marks, "TR ") != 1 {
		t.Errorf("customer page unconfirmed marks %q, %v; want the address and the email's row", marks, err)
	}
	screenshot(t, agent, "omnichannel-customer-page")
	if err := chromedp.Do(agent, chromedp.Click(chromedp.CSS("#identities .confirm-form button"))); err != nil {
		t.Fatal(err)
	}
	// The form posts and the console comes back: wait for the page without
	// a mark (an evaluation racing the navigation fails and is retried).
	confirmed := `document.querySelector("#screen-pop #timeline") === null ? "loading" : ` + labelled
	for i := range 50 {
		marks, err := chromedp.Run(agent, chromedp.Evaluate[string](confirmed))
		if err == nil && marks == "" {
			break
		}
		if i == 49 {
			t.Errorf("after confirming the address, still marked unconfirmed: %q, %v", marks, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
