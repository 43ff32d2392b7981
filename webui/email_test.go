package webui

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/mail"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

// fakeMail is the email channel in memory: conversations, and replies
// that complete the distributor's item as mail.ACD does.
type fakeMail struct {
	d *acd.Distributor

	mu      sync.Mutex // guards the following fields
	convs   map[int64]mail.Conversation
	replies []string // "id agent body"
	fail    error    // returned by Reply when set
}

func (f *fakeMail) Conversation(_ context.Context, id int64) (mail.Conversation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.convs[id]
	if !ok {
		return mail.Conversation{}, fmt.Errorf("mail: conversation %d: %w", id, mail.ErrNotFound)
	}
	return c, nil
}

// Raw returns every message as "raw N"; message 99 belongs to no
// conversation the fixture shows.
func (f *fakeMail) Raw(_ context.Context, id int64) ([]byte, error) {
	return fmt.Appendf(nil, "raw %d", id), nil
}

// AttachmentData returns every attachment as "<script>N": a download must
// never be served as something a browser would run.
func (f *fakeMail) AttachmentData(_ context.Context, id int64) ([]byte, error) {
	return fmt.Appendf(nil, "<script>%d", id), nil
}

func (f *fakeMail) Reply(ctx context.Context, id int64, agent, body string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	c := f.convs[id]
	c.Agent = agent
	c.Messages = append(c.Messages, mail.Message{ID: int64(len(c.Messages) + 100), Direction: "out", From: "support@example.com",
		To: c.CustomerEmail, Subject: "Re: " + c.Subject + fmt.Sprintf(" [#%d]", id), Date: time.Now(), Text: body, Agent: agent, Status: "sent"})
	f.convs[id] = c
	f.replies = append(f.replies, fmt.Sprintf("%d %s %s", id, agent, body))
	return f.d.Complete(ctx, mail.ItemID(id))
}

// hostileHTML is what a sanitiser bug could let through: the console must
// keep it inert anyway.
const hostileHTML = `<p>Invoice <b>42</b></p><script>alert("pwned")</script><img src="https://tracker.example/p.gif">`

// emailFixture is the pop fixture with the email channel: conversation 7
// from Ana (known customer) is routed to the queue and held by alice.
func emailFixture(t *testing.T) (*fixture, *acd.Distributor, *fakeMail) {
	t.Helper()
	f, d, ana := popFixture(t)
	d.Handle(acd.Email, mail.NewACD(d, slog.New(slog.DiscardHandler)))
	at := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	fm := &fakeMail{d: d, convs: map[int64]mail.Conversation{7: {
		ID: 7, Mailbox: "support", Subject: "Invoice 42 is wrong", CustomerEmail: "ana@example.com", CustomerName: "Ana",
		CustomerID: ana.ID, CreatedAt: at, UpdatedAt: at.Add(time.Hour),
		Messages: []mail.Message{
			{ID: 1, Direction: "in", From: "ana@example.com", FromName: "Ana Lopez", To: "support@example.com", Subject: "Invoice 42 is wrong",
				Date: at, Text: "The total is twice what I ordered.", HTML: hostileHTML, RawSize: 2048,
				Attachments: []mail.Attachment{{ID: 5, Filename: "invoice-42.pdf", ContentType: "application/pdf", Size: 12800}, {ID: 6, Filename: "scan.tiff", ContentType: "image/tiff", Size: 20 << 20, Truncated: true}}},
			{ID: 2, Direction: "in", From: "ana@example.com", To: "support@example.com", Subject: "Re: Invoice 42 is wrong",
				Date: at.Add(time.Hour), Malformed: true, Problem: "multipart: NextPart: EOF", RawSize: 900},
		},
	}}}
	f.s.cfg.Mail = fm
	ctx := t.Context()
	if err := d.SetPresence(ctx, "alice", acd.Presence{State: acd.Available}); err != nil {
		t.Fatal(err)
	}
	it := mail.Item{ConversationID: 7, Queue: "support", Subject: "Invoice 42 is wrong", From: "ana@example.com", CustomerID: ana.ID, Arrived: at}
	if err := mail.NewACD(d, nil).Route(ctx, it); err != nil {
		t.Fatal(err)
	}
	waitHeld(t, d, "alice", 1)
	return f, d, fm
}

