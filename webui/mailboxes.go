package webui

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// sectionMailboxes is the configuration section the mailboxes page edits.
const sectionMailboxes = "mailboxes"

func mailboxName(m config.Mailbox) string { return m.Name }

// mailboxEntry is a mailbox as the API and the form take it: the server
// URLs, with or without their passwords, and the passwords apart. A
// password not given keeps the stored one. It is written (MarshalYAML)
// without any password: they are write-only.
type mailboxEntry struct {
	config.Mailbox `yaml:",inline"`
	IMAPPassword   string `yaml:"imap_password,omitempty"`
	SMTPPassword   string `yaml:"smtp_password,omitempty"`
}

// mailboxOut is a mailbox without its passwords, and whether each is set.
type mailboxOut struct {
	config.Mailbox  `yaml:",inline"`
	IMAPPasswordSet bool `yaml:"imap_password_set"`
	SMTPPasswordSet bool `yaml:"smtp_password_set"`
}

// MarshalYAML writes the entry as mailboxOut.
func (e mailboxEntry) MarshalYAML() (any, error) { return hidePasswords(e.Mailbox), nil }

func hidePasswords(m config.Mailbox) mailboxOut {
	out := mailboxOut{Mailbox: m}
	out.IMAP, out.IMAPPasswordSet = withoutPassword(m.IMAP)
	out.SMTP, out.SMTPPasswordSet = withoutPassword(m.SMTP)
	return out
}

