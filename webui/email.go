package webui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/mail"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

// Mail is the email channel as the console needs it: a conversation's
// thread and the agent's reply. *mail.Service satisfies it.
type Mail interface {
	Conversation(ctx context.Context, id int64) (mail.Conversation, error)
	Reply(ctx context.Context, id int64, agent, body string) error
	Raw(ctx context.Context, messageID int64) ([]byte, error)
	AttachmentData(ctx context.Context, attachmentID int64) ([]byte, error)
}

var _ Mail = (*mail.Service)(nil)

// MailService returns svc as the console's Mail, or nil when svc is nil.
// While svc watches no mailbox (its mailboxes follow the configuration)
// the console shows no email.
func MailService(svc *mail.Service) Mail {
	if svc == nil {
		return nil
	}
	return svc
}

// mailActive reports whether the console has email: a Mail is wired and,
// when it tells its mailboxes (mail.Service), it watches one now.
func (s *Server) mailActive() bool {
	if s.cfg.Mail == nil {
		return false
	}
	if w, ok := s.cfg.Mail.(interface{ Status() []mail.Status }); ok {
		return len(w.Status()) > 0
	}
	return true
}

// maxReply bounds the characters of a reply written in the console.
const maxReply = 100_000

// emailItem is one email the distributor assigned to the agent.
type emailItem struct {
	Conversation int64     `json:"conversation"`
	Item         string    `json:"item"`
	State        string    `json:"state"`
	Queue        string    `json:"queue"`
	Subject      string    `json:"subject"`
	From         string    `json:"from"`
	Arrived      time.Time `json:"arrived"`
	Customer     int64     `json:"customer,omitempty"`
}

// myEmails lists the email items offered to or held by agent, oldest
// first.
func (s *Server) myEmails(ctx context.Context, agent string) ([]emailItem, error) {
	out := []emailItem{}
	src, ok := s.cfg.Live.(AgentItems)
	if !ok {
		return out, nil
	}
	items, err := src.AgentItems(ctx, agent)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		conv, ok := emailConversation(it.ID)
		if !ok {
			continue
		}
		out = append(out, emailItem{Conversation: conv, Item: it.ID, State: it.State, Queue: it.Queue,
			Subject: it.Context["subject"], From: it.Context["from"], Arrived: it.Arrived, Customer: it.Customer})
	}
	slices.SortStableFunc(out, func(a, b emailItem) int { return a.Arrived.Compare(b.Arrived) })
	return out, nil
}

// emailConversation returns the conversation of an email work item id
// ("mail:N", mail.ItemID).
func emailConversation(itemID string) (int64, bool) {
	n, ok := strings.CutPrefix(itemID, "mail:")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(n, 10, 64)
	return id, err == nil && id > 0
}

// emailThread is a conversation as the console shows it, with what the
// signed-in user may do and the customer's cross-channel history.
type emailThread struct {
	ID            int64          `json:"id"`
	Mailbox       string         `json:"mailbox"`
	Subject       string         `json:"subject"`
	CustomerEmail string         `json:"customer_email,omitempty"`
	CustomerName  string         `json:"customer_name,omitempty"`
	Agent         string         `json:"agent,omitempty"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
	Messages      []emailMessage `json:"messages"`
	// CanReply is true while the signed-in agent holds the conversation.
	CanReply bool `json:"can_reply"`
	// Customer is nil when the sender is not in the directory.
	Customer *customer.Customer `json:"customer"`
	Timeline []customer.Entry   `json:"timeline"`
}

// emailMessage is one message of a thread; HTML was sanitised at ingest
// and is only ever shown in a sandboxed frame.
type emailMessage struct {
	ID          int64             `json:"id"`
	Direction   string            `json:"direction"`
	From        string            `json:"from"`
	FromName    string            `json:"from_name,omitempty"`
	To          string            `json:"to"`
	Subject     string            `json:"subject"`
	Date        time.Time         `json:"date"`
	Text        string            `json:"text"`
	HTML        string            `json:"html,omitempty"`
	Malformed   bool              `json:"malformed,omitempty"`
	Oversize    bool              `json:"oversize,omitempty"`
	Automated   bool              `json:"automated,omitempty"`
	Problem     string            `json:"problem,omitempty"`
	Agent       string            `json:"agent,omitempty"`
	Status      string            `json:"status,omitempty"`
	RawSize     int64             `json:"raw_size"`
	Attachments []emailAttachment `json:"attachments"`
}

// emailAttachment is an attachment's description (its data stays in the
// store).
type emailAttachment struct {
	ID          int64  `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Truncated   bool   `json:"truncated,omitempty"`
}

// Flagged reports a message stored raw because it could not be read whole.
func (m emailMessage) Flagged() bool { return m.Malformed || m.Oversize }

// errEmailDenied refuses a conversation the user neither holds nor
// supervises.
var errEmailDenied = errors.New("webui: this conversation is not assigned to you")