// waitHeld waits up to 5 s for agent to hold n items.
func waitHeld(t *testing.T, d *acd.Distributor, agent string, n int) {
	t.Helper()
	for range 500 {
		for _, a := range d.Snapshot().Agents {
			if a.Name == agent && len(a.Held) == n {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s does not hold %d items", agent, n)
}

// getJSON GETs path as s and decodes the 200 answer.
func getJSON[T any](t *testing.T, f *fixture, s session, path string) T {
	t.Helper()
	w := f.do(t, s, "GET", path, "", "", false)
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil || w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
	}
	return v
}

// TestEmailsInConsole: the email the distributor gave alice is listed in
// her console and by the API (not in bob's); its thread shows sender,
// subject, dates, text, attachments with sizes, the malformed message
// flagged, the HTML only in a sandboxed frame, and Ana's history; bob may
// not open it, a supervisor may but cannot reply.
func TestEmailsInConsole(t *testing.T) {
	f, _, _ := emailFixture(t)
	alice := f.login(t, "alice", auth.RoleAgent)
	bob := f.login(t, "bob", auth.RoleAgent)
	sup := f.login(t, "sam", auth.RoleSupervisor)

	list := getJSON[[]emailItem](t, f, alice, "/api/v1/me/emails")
	if len(list) != 1 || list[0].Conversation != 7 || list[0].State != ItemHeld || list[0].Subject != "Invoice 42 is wrong" || list[0].From != "ana@example.com" {
		t.Fatalf("alice's emails: %+v", list)
	}
	if list := getJSON[[]emailItem](t, f, bob, "/api/v1/me/emails"); len(list) != 0 {
		t.Fatalf("bob's emails: %+v", list)
	}
	console := f.do(t, alice, "GET", "/console", "", "", false).Body.String()
	if !strings.Contains(console, "Your emails") || !strings.Contains(console, `href="/console/emails/7"`) {
		t.Fatalf("console without alice's email:\n%s", console)
	}

	w := f.do(t, alice, "GET", "/console/emails/7", "", "", false)
	page := w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("thread: %d\n%s", w.Code, page)
	}
	for _, want := range []string{"Ana Lopez &lt;ana@example.com&gt;", "Invoice 42 is wrong", "2026-11-23 09:30", "2026-11-23 10:30",
		"The total is twice what I ordered.", "invoice-42.pdf", "12.5 KB", "scan.tiff", "20.0 MB", "over the size limit",
		"Malformed message", "multipart: NextPart: EOF", `id="reply-form"`, "Called about invoice 42", "Asked for a refund",
		`<iframe sandbox="" referrerpolicy="no-referrer"`, "&lt;script&gt;alert("} {
		if !strings.Contains(page, want) {
			t.Errorf("thread lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>alert") || strings.Contains(page, `<img src="https://tracker`) {
		t.Errorf("the message's HTML is live in the page:\n%s", page)
	}
	if first, second := strings.Index(page, `data-message="1"`), strings.Index(page, `data-message="2"`); first < 0 || second < first {
		t.Errorf("messages not oldest first (newest last): %d, %d", first, second)
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q", csp)
	}

	tests := []struct {
		name     string
		s        session
		path     string
		want     int
		canReply bool
	}{
		{"holder", alice, "/api/v1/emails/7", 200, true},
		{"other agent", bob, "/api/v1/emails/7", 403, false},
		{"supervisor", sup, "/api/v1/emails/7", 200, false},
		{"unknown", sup, "/api/v1/emails/8", 404, false},
		{"not a number", sup, "/api/v1/emails/x", 404, false},
		{"anonymous", session{}, "/api/v1/emails/7", 401, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := f.do(t, tt.s, "GET", tt.path, "", "", false)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.want, w.Body)
			}
			if w.Code != 200 {
				return
			}
			var th emailThread
			if err := json.Unmarshal(w.Body.Bytes(), &th); err != nil {
				t.Fatal(err)
			}
			if th.CanReply != tt.canReply || len(th.Messages) != 2 || th.Customer == nil || len(th.Timeline) != 3 || th.Messages[0].Attachments[1].Size != 20<<20 {
				t.Fatalf("thread %+v", th)
			}
		})
	}
	if w := f.do(t, bob, "GET", "/console/emails/7", "", "", false); w.Code != http.StatusForbidden || strings.Contains(w.Body.String(), "twice") {
		t.Errorf("bob opens alice's email: %d", w.Code)
	}
	if page := f.do(t, sup, "GET", "/console/emails/7", "", "", false).Body.String(); strings.Contains(page, `id="reply-form"`) || !strings.Contains(page, "twice") {
		t.Errorf("supervisor's view of the thread:\n%s", page)
	}

	raws := []struct {
		name string
		s    session
		path string
		want int
	}{
		{"flagged message", alice, "/console/emails/7/messages/2/raw", 200},
		{"supervisor", sup, "/console/emails/7/messages/1/raw", 200},
		{"other agent", bob, "/console/emails/7/messages/2/raw", 403},
		{"message of another conversation", alice, "/console/emails/7/messages/99/raw", 404},
		{"not a number", alice, "/console/emails/7/messages/x/raw", 404},
		{"attachment", alice, "/console/emails/7/attachments/5", 200},
		{"attachment through the API", alice, "/api/v1/emails/7/attachments/5", 200},
		{"attachment over the size limit", alice, "/console/emails/7/attachments/6", 404},
		{"attachment of another conversation", alice, "/console/emails/7/attachments/77", 404},
		{"attachment of another agent", bob, "/console/emails/7/attachments/5", 403},
	}
	for _, tt := range raws {
		t.Run(tt.name, func(t *testing.T) {
			w := f.do(t, tt.s, "GET", tt.path, "", "", false)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d", w.Code, tt.want)
			}
			if tt.want != 200 {
				return
			}
			h := w.Header()
			if strings.Contains(tt.path, "/raw") && (!strings.HasPrefix(w.Body.String(), "raw ") || h.Get("Content-Type") != "message/rfc822") {
				t.Fatalf("raw download: %q %v", w.Body, h)
			}
			if strings.Contains(tt.path, "/attachments/") && (w.Body.String() != "<script>5" || h.Get("Content-Type") != "application/octet-stream" ||
				h.Get("Content-Disposition") != `attachment; filename=invoice-42.pdf` || h.Get("X-Content-Type-Options") != "nosniff") {
				t.Fatalf("attachment download: %q %v", w.Body, h)
			}
			if !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") || h.Get("Connection") != "close" {
				t.Fatalf("not a download: %v", h)
			}
		})
	}
	if page := f.do(t, alice, "GET", "/console/emails/7", "", "", false).Body.String(); !strings.Contains(page, `href="/console/emails/7/attachments/5"`) || strings.Contains(page, "/attachments/6") {
		t.Errorf("the thread links the kept attachment only:\n%s", page)
	}
}

