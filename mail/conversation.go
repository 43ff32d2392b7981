package mail

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// Conversation is one email ticket as the agent console shows it.
type Conversation struct {
	// ID is the ticket number, shown as [#ID] in subjects.
	ID            int64
	Mailbox       string
	Subject       string
	CustomerEmail string
	CustomerName  string
	CustomerID    int64
	// Agent is the agent who last replied ("" if none).
	Agent     string
	CreatedAt time.Time
	UpdatedAt time.Time
	Messages  []Message
}

// Message is one received or sent message. HTML is already sanitised.
type Message struct {
	ID        int64
	Direction string // "in" or "out"
	MessageID string
	From      string
	FromName  string
	To        string
	Subject   string
	Date      time.Time
	Text      string
	HTML      string
	// Malformed, Oversize and Automated flag received mail: a flagged
	// message was only partly read (Problem says why); the raw message is
	// kept (RawSize bytes).
	Malformed bool
	Oversize  bool
	Automated bool
	Problem   string
	// Agent wrote a sent message; Status is pending, sent or failed.
	Agent       string
	Status      string
	RawSize     int64
	Attachments []Attachment
}

// Attachment describes one attachment; Truncated ones were over the size
// limit and their data was not kept.
type Attachment struct {
	ID          int64
	Filename    string
	ContentType string
	Size        int64
	Truncated   bool
}

// Conversation returns conversation id with its messages, oldest first, or
// an error wrapping ErrNotFound.
func (s *Service) Conversation(ctx context.Context, id int64) (Conversation, error) {
	c, msgs, err := s.conversation(ctx, id)
	if err != nil {
		return Conversation{}, err
	}
	out := Conversation{
		ID: c.ID, Mailbox: c.Mailbox, Subject: c.Subject, CustomerEmail: c.CustomerEmail, CustomerName: c.CustomerName,
		CustomerID: c.CustomerID, Agent: c.Agent, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
	for _, m := range msgs {
		flags := strings.Split(m.Flags, ",")
		msg := Message{
			ID: m.ID, Direction: m.Direction, MessageID: m.MessageID, From: m.FromAddr, FromName: m.FromName, To: m.ToAddr,
			Subject: m.Subject, Date: m.SentAt, Text: m.Text, HTML: m.HTML, Problem: m.Problem, Agent: m.Agent, Status: m.Status,
			Malformed: slices.Contains(flags, "malformed"), Oversize: slices.Contains(flags, "oversize"), Automated: slices.Contains(flags, "automated"),
			RawSize: m.RawSize,
		}
		for _, a := range m.Attachments {
			msg.Attachments = append(msg.Attachments, Attachment{ID: a.ID, Filename: a.Filename, ContentType: a.ContentType, Size: a.Size, Truncated: a.Truncated})
		}
		out.Messages = append(out.Messages, msg)
	}
	return out, nil
}

// Raw returns the raw bytes of stored message id (received or sent).
func (s *Service) Raw(ctx context.Context, id int64) ([]byte, error) {
	raw, err := s.st.MailRaw(ctx, id)
	return stored(raw, err, "message", id)
}

// AttachmentData returns the bytes of attachment id, or an error wrapping
// ErrNotFound.
func (s *Service) AttachmentData(ctx context.Context, id int64) ([]byte, error) {
	data, err := s.st.MailAttachmentData(ctx, id)
	return stored(data, err, "attachment", id)
}

// stored names what the store could not find or read.
func stored(b []byte, err error, what string, id int64) ([]byte, error) {
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("mail: %s %d: %w", what, id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("mail: %s %d: %w", what, id, err)
	}
	return b, nil
}