// emailThreadFor loads conversation id for p: an agent sees the ones the
// distributor offered to or gave them and the ones they last answered; a
// supervisor sees every one. Only the holder may reply.
func (s *Server) emailThreadFor(ctx context.Context, p auth.Principal, id int64) (emailThread, error) {
	c, err := s.cfg.Mail.Conversation(ctx, id)
	if err != nil {
		return emailThread{}, err
	}
	mine, err := s.myEmails(ctx, p.Name)
	if err != nil {
		return emailThread{}, err
	}
	var assigned, held bool
	for _, e := range mine {
		if e.Conversation == id {
			assigned, held = true, e.State == ItemHeld
		}
	}
	if !assigned && c.Agent != p.Name && !p.Role.Allows(auth.RoleSupervisor) {
		return emailThread{}, errEmailDenied
	}
	t := emailThread{ID: c.ID, Mailbox: c.Mailbox, Subject: c.Subject, CustomerEmail: c.CustomerEmail, CustomerName: c.CustomerName,
		Agent: c.Agent, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, CanReply: held,
		Messages: make([]emailMessage, 0, len(c.Messages))}
	for _, m := range c.Messages {
		em := emailMessage{ID: m.ID, Direction: m.Direction, From: m.From, FromName: m.FromName, To: m.To, Subject: m.Subject,
			Date: m.Date, Text: m.Text, HTML: m.HTML, Malformed: m.Malformed, Oversize: m.Oversize, Automated: m.Automated,
			Problem: m.Problem, Agent: m.Agent, Status: m.Status, RawSize: m.RawSize, Attachments: []emailAttachment{}}
		for _, a := range m.Attachments {
			em.Attachments = append(em.Attachments, emailAttachment{ID: a.ID, Filename: a.Filename, ContentType: a.ContentType, Size: a.Size, Truncated: a.Truncated})
		}
		t.Messages = append(t.Messages, em)
	}
	t.Customer, t.Timeline, err = s.itemHistory(ctx, WorkItem{Customer: c.CustomerID, Context: map[string]string{"email": c.CustomerEmail}})
	return t, err
}

// reply sends the signed-in agent's reply to conversation id, which they
// must hold.
func (s *Server) reply(ctx context.Context, p auth.Principal, id int64, body string) error {
	if strings.TrimSpace(body) == "" {
		return mail.ErrEmptyReply
	}
	if utf8.RuneCountInString(body) > maxReply {
		return errReplyTooLong
	}
	t, err := s.emailThreadFor(ctx, p, id)
	if err != nil {
		return err
	}
	if !t.CanReply {
		return errEmailDenied
	}
	return s.cfg.Mail.Reply(ctx, id, p.Name, body)
}

// errReplyTooLong refuses a reply over maxReply characters.
var errReplyTooLong = fmt.Errorf("webui: a reply is at most %d characters", maxReply)

// emailStatus maps an email error to an HTTP status and what the agent
// reads; ok is false for an unexpected error (logged, 500).
func emailStatus(err error) (status int, msg string, ok bool) {
	switch {
	case errors.Is(err, mail.ErrNotFound), errors.Is(err, strconv.ErrSyntax), errors.Is(err, strconv.ErrRange):
		return http.StatusNotFound, "No such conversation.", true
	case errors.Is(err, errEmailDenied):
		return http.StatusForbidden, "This conversation is not assigned to you: only the agent holding it can answer it.", true
	case errors.Is(err, mail.ErrEmptyReply):
		return http.StatusUnprocessableEntity, "The reply is empty: write something before sending.", true
	case errors.Is(err, errReplyTooLong):
		return http.StatusUnprocessableEntity, fmt.Sprintf("The reply is too long (at most %d characters).", maxReply), true
	case errors.Is(err, mail.ErrNoSMTP):
		return http.StatusServiceUnavailable, "This mailbox has no SMTP server configured: replies cannot be sent from the console.", true
	case errors.Is(err, mail.ErrNoRecipient):
		return http.StatusUnprocessableEntity, "The conversation has no address to answer.", true
	case errors.Is(err, mail.ErrUnknownMailbox):
		return http.StatusServiceUnavailable, "The conversation's mailbox is no longer configured: replies cannot be sent.", true
	case errors.Is(err, mail.ErrNotSent):
		return http.StatusBadGateway, "The mail server did not take the reply (it is kept as failed in the thread): " + err.Error(), true
	}
	return http.StatusInternalServerError, "internal error", false
}

// byteSize writes n bytes for people: 512 B, 12.5 KB, 20.0 MB.
func byteSize(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

// requestThread loads conversation {id} for the signed-in user.
func (s *Server) requestThread(r *http.Request) (emailThread, error) {
	p, _ := auth.FromContext(r.Context())
	id, err := convID(r)
	if err != nil {
		return emailThread{}, err
	}
	return s.emailThreadFor(r.Context(), p, id)
}

// convID parses the {id} path value.
func convID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil && id <= 0 {
		err = strconv.ErrRange
	}
	return id, err
}

// emailPageData is what the email template shows.
type emailPageData struct {
	Thread emailThread
	// Draft is the reply to show again after a failed send.
	Draft    string
	MaxReply int
}