// TestEmailReply: a reply needs the CSRF token and the conversation held
// by the agent; an empty one is refused with a message; a sent one shows in
// the thread, ends the work item, and the agent can still read (not
// answer) the conversation.
func TestEmailReply(t *testing.T) {
	f, d, fm := emailFixture(t)
	alice := f.login(t, "alice", auth.RoleAgent)
	bob := f.login(t, "bob", auth.RoleAgent)
	sup := f.login(t, "sam", auth.RoleSupervisor)
	post := func(s session, body string, csrf bool) (int, string) {
		v := url.Values{"body": {body}}
		if csrf {
			v.Set(auth.CSRFField, s.csrf)
		}
		w := f.do(t, s, "POST", "/console/emails/7/reply", "application/x-www-form-urlencoded", v.Encode(), false)
		return w.Code, w.Body.String() + w.Header().Get("Location")
	}
	tests := []struct {
		name string
		s    session
		body string
		csrf bool
		want int
		text string
	}{
		{"no csrf", alice, "Hello", false, 403, ""},
		{"other agent", bob, "Hello", true, 403, "not assigned to you"},
		{"supervisor", sup, "Hello", true, 403, "not assigned to you"},
		{"empty", alice, "  \r\n ", true, 422, "The reply is empty"},
		{"too long", alice, strings.Repeat("x", maxReply+1), true, 422, "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, page := post(tt.s, tt.body, tt.csrf)
			if code != tt.want || !strings.Contains(page, tt.text) {
				t.Fatalf("status %d, want %d with %q:\n%.2000s", code, tt.want, tt.text, page)
			}
		})
	}
	if len(fm.replies) != 0 {
		t.Fatalf("refused replies were sent: %q", fm.replies)
	}

	code, loc := post(alice, "Sorry Ana,\r\nwe refund the difference.", true)
	if code != http.StatusSeeOther || !strings.HasSuffix(loc, "/console/emails/7?sent=1") {
		t.Fatalf("reply: %d %s", code, loc)
	}
	if len(fm.replies) != 1 || fm.replies[0] != "7 alice Sorry Ana,\nwe refund the difference." {
		t.Fatalf("replies %q", fm.replies)
	}
	waitHeld(t, d, "alice", 0)
	page := f.do(t, alice, "GET", "/console/emails/7?sent=1", "", "", false).Body.String()
	for _, want := range []string{"Reply sent.", "we refund the difference.", "status-sent", `id="no-reply"`} {
		if !strings.Contains(page, want) {
			t.Errorf("thread after the reply lacks %q", want)
		}
	}
	if strings.Contains(page, `id="reply-form"`) {
		t.Error("reply form on a conversation alice no longer holds")
	}
	if code, _ := post(alice, "Again", true); code != http.StatusForbidden {
		t.Errorf("second reply after the item ended: %d", code)
	}
	if list := getJSON[[]emailItem](t, f, alice, "/api/v1/me/emails"); len(list) != 0 {
		t.Errorf("emails after the reply: %+v", list)
	}
}

