package e2e

import (
	"bytes"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// carolMail is a customer's first message: text and HTML (with a script
// the console must never run) and a small attachment.
const carolMail = "From: Carol Danvers <carol@customer.test>\r\n" +
	"To: support@example.com\r\n" +
	"Subject: Printer on fire\r\n" +
	"Message-ID: <c1@customer.test>\r\n" +
	"Date: Mon, 23 Nov 2026 09:00:00 +0000\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=outer\r\n" +
	"\r\n" +
	"--outer\r\n" +
	"Content-Type: multipart/alternative; boundary=alt\r\n" +
	"\r\n" +
	"--alt\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"The printer in room 4 is on fire. Please send someone.\r\n" +
	"--alt\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"\r\n" +
	"<p>The printer in <b>room 4</b> is on fire.</p><script>parent.document.title='pwned'</script><img src=\"https://tracker.example/p.gif\">\r\n" +
	"--alt--\r\n" +
	"--outer\r\n" +
	"Content-Type: text/plain; name=notes.txt\r\n" +
	"Content-Disposition: attachment; filename=notes.txt\r\n" +
	"\r\n" +
	"smoke since 8:55\r\n" +
	"--outer--\r\n"

// TestWebUIEmailConsole runs the whole appliance with a mailbox on a real
// Dovecot and an SMTP sink: the admin creates the agent's panel user; the
// agent signs in and goes available; mail delivered to the Maildir becomes
// an email item the distributor gives the agent, listed under "Your emails"
// without reloading; the agent opens the thread (text, HTML in a sandboxed
// frame with its script inert, the attachment, the customer's history),
// answers from the console, and the reply reaches the sink threaded
// (In-Reply-To, References, the ticket token) while the thread shows it
// sent and the email leaves the agent's list. The customer's answer comes
// back to the same agent and shows in the thread left open.
func TestWebUIEmailConsole(t *testing.T) {
	chromium := peertest.Binary(t, "chromium")
	dovecot := peertest.StartDovecot(t)
	sink := peertest.StartSMTPSink(t)
	data := t.TempDir()
	cfg := filepath.Join(data, "mail.yaml")
	yaml := fmt.Sprintf(`agents:
  - {name: ann}
queues:
  - {name: support, members: [ann], wrap_up: 0s}
mailboxes:
  - {name: support, imap: "%s", smtp: "smtp://%s", queue: support, from: support@example.com, poll_interval: 1s}
`, dovecot.URL(), sink.Addr)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "--data", data, "config", "import", cfg)
	srv := startServer(t, nil, binPath, data)
	base, adminPassword := srv.panel(t)

	admin, stopAdmin := browser(t, chromium)
	browserLogin(t, admin, base, "admin", adminPassword)
	addAgentUser(t, admin, base, "ann", "Ann Agent", "ann-password")
	stopAdmin()

	agent, stopAgent := agentConsole(t, chromium, base, "ann", "ann-password", "available")
	defer stopAgent()
	waitText(t, agent, "#emails-status", "No email assigned to you.")

	dovecot.Deliver(t, []byte(carolMail))
	start := time.Now()
	if err := chromedp.Do(agent, chromedp.WaitVisible(chromedp.CSS("#email-list li a"))); err != nil {
		t.Fatalf("the email never reached the console: %v\nserver:\n%s", err, srv.output())
	}
	t.Logf("email listed in the console %v after delivery to the Maildir", time.Since(start).Round(10*time.Millisecond))
	waitPrefix(t, agent, "#email-list li", "Printer on fire")

	err := chromedp.Do(agent,
		chromedp.Click(chromedp.CSS("#email-list li a")),
		chromedp.WaitVisible(chromedp.CSS("#thread article.mail")),
	)
	if err != nil {
		t.Fatal(err)
	}
	thread, err := chromedp.Run(agent, chromedp.Text(chromedp.CSS("#thread")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Carol Danvers <carol@customer.test>", "Printer on fire", "The printer in room 4 is on fire. Please send someone.", "notes.txt", "text/plain"} {
		if !strings.Contains(thread, want) {
			t.Errorf("thread %q lacks %q", thread, want)
		}
	}
	sandbox, err := chromedp.Run(agent, chromedp.Evaluate[string](`document.querySelector("#thread iframe").getAttribute("sandbox")`))
	if err != nil || sandbox != "" {
		t.Errorf("HTML frame sandbox %q, %v", sandbox, err)
	}
	if title, err := chromedp.Run(agent, chromedp.Title()); err != nil || strings.Contains(title, "pwned") {
		t.Errorf("page title %q, %v: the message's script ran", title, err)
	}
	history, err := chromedp.Run(agent, chromedp.Text(chromedp.CSS("#email-history")))
	if err != nil || !strings.Contains(history, "Carol Danvers") || !strings.Contains(history, "Printer on fire") {
		t.Errorf("customer history %q, %v", history, err)
	}
	screenshot(t, agent, "webui-console-email")

	err = chromedp.Do(agent,
		chromedp.SendKeys(chromedp.CSS("#reply-body"), "We are sending a technician with an extinguisher."),
		chromedp.Click(chromedp.CSS("#reply-send")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	if err != nil {
		t.Fatalf("send the reply: %v\nserver:\n%s", err, srv.output())
	}
	got := sink.Next(t)
	msg, err := mail.ReadMessage(bytes.NewReader(got.Data))
	if err != nil {
		t.Fatal(err)
	}
	conv := regexp.MustCompile(`\[#(\d+)\]`).FindStringSubmatch(msg.Header.Get("Subject"))
	if len(got.To) != 1 || got.To[0] != "carol@customer.test" || conv == nil ||
		msg.Header.Get("In-Reply-To") != "<c1@customer.test>" || msg.Header.Get("References") != "<c1@customer.test>" {
		t.Fatalf("reply to %q, headers %v", got.To, msg.Header)
	}
	thread, err = chromedp.Run(agent, chromedp.Text(chromedp.CSS("#thread")))
	if err != nil || !strings.Contains(thread, "We are sending a technician with an extinguisher.") || !strings.Contains(thread, "sent") {
		t.Fatalf("thread after the reply %q, %v", thread, err)
	}
	screenshot(t, agent, "webui-console-email-replied")
	if err := chromedp.Do(agent, chromedp.Navigate(base+"/console"), chromedp.WaitVisible(chromedp.CSS("#emails"))); err != nil {
		t.Fatal(err)
	}
	waitText(t, agent, "#emails-status", "No email assigned to you.")

	// Carol answers the reply: the conversation comes back to ann, and the
	// thread left open redraws with it within its 10 s check.
	if err := chromedp.Do(agent, chromedp.Navigate(base+"/console/emails/"+conv[1]), chromedp.WaitVisible(chromedp.CSS("#no-reply"))); err != nil {
		t.Fatal(err)
	}
	replyID := msg.Header.Get("Message-Id")
	dovecot.Deliver(t, []byte("From: Carol Danvers <carol@customer.test>\r\nTo: support@example.com\r\n"+
		"Subject: Re: "+msg.Header.Get("Subject")+"\r\nMessage-ID: <c2@customer.test>\r\nIn-Reply-To: "+replyID+"\r\n"+
		"References: <c1@customer.test> "+replyID+"\r\nDate: Mon, 23 Nov 2026 09:20:00 +0000\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\nThank you, the fire is out.\r\n"))
	start = time.Now()
	for thread = ""; !strings.Contains(thread, "the fire is out"); {
		if time.Since(start) > 30*time.Second {
			t.Fatalf("the customer's answer never showed in the open thread %q\nserver:\n%s", thread, srv.output())
		}
		time.Sleep(200 * time.Millisecond)
		thread, _ = chromedp.Run(agent, chromedp.Text(chromedp.CSS("#thread")))
	}
	t.Logf("the customer's answer showed in the open thread %v after delivery", time.Since(start).Round(10*time.Millisecond))
	if err := chromedp.Do(agent, chromedp.WaitVisible(chromedp.CSS("#reply-form"))); err != nil {
		t.Fatalf("the answered conversation did not come back to ann: %v", err)
	}
	if err := chromedp.Do(agent, chromedp.Navigate(base+"/console"), chromedp.WaitVisible(chromedp.CSS("#emails"))); err != nil {
		t.Fatal(err)
	}
	waitPrefix(t, agent, "#email-list li", "Re: "+msg.Header.Get("Subject"))
}
