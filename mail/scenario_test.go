package mail

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gomail "github.com/emersion/go-message/mail"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// header reads one header of a raw message.
func header(t *testing.T, raw []byte, key string) string {
	t.Helper()
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("sent message unreadable: %v", err)
	}
	defer r.Close()
	return r.Header.Get(key)
}

func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("parse", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bigMessage returns a message with a 20 MB attachment, generated here
// rather than committed.
func bigMessage() []byte {
	var b bytes.Buffer
	b.WriteString("From: Big <big@example.net>\r\nTo: support@example.com\r\nSubject: big\r\nMessage-ID: <big-1@example.net>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"q\"\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--q\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"big.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x5A}, 20<<20))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--q--\r\n")
	return b.Bytes()
}

// conversationScenario runs the email channel end to end against an IMAP
// server reached at imapURL, into which deliver drops a message: a new
// conversation is routed and acknowledged, the agent's reply reaches the
// SMTP sink threaded, the customer's answer threads back to the same
// agent, hostile mail is defused and flagged without stopping the
// mailbox, and a restart ingests nothing twice.
func conversationScenario(t *testing.T, imapURL string, deliver func(raw []byte)) {
	ctx := context.Background()
	dir := t.TempDir()
	sk := peertest.StartSMTPSink(t)
	rec := newRecorder()
	run := startService(t, dir, imapURL, sk.Addr, rec, true)

	deliver(email("Carol <carol@customer.test>", "c1@customer.test", "printer on fire", "", "help"))
	first := rec.next(t)
	if !first.NewConversation || first.Queue != "support" || first.Agent != "" || first.From != "carol@customer.test" {
		t.Fatalf("first item %+v", first)
	}
	conv := first.ConversationID
	token := fmt.Sprintf("[#%d]", conv)

	ack := sk.Next(t)
	if got := header(t, ack.Data, "Subject"); !strings.Contains(got, token) {
		t.Errorf("acknowledgement subject %q lacks %s", got, token)
	}
	if got := header(t, ack.Data, "In-Reply-To"); got != "<c1@customer.test>" {
		t.Errorf("acknowledgement In-Reply-To %q", got)
	}
	if got := header(t, ack.Data, "Auto-Submitted"); got != "auto-replied" {
		t.Errorf("acknowledgement Auto-Submitted %q", got)
	}

	if err := run.svc.Reply(ctx, conv, "alice", "We are on it."); err != nil {
		t.Fatalf("Reply: %v", err)
	}
	reply := sk.Next(t)
	if len(reply.To) != 1 || reply.To[0] != "carol@customer.test" {
		t.Errorf("reply went to %q", reply.To)
	}
	if got := header(t, reply.Data, "In-Reply-To"); got != "<c1@customer.test>" {
		t.Errorf("reply In-Reply-To %q", got)
	}
	if got := header(t, reply.Data, "References"); got != "<c1@customer.test>" {
		t.Errorf("reply References %q", got)
	}
	if got := header(t, reply.Data, "Subject"); got != "Re: "+token+" printer on fire" {
		t.Errorf("reply Subject %q", got)
	}
	replyID := strings.Trim(header(t, reply.Data, "Message-Id"), "<>")

	deliver(email("Carol <carol@customer.test>", "c2@customer.test", "Re: "+token+" printer on fire",
		fmt.Sprintf("In-Reply-To: <%s>\r\nReferences: <c1@customer.test> <%s>\r\n", replyID, replyID), "still burning"))
	answer := rec.next(t)
	if answer.ConversationID != conv || answer.Agent != "alice" || answer.NewConversation {
		t.Fatalf("customer's answer routed as %+v; want conversation %d, sticky agent alice", answer, conv)
	}

	deliver(email("Carol <carol@customer.test>", "c3@customer.test", "Fwd: "+token+" printer", "", "headers lost"))
	if it := rec.next(t); it.ConversationID != conv {
		t.Fatalf("token-only message threaded to %d, want %d", it.ConversationID, conv)
	}

	for _, name := range []string{"script-html.eml", "broken-multipart.eml", "bounce.eml"} {
		deliver(sample(t, name))
	}
	deliver(bigMessage())
	deliver(email("Dan <dan@customer.test>", "d1@customer.test", "new question", "", "hello"))
	seen := map[string]Item{}
	for range 5 {
		it := rec.next(t)
		seen[it.From] = it
	}
	// Eve, Bob, Big and Dan are acknowledged; the bounce never is.
	for range 4 {
		if m := sk.Next(t); m.To[0] == "mailer-daemon@example.net" {
			t.Fatal("acknowledgement sent to a bounce")
		}
	}
	bounce, err := run.svc.Conversation(ctx, seen["mailer-daemon@example.net"].ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if len(bounce.Messages) != 1 || !bounce.Messages[0].Automated {
		t.Fatalf("bounce conversation %+v", bounce.Messages)
	}
	if _, ok := seen["dan@customer.test"]; !ok {
		t.Fatalf("the mailbox did not move past hostile mail: routed %v", seen)
	}
	script, err := run.svc.Conversation(ctx, seen["eve@example.net"].ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if h := script.Messages[0].HTML; strings.Contains(h, "script") || strings.Contains(h, "onclick") || strings.Contains(h, "track.example") || !strings.Contains(h, "hi") {
		t.Errorf("HTML shown to agents: %q", h)
	}
	broken, err := run.svc.Conversation(ctx, seen["bob@example.net"].ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if m := broken.Messages[0]; !m.Malformed || m.Problem == "" || m.RawSize == 0 {
		t.Errorf("broken multipart shown as %+v", m)
	}
	big, err := run.svc.Conversation(ctx, seen["big@example.net"].ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if m := big.Messages[0]; !m.Oversize || len(m.Attachments) != 1 || !m.Attachments[0].Truncated || m.Attachments[0].Size != 20<<20 || m.RawSize < 20<<20 {
		t.Errorf("20 MB attachment shown as oversize=%v %+v raw %d", m.Oversize, m.Attachments, m.RawSize)
	}

	c, err := run.svc.Conversation(ctx, conv)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, m := range c.Messages {
		dirs = append(dirs, m.Direction)
	}
	if strings.Join(dirs, ",") != "in,out,out,in,in" || c.Agent != "alice" {
		t.Fatalf("conversation %d: messages %v agent %q", conv, dirs, c.Agent)
	}
	if c.CustomerID == 0 || answer.CustomerID != c.CustomerID {
		t.Fatalf("sender not resolved to a customer: conversation %d, item %d", c.CustomerID, answer.CustomerID)
	}
	timeline, err := run.customers.Timeline(ctx, c.CustomerID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(timeline) != 1 || timeline[0].Channel != "email" || timeline[0].Ref != fmt.Sprintf("mail:%d", conv) ||
		timeline[0].Summary != "printer on fire" || timeline[0].Via.Kind != "email" || timeline[0].Via.Value == "" {
		t.Fatalf("customer timeline %+v; want one email entry for conversation %d, named by its topic, through the sender's address", timeline, conv)
	}

	before, err := run.st.MailMessages(ctx, "support")
	if err != nil {
		t.Fatal(err)
	}
	run.stop()
	rec2 := newRecorder()
	run2 := startService(t, dir, imapURL, sk.Addr, rec2, true)
	waitFor(t, "a sync after restart", func() bool {
		st := run2.svc.Status()
		return st[0].Connected && !st[0].LastSync.IsZero()
	})
	after, err := run2.st.MailMessages(ctx, "support")
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) || len(rec2.items) != 0 {
		t.Fatalf("restart: %d messages (was %d), %d items routed again", len(after), len(before), len(rec2.items))
	}
}