// TestEmailReplyErrors: a mailbox without SMTP and a refusing SMTP server
// are told apart, on the page (with the draft kept) and in the API.
func TestEmailReplyErrors(t *testing.T) {
	f, _, fm := emailFixture(t)
	alice := f.login(t, "alice", auth.RoleAgent)
	tests := []struct {
		name string
		err  error
		want int
		text string
	}{
		{"no smtp", fmt.Errorf("mail: mailbox support: %w", mail.ErrNoSMTP), 503, "no SMTP server configured"},
		{"smtp refused", fmt.Errorf("mail: send reply to 7: %w: 554 no", mail.ErrNotSent), 502, "did not take the reply"},
		{"no recipient", mail.ErrNoRecipient, 422, "no address to answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fm.mu.Lock()
			fm.fail = tt.err
			fm.mu.Unlock()
			v := url.Values{"body": {"Draft <kept>"}, auth.CSRFField: {alice.csrf}}
			w := f.do(t, alice, "POST", "/console/emails/7/reply", "application/x-www-form-urlencoded", v.Encode(), false)
			if w.Code != tt.want || !strings.Contains(w.Body.String(), tt.text) || !strings.Contains(w.Body.String(), "Draft &lt;kept&gt;</textarea>") {
				t.Fatalf("page: %d, want %d with %q and the draft:\n%s", w.Code, tt.want, tt.text, w.Body)
			}
			w = f.do(t, alice, "POST", "/api/v1/emails/7/reply", "application/json", `{"body":"x"}`, true)
			var e apiError
			if json.Unmarshal(w.Body.Bytes(), &e); w.Code != tt.want || !strings.Contains(e.Error, tt.text) {
				t.Fatalf("api: %d %s", w.Code, w.Body)
			}
		})
	}
	fm.mu.Lock()
	fm.fail = nil
	fm.mu.Unlock()
	if w := f.do(t, alice, "POST", "/api/v1/emails/7/reply", "application/json", `{"body":"x"}`, false); w.Code != http.StatusForbidden {
		t.Fatalf("api reply without CSRF: %d", w.Code)
	}
	if w := f.do(t, alice, "POST", "/api/v1/emails/7/reply", "application/json", `{"text":"x"}`, true); w.Code != http.StatusBadRequest {
		t.Fatalf("api reply with an unknown field: %d", w.Code)
	}
	w := f.do(t, alice, "POST", "/api/v1/emails/7/reply", "application/json", `{"body":"Refund sent."}`, true)
	var th emailThread
	if err := json.Unmarshal(w.Body.Bytes(), &th); err != nil || w.Code != http.StatusCreated {
		t.Fatalf("api reply: %d %s", w.Code, w.Body)
	}
	if last := th.Messages[len(th.Messages)-1]; last.Direction != "out" || last.Text != "Refund sent." || last.Agent != "alice" || th.CanReply {
		t.Fatalf("thread after the API reply: %+v", th)
	}
}

// TestNoMailbox: without a mailbox (none wired, or a mail service that
// watches none now) the console has no email section and the email API
// answers 404.
func TestNoMailbox(t *testing.T) {
	if MailService(nil) != nil {
		t.Fatal("MailService(nil) is not nil")
	}
	f, _, _ := popFixture(t)
	idle, err := mail.New(f.st, mail.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	f.s.cfg.Mail = MailService(idle)
	alice := f.login(t, "alice", auth.RoleAgent)
	if page := f.do(t, alice, "GET", "/console", "", "", false).Body.String(); strings.Contains(page, "Your emails") {
		t.Fatal("email section without a mailbox")
	}
	for _, path := range []string{"/api/v1/me/emails", "/api/v1/emails/7", "/console/emails/7"} {
		if w := f.do(t, alice, "GET", path, "", "", false); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d", path, w.Code)
		}
	}
}