// withMail answers 404 on an appliance without a mailbox.
func (s *Server) withMail(api bool, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch {
		case s.mailActive():
			h(w, r)
		case api:
			writeError(w, http.StatusNotFound, "no mailbox is configured")
		default:
			http.NotFound(w, r)
		}
	}
}

func (s *Server) emailPage(w http.ResponseWriter, r *http.Request) {
	notice := ""
	if r.URL.Query().Get("sent") != "" {
		notice = "Reply sent."
	}
	s.renderEmail(w, r, http.StatusOK, notice, "", "")
}

// renderEmail shows conversation {id}; errMsg and draft come from a
// failed reply.
func (s *Server) renderEmail(w http.ResponseWriter, r *http.Request, status int, notice, errMsg, draft string) {
	t, err := s.requestThread(r)
	if err != nil {
		code, msg, ok := emailStatus(err)
		if !ok {
			s.serverError(w, r, err)
			return
		}
		s.render(w, r, code, "email", pageData{Title: "Email", Nav: "console", Error: msg, Data: nil})
		return
	}
	title := t.Subject
	if title == "" {
		title = "(no subject)"
	}
	s.render(w, r, status, "email", pageData{Title: title, Nav: "console", Notice: notice, Error: errMsg,
		Data: emailPageData{Thread: t, Draft: draft, MaxReply: maxReply}})
}

// emailRaw downloads message {msg} of conversation {id} as received (or
// sent): the way to read a message flagged malformed or oversize.
func (s *Server) emailRaw(w http.ResponseWriter, r *http.Request) {
	t, err := s.requestThread(r)
	msg, perr := strconv.ParseInt(r.PathValue("msg"), 10, 64)
	if err == nil && (perr != nil || !slices.ContainsFunc(t.Messages, func(m emailMessage) bool { return m.ID == msg })) {
		err = mail.ErrNotFound
	}
	var raw []byte
	if err == nil {
		raw, err = s.cfg.Mail.Raw(r.Context(), msg)
	}
	s.download(w, r, err, raw, "message/rfc822", fmt.Sprintf("ticket-%d-message-%d.eml", t.ID, msg))
}

// emailAttachment downloads attachment {att} of conversation {id}. It is
// always a download (never shown inline), whatever type the sender
// claimed, so that a hostile attachment cannot run in the panel's origin.
func (s *Server) emailAttachment(w http.ResponseWriter, r *http.Request) {
	t, err := s.requestThread(r)
	id, perr := strconv.ParseInt(r.PathValue("att"), 10, 64)
	var att emailAttachment
	found := false
	for _, m := range t.Messages {
		for _, a := range m.Attachments {
			if a.ID == id && !a.Truncated {
				att, found = a, true
			}
		}
	}
	if err == nil && (perr != nil || !found) {
		err = mail.ErrNotFound
	}
	var data []byte
	if err == nil {
		data, err = s.cfg.Mail.AttachmentData(r.Context(), id)
	}
	s.download(w, r, err, data, "application/octet-stream", cmp.Or(att.Filename, fmt.Sprintf("attachment-%d", id)))
}

// download sends data as a file named name, or the error that kept it.
func (s *Server) download(w http.ResponseWriter, r *http.Request, err error, data []byte, contentType, name string) {
	if err != nil {
		code, text, ok := emailStatus(err)
		if !ok {
			s.serverError(w, r, err)
			return
		}
		http.Error(w, text, code)
		return
	}
	w.Header().Set("Content-Type", contentType)
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if disposition == "" { // a name no header can carry (control characters)
		disposition = "attachment"
	}
	w.Header().Set("Content-Disposition", disposition)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(data)
}

func (s *Server) emailReplySubmit(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	body := strings.ReplaceAll(r.PostFormValue("body"), "\r\n", "\n")
	id, err := convID(r)
	if err == nil {
		err = s.reply(r.Context(), p, id, body)
	}
	if err != nil {
		code, msg, ok := emailStatus(err)
		if !ok {
			s.serverError(w, r, err)
			return
		}
		s.renderEmail(w, r, code, "", msg, body)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/console/emails/%d?sent=1", id), http.StatusSeeOther)
}

func (s *Server) apiMyEmails(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	list, err := s.myEmails(r.Context(), p.Name)
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) apiEmail(w http.ResponseWriter, r *http.Request) {
	s.writeThread(w, r, http.StatusOK, nil)
}

func (s *Server) apiEmailReply(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Body string `json:"body"`
	}
	if err := readJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		return
	}
	p, _ := auth.FromContext(r.Context())
	id, err := convID(r)
	if err == nil {
		err = s.reply(r.Context(), p, id, in.Body)
	}
	s.writeThread(w, r, http.StatusCreated, err)
}

// writeThread answers conversation {id} with status, or the error that
// came before (err) or while loading it.
func (s *Server) writeThread(w http.ResponseWriter, r *http.Request, status int, err error) {
	var t emailThread
	if err == nil {
		t, err = s.requestThread(r)
	}
	if err != nil {
		code, msg, ok := emailStatus(err)
		if !ok {
			s.apiServerError(w, r, err)
			return
		}
		writeError(w, code, msg)
		return
	}
	writeJSON(w, status, t)
}