// withoutPassword removes the password of a server URL and tells whether
// it had one; an unparseable URL is shown as nothing.
func withoutPassword(raw string) (string, bool) {
	if raw == "" {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	if u.User == nil {
		return raw, false
	}
	_, set := u.User.Password()
	u.User = url.User(u.User.Username())
	return u.String(), set
}

// withPassword returns the server URL raw with its password: the one in
// raw, else typed, else the one of the stored URL old for the same user.
func withPassword(raw, typed, old string) string {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || u.User == nil {
		return raw
	}
	if _, set := u.User.Password(); set {
		return raw
	}
	pw := typed
	if o, err := url.Parse(old); pw == "" && old != "" && err == nil && o.User != nil && o.User.Username() == u.User.Username() {
		pw, _ = o.User.Password()
	}
	if pw != "" {
		u.User = url.UserPassword(u.User.Username(), pw)
	}
	return u.String()
}

// putMailbox creates the mailbox of *e or replaces the mailbox of that name,
// keeping its stored passwords where e gives none; the running mail
// service follows the configuration revision (mail Config.Follow) and
// starts, restarts or stops the mailbox within a second.
func (s *Server) putMailbox(ctx context.Context, e *mailboxEntry) (created bool, err error) {
	err = s.editConfig(ctx, []string{sectionMailboxes}, func(f *config.File) (string, int, error) {
		m := e.Mailbox
		var old config.Mailbox
		if i := slices.IndexFunc(f.Mailboxes, func(x config.Mailbox) bool { return x.Name == m.Name }); i >= 0 {
			old = f.Mailboxes[i]
		}
		m.IMAP = withPassword(m.IMAP, e.IMAPPassword, old.IMAP)
		m.SMTP = withPassword(m.SMTP, e.SMTPPassword, old.SMTP)
		e.Mailbox = m // as stored, for the answer (written without passwords)
		i, added := upsert(&f.Mailboxes, m, mailboxName)
		created = added
		return sectionMailboxes, i, nil
	})
	return created, err
}

// deleteMailbox removes a mailbox; the running mail service stops watching
// it. Its conversations stay.
func (s *Server) deleteMailbox(ctx context.Context, name string) error {
	return deleteEntry(ctx, s, sectionMailboxes, func(f *config.File) *[]config.Mailbox { return &f.Mailboxes }, name, mailboxName)
}

// mailboxView is a mailbox without passwords, with its live status as the
// running mail service last recorded it (as `switchboard mailbox status`).
type mailboxView struct {
	mailboxOut
	State store.MailboxState
	// Seen is false until the mail service recorded a state.
	Seen bool
}

func (s *Server) mailboxViews(ctx context.Context) ([]mailboxView, error) {
	f, err := config.Export(ctx, s.st)
	if err != nil {
		return nil, err
	}
	out := make([]mailboxView, 0, len(f.Mailboxes))
	for _, m := range f.Mailboxes {
		st, err := s.st.MailboxState(ctx, m.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, mailboxView{mailboxOut: hidePasswords(m), State: st, Seen: st.UpdatedAt.Unix() > 0})
	}
	return out, nil
}

// mailboxStatusJSON is a mailbox's live status in the API.
type mailboxStatusJSON struct {
	Connected   bool       `json:"connected"`
	LastError   string     `json:"last_error,omitempty"`
	Updated     *time.Time `json:"updated,omitempty"`
	UIDValidity uint32     `json:"uidvalidity"`
	LastUID     uint32     `json:"last_uid"`
}

func (s *Server) apiMailboxes(w http.ResponseWriter, r *http.Request) {
	views, err := s.mailboxViews(r.Context())
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	out := make([]map[string]any, 0, len(views))
	for _, v := range views {
		m, err := entryJSON(v.mailboxOut)
		if err != nil {
			s.apiServerError(w, r, err)
			return
		}
		status := mailboxStatusJSON{Connected: v.State.Connected, LastError: v.State.LastError, UIDValidity: v.State.UIDValidity, LastUID: v.State.LastUID}
		if v.Seen {
			status.Updated = &v.State.UpdatedAt
		}
		m["status"] = status
		out = append(out, m)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiPutMailbox(w http.ResponseWriter, r *http.Request) {
	var e mailboxEntry
	s.apiPutEntry(w, r, &e, &e.Name, func() (bool, error) { return s.putMailbox(r.Context(), &e) })
}

func (s *Server) apiDeleteMailbox(w http.ResponseWriter, r *http.Request) {
	s.apiDeleteEntry(w, r, s.deleteMailbox)
}

// mailboxesPage is what the mailboxes template shows.
type mailboxesPage struct {
	Mailboxes []mailboxView
	Queues    []string
	Form      mailboxForm
}

// mailboxForm is a mailbox as the form shows it: never a password.
type mailboxForm struct {
	Editing bool
	Mailbox mailboxOut
	Poll    string
}

func (s *Server) renderMailboxes(w http.ResponseWriter, r *http.Request, status int, d pageData, form mailboxForm) {
	views, err := s.mailboxViews(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	queues, err := s.queueNames(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	page := mailboxesPage{Mailboxes: views, Queues: queues, Form: form}
	d.Nav, d.Title, d.Data = sectionMailboxes, "Mailboxes", page
	s.render(w, r, status, sectionMailboxes, d)
}

func (s *Server) mailboxesPage(w http.ResponseWriter, r *http.Request) {
	var form mailboxForm
	if name := r.URL.Query().Get("edit"); name != "" {
		views, err := s.mailboxViews(r.Context())
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if i := slices.IndexFunc(views, func(v mailboxView) bool { return v.Name == name }); i >= 0 {
			form = mailboxForm{Editing: true, Mailbox: views[i].mailboxOut, Poll: durationText(views[i].Poll)}
		}
	}
	s.renderMailboxes(w, r, http.StatusOK, pageData{Notice: r.URL.Query().Get("notice")}, form)
}

func (s *Server) mailboxSubmit(w http.ResponseWriter, r *http.Request) {
	p := &formParser{r: r}
	e := mailboxEntry{Mailbox: config.Mailbox{Name: p.text("name"), IMAP: p.text("imap"), SMTP: p.text("smtp"), Queue: p.text("queue"),
		From: p.text("from"), Acknowledge: r.PostFormValue("acknowledge") != ""},
		IMAPPassword: r.PostFormValue("imap_password"), SMTPPassword: r.PostFormValue("smtp_password")}
	if d := p.duration("poll_interval"); d != nil {
		e.Poll = *d
	}
	var err error = p.errs
	if len(p.errs) == 0 {
		_, err = s.putMailbox(r.Context(), &e)
	}
	form := mailboxForm{Mailbox: hidePasswords(e.Mailbox), Poll: r.PostFormValue("poll_interval")}
	s.afterSubmit(w, r, err, sectionMailboxes, "mailbox "+e.Name, func(status int, d pageData) { s.renderMailboxes(w, r, status, d, form) })
}

func (s *Server) mailboxDelete(w http.ResponseWriter, r *http.Request) {
	s.entryDelete(w, r, sectionMailboxes, func(r *http.Request) error { return s.deleteMailbox(r.Context(), r.PathValue("name")) },
		func(status int, d pageData) { s.renderMailboxes(w, r, status, d, mailboxForm{}) })
}
