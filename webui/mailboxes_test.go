package webui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/config"
)

// The passwords of TestMailboxesAPI and TestMailboxesPage: none may appear
// in any answer.
const (
	imapSecret = "imap-s3cret-1"
	smtpSecret = "smtp-s3cret-2"
	newSecret  = "imap-n3w-secret"
)

// noSecrets fails when an answer carries a mailbox password.
func noSecrets(t *testing.T, what, body string) {
	t.Helper()
	for _, pw := range []string{imapSecret, smtpSecret, newSecret} {
		if strings.Contains(body, pw) {
			t.Fatalf("%s shows a password:\n%s", what, body)
		}
	}
}

// storedMailbox returns the stored mailbox name, passwords included.
func storedMailbox(t *testing.T, f *fixture, name string) config.Mailbox {
	t.Helper()
	exp, err := config.Export(t.Context(), f.st)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range exp.Mailboxes {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no mailbox %s stored", name)
	return config.Mailbox{}
}

// TestMailboxesAPI creates, changes and deletes mailboxes through the REST
// API: bad input is named by its field, passwords are write-only (a change
// without one keeps the stored one), and the list carries each mailbox's
// live status as the mail service recorded it.
func TestMailboxesAPI(t *testing.T) {
	f, _, admin := acdAdminFixture(t)
	runEntryCases(t, f, admin, []entryCase{
		{"bad scheme", "PUT", "/api/v1/mailboxes/support", `{"imap":"pop3://u:` + imapSecret + `@mail.example.com","queue":"support"}`, 422, "imap", "pop3://u:xxxxx@"},
		{"no user", "PUT", "/api/v1/mailboxes/support", `{"imap":"imaps://mail.example.com","queue":"support"}`, 422, "imap", ""},
		{"smtp without from", "PUT", "/api/v1/mailboxes/support", `{"imap":"imaps://u@mail.example.com","smtp":"smtps://u@mail.example.com","queue":"support"}`, 422, "from", ""},
		{"unknown queue", "PUT", "/api/v1/mailboxes/support", `{"imap":"imaps://u@mail.example.com","queue":"sales"}`, 422, "queue", ""},
		{"short poll", "PUT", "/api/v1/mailboxes/support", `{"imap":"imaps://u@mail.example.com","queue":"support","poll_interval":"10ms"}`, 422, "poll_interval", ""},
		{"unknown field", "PUT", "/api/v1/mailboxes/support", `{"password":"x"}`, 400, "password", ""},
		{"create", "PUT", "/api/v1/mailboxes/support", `{"imap":"imaps://help@mail.example.com/INBOX","imap_password":"` + imapSecret + `",
			"smtp":"smtps://help:` + smtpSecret + `@mail.example.com","from":"help@example.com","queue":"support","acknowledge":true}`, 201, "", ""},
		{"change keeps passwords", "PUT", "/api/v1/mailboxes/support", `{"imap":"imaps://help@mail.example.com/INBOX","smtp":"smtps://help@mail.example.com",
			"from":"help@example.com","queue":"backoffice","poll_interval":"30s"}`, 200, "", ""},
		{"unknown", "DELETE", "/api/v1/mailboxes/nope", "", 404, "", ""},
	})
	m := storedMailbox(t, f, "support")
	if m.IMAP != "imaps://help:"+imapSecret+"@mail.example.com/INBOX" || m.SMTP != "smtps://help:"+smtpSecret+"@mail.example.com" || m.Queue != "backoffice" || m.Poll.Std() != 30*time.Second {
		t.Fatalf("stored as %+v", m)
	}
	w := f.do(t, admin, "PUT", "/api/v1/mailboxes/support", "application/json", `{"imap":"imaps://help@mail.example.com/INBOX","imap_password":"`+newSecret+`","queue":"support"}`, true)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"imap_password_set":true`) || !strings.Contains(w.Body.String(), `"smtp_password_set":false`) {
		t.Fatalf("new password: %d %s", w.Code, w.Body)
	}
	noSecrets(t, "PUT answer", w.Body.String())
	if m := storedMailbox(t, f, "support"); m.IMAP != "imaps://help:"+newSecret+"@mail.example.com/INBOX" || m.SMTP != "" {
		t.Fatalf("after a new password: %+v", m)
	}

	if err := f.st.SetMailboxStatus(t.Context(), "support", false, "imap: login: authentication failed", time.Now()); err != nil {
		t.Fatal(err)
	}
	w = f.do(t, admin, "GET", "/api/v1/mailboxes", "", "", false)
	noSecrets(t, "GET /api/v1/mailboxes", w.Body.String())
	var list []struct {
		Name   string `json:"name"`
		IMAP   string `json:"imap"`
		Status struct {
			Connected bool       `json:"connected"`
			LastError string     `json:"last_error"`
			Updated   *time.Time `json:"updated"`
		} `json:"status"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || len(list) != 1 {
		t.Fatalf("mailboxes: %s", w.Body)
	}
	if mb := list[0]; mb.IMAP != "imaps://help@mail.example.com/INBOX" || mb.Status.Connected || mb.Status.LastError != "imap: login: authentication failed" || mb.Status.Updated == nil {
		t.Fatalf("listed as %+v", mb)
	}
	if w := f.do(t, admin, "DELETE", "/api/v1/mailboxes/support", "", "", true); w.Code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", w.Code, w.Body)
	}
	if exp, _ := config.Export(t.Context(), f.st); len(exp.Mailboxes) != 0 || len(exp.Queues) != 2 {
		t.Fatalf("after delete: %+v", exp)
	}
}

