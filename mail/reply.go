package mail

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/mail/parse"
	"github.com/switchboard-cc/switchboard/mail/thread"
)

// Reply sends agentID's plain-text body to the customer of conversation id
// through the mailbox's SMTP server, threaded (In-Reply-To, References, the
// ticket token in the subject), and adds it to the conversation; agentID
// becomes the conversation's sticky agent. The message is recorded
// (pending) before it is sent, then marked sent or failed. Once sent, a
// Router that is a Completer hears of it (the distributor's work item
// ends).
func (s *Service) Reply(ctx context.Context, id int64, agentID, body string) error {
	if strings.TrimSpace(body) == "" {
		return ErrEmptyReply
	}
	c, msgs, err := s.conversation(ctx, id)
	if err != nil {
		return err
	}
	mb, err := s.mailboxOf(c.Mailbox)
	if err != nil {
		return err
	}
	if mb.sender == nil {
		return fmt.Errorf("mail: mailbox %s: %w", mb.Name, ErrNoSMTP)
	}
	to := c.CustomerEmail
	var parent *store.MailMessageRow
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Direction == "in" {
			parent = &msgs[i]
			break
		}
	}
	if parent == nil && len(msgs) > 0 {
		parent = &msgs[len(msgs)-1]
	}
	subject := c.Subject
	if parent != nil {
		subject = parent.Subject
		if parent.Direction == "in" && strings.Contains(parent.FromAddr, "@") {
			to = parent.FromAddr
		}
	}
	if !strings.Contains(to, "@") {
		return fmt.Errorf("mail: conversation %d: %w", id, ErrNoRecipient)
	}
	if err := s.send(ctx, mb, id, c.CustomerID, agentID, to, subject, parent, body, false); err != nil {
		return err
	}
	if c, ok := s.cfg.Router.(Completer); ok {
		if err := c.Replied(ctx, id, agentID); err != nil {
			s.log.Warn("mail: reply sent, work item not completed", "conversation", id, "err", err)
		}
	}
	return nil
}

// acknowledge tells the sender of a new conversation its ticket number.
func (s *Service) acknowledge(ctx context.Context, mb *mailbox, id int64, m *parse.Message) error {
	parent := &store.MailMessageRow{Direction: "in", MessageID: m.MessageID, Refs: strings.Join(m.References, " ")}
	body := fmt.Sprintf("Hello,\r\n\r\nWe received your message and opened ticket #%d.\r\nPlease reply to this email (keeping [#%d] in the subject) to add to it.\r\n", id, id)
	return s.send(ctx, mb, id, 0, "", m.FromAddr, m.Subject, parent, body, true)
}

// send composes, records and submits one message of conversation id, and
// notes it on the timeline of customerID (0: none).
func (s *Service) send(ctx context.Context, mb *mailbox, id, customerID int64, agentID, to, subject string, parent *store.MailMessageRow, body string, auto bool) error {
	var irt string
	var refs []string
	if parent != nil && !strings.HasSuffix(parent.MessageID, "@switchboard.invalid") {
		irt, refs = thread.Reply(parent.MessageID, strings.Fields(parent.Refs))
	}
	now := s.cfg.Now()
	raw, msgID, err := compose(mb.From, to, thread.Subject(subject, id), irt, refs, body, auto, now)
	if err != nil {
		return err
	}
	row, err := s.st.AddMailOutbound(ctx, store.MailOutbound{
		ConversationID: id, MessageID: msgID, InReplyTo: irt, Refs: strings.Join(refs, " "),
		FromAddr: mb.From, ToAddr: to, Subject: thread.Subject(subject, id), Text: body, Agent: agentID, Raw: raw,
	}, now)
	if err != nil {
		return fmt.Errorf("mail: record reply to %d: %w", id, err)
	}
	if err := mb.sender.Send(ctx, mb.From, []string{to}, raw); err != nil {
		if serr := s.st.SetMailStatus(context.WithoutCancel(ctx), row, "failed", err.Error()); serr != nil {
			s.log.Warn("mail: status not recorded", "message", row, "err", serr)
		}
		return fmt.Errorf("mail: send reply to %d: %w: %w", id, ErrNotSent, err)
	}
	if err := s.st.SetMailStatus(context.WithoutCancel(ctx), row, "sent", ""); err != nil {
		return fmt.Errorf("mail: reply to %d sent, status not recorded: %w", id, err)
	}
	if s.cfg.Customers != nil && customerID > 0 {
		if err := s.cfg.Customers.RecordEmail(ctx, customerID, id, "out", s.topic(ctx, id, subject), to, now); err != nil {
			s.log.Warn("mail: timeline entry not recorded", "conversation", id, "err", err)
		}
	}
	return nil
}

// compose builds a text/plain message; auto marks an acknowledgement
// (Auto-Submitted: auto-replied, RFC 3834) so that responders do not answer.
func compose(from, to, subject, inReplyTo string, refs []string, body string, auto bool, now time.Time) (raw []byte, msgID string, err error) {
	var h gomail.Header
	h.SetDate(now)
	h.SetAddressList("From", []*gomail.Address{{Address: from}})
	h.SetAddressList("To", []*gomail.Address{{Address: to}})
	h.SetSubject(subject)
	_, domain, _ := strings.Cut(from, "@")
	if err := h.GenerateMessageIDWithHostname(domain); err != nil {
		return nil, "", fmt.Errorf("mail: message id: %w", err)
	}
	msgID, _ = h.MessageID()
	if inReplyTo != "" {
		h.SetMsgIDList("In-Reply-To", []string{inReplyTo})
		h.SetMsgIDList("References", refs)
	}
	if auto {
		h.Set("Auto-Submitted", "auto-replied")
	}
	h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	var buf bytes.Buffer
	w, err := gomail.CreateSingleInlineWriter(&buf, h)
	if err != nil {
		return nil, "", fmt.Errorf("mail: compose: %w", err)
	}
	if _, err := io.WriteString(w, body); err != nil {
		return nil, "", fmt.Errorf("mail: compose: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("mail: compose: %w", err)
	}
	return buf.Bytes(), msgID, nil
}