// TestMailboxesPage drives the mailbox form: the live status is listed,
// no page ever shows a password (not the list, the edit form nor a refused
// form), a blank password field keeps the stored one, and HTML typed in a
// field comes back inert.
func TestMailboxesPage(t *testing.T) {
	f, _, admin := acdAdminFixture(t)
	post := formPoster(t, f, admin)
	form := url.Values{"name": {"support"}, "imap": {"imaps://help@mail.example.com"}, "imap_password": {imapSecret},
		"smtp": {"smtps://help:" + smtpSecret + "@mail.example.com"}, "from": {"help@example.com"}, "queue": {"support"}, "acknowledge": {"1"}}
	if status, body := post("/admin/mailboxes", form); status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", status, body)
	}
	if err := f.st.SetMailboxStatus(t.Context(), "support", true, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	page := f.do(t, admin, "GET", "/admin/mailboxes", "", "", false).Body.String()
	noSecrets(t, "the mailboxes page", page)
	if !strings.Contains(page, `<tr data-mailbox="support">`) || !strings.Contains(page, `<span class="badge ok">connected</span>`) {
		t.Fatalf("mailboxes page without support's status:\n%s", page)
	}
	edit := f.do(t, admin, "GET", "/admin/mailboxes?edit=support", "", "", false).Body.String()
	noSecrets(t, "the edit form", edit)
	if !strings.Contains(edit, `value="imaps://help@mail.example.com"`) || !strings.Contains(edit, `placeholder="unchanged"`) {
		t.Fatalf("edit form not filled:\n%s", edit)
	}

	form.Set("imap_password", "")
	form.Set("smtp", "smtps://help@mail.example.com")
	form.Set("from", `<script>alert("x")</script>`)
	status, body := post("/admin/mailboxes", form)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "from: an address is required") {
		t.Fatalf("bad from: %d\n%s", status, body)
	}
	noSecrets(t, "the refused form", body)
	if strings.Contains(body, "<script>alert") {
		t.Fatalf("typed HTML not escaped:\n%s", body)
	}
	form.Set("from", "help@example.com")
	form.Set("poll_interval", "2m")
	if status, body := post("/admin/mailboxes", form); status != http.StatusSeeOther {
		t.Fatalf("change: %d\n%s", status, body)
	}
	if m := storedMailbox(t, f, "support"); m.IMAP != "imaps://help:"+imapSecret+"@mail.example.com" || m.SMTP != "smtps://help:"+smtpSecret+"@mail.example.com" || m.Poll.Std() != 2*time.Minute {
		t.Fatalf("blank password fields did not keep the stored ones: %+v", m)
	}
	if status, _ := post("/admin/mailboxes/support/delete", url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("delete: %d", status)
	}
}
