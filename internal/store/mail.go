package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// MailInbound is one received message to ingest.
type MailInbound struct {
	Mailbox     string
	UIDValidity uint32
	UID         uint32
	MessageID   string
	ContentHash string
	InReplyTo   string
	Refs        string
	FromAddr    string
	FromName    string
	ToAddr      string
	Subject     string
	SentAt      time.Time
	Text        string
	HTML        string
	Flags       string
	Problem     string
	Raw         []byte
	Attachments []MailAttachmentRow
	// ThreadIDs are the msg-ids this message answers, nearest first.
	ThreadIDs []string
	// Token is the ticket number found in the subject, 0 if none.
	Token int64
}

// MailAttachmentRow is one attachment of a message.
type MailAttachmentRow struct {
	ID          int64
	Filename    string
	ContentType string
	Size        int64
	Truncated   bool
	Data        []byte
}

// MailIngestResult tells what IngestMail did.
type MailIngestResult struct {
	// Duplicate is true when the message was already stored (same UID or
	// same Message-ID): nothing was added.
	Duplicate       bool
	NewConversation bool
	ConversationID  int64
	MessageID       int64
	// Agent is the conversation's sticky agent, "" if none.
	Agent      string
	CustomerID int64
}

// IngestMail stores a received message in one transaction together with the
// mailbox's UID cursor: it dedupes by (mailbox, UIDVALIDITY, UID) and by
// Message-ID, threads it onto a conversation of the same mailbox (by
// ThreadIDs, then by Token) or opens a new one.
func (s *Store) IngestMail(ctx context.Context, in MailInbound, now time.Time) (res MailIngestResult, err error) {
	err = s.Update(ctx, func(tx *Tx) error {
		if err := tx.advanceMailCursor(ctx, in.Mailbox, in.UIDValidity, in.UID, now); err != nil {
			return err
		}
		var id int64
		err := tx.tx.QueryRowContext(ctx, `SELECT id FROM mail_messages WHERE mailbox = ? AND ((uidvalidity = ? AND uid = ?) OR message_id = ?)`,
			in.Mailbox, in.UIDValidity, in.UID, in.MessageID).Scan(&id)
		if err == nil {
			res.Duplicate = true
			res.MessageID = id
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: mail dedupe: %w", err)
		}
		conv, err := tx.threadMail(ctx, in.Mailbox, in.ThreadIDs, in.Token)
		if err != nil {
			return err
		}
		ms := now.UnixMilli()
		if conv == 0 {
			r, err := tx.tx.ExecContext(ctx, `INSERT INTO mail_conversations (mailbox, subject, customer_email, customer_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
				in.Mailbox, in.Subject, in.FromAddr, in.FromName, ms, ms)
			if err != nil {
				return fmt.Errorf("store: mail conversation: %w", err)
			}
			if conv, err = r.LastInsertId(); err != nil {
				return fmt.Errorf("store: mail conversation: %w", err)
			}
			res.NewConversation = true
		} else if _, err := tx.tx.ExecContext(ctx, `UPDATE mail_conversations SET updated_at = ? WHERE id = ?`, ms, conv); err != nil {
			return fmt.Errorf("store: mail conversation %d: %w", conv, err)
		}
		res.ConversationID = conv
		if err := tx.tx.QueryRowContext(ctx, `SELECT agent, customer_id FROM mail_conversations WHERE id = ?`, conv).Scan(&res.Agent, &res.CustomerID); err != nil {
			return fmt.Errorf("store: mail conversation %d: %w", conv, err)
		}
		r, err := tx.tx.ExecContext(ctx, `INSERT INTO mail_messages (conversation_id, mailbox, direction, uidvalidity, uid, message_id, content_hash, in_reply_to, refs,
			from_addr, from_name, to_addr, subject, sent_at, text_body, html_body, flags, problem, raw, created_at)
			VALUES (?, ?, 'in', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			conv, in.Mailbox, in.UIDValidity, in.UID, in.MessageID, in.ContentHash, in.InReplyTo, in.Refs,
			in.FromAddr, in.FromName, in.ToAddr, in.Subject, in.SentAt.UnixMilli(), in.Text, in.HTML, in.Flags, in.Problem, in.Raw, ms)
		if err != nil {
			return fmt.Errorf("store: mail message: %w", err)
		}
		if res.MessageID, err = r.LastInsertId(); err != nil {
			return fmt.Errorf("store: mail message: %w", err)
		}
		for _, a := range in.Attachments {
			if _, err := tx.tx.ExecContext(ctx, `INSERT INTO mail_attachments (message_id, filename, content_type, size, truncated, data) VALUES (?, ?, ?, ?, ?, ?)`,
				res.MessageID, a.Filename, a.ContentType, a.Size, a.Truncated, a.Data); err != nil {
				return fmt.Errorf("store: mail attachment: %w", err)
			}
		}
		return nil
	})
	return res, err
}

// threadMail finds the conversation of mailbox a message belongs to: the
// one holding the nearest of ids, else the one numbered token; 0 if none.
func (t *Tx) threadMail(ctx context.Context, mailbox string, ids []string, token int64) (int64, error) {
	for _, id := range ids {
		var conv int64
		err := t.tx.QueryRowContext(ctx, `SELECT conversation_id FROM mail_messages WHERE mailbox = ? AND message_id = ?`, mailbox, id).Scan(&conv)
		if err == nil {
			return conv, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("store: mail thread: %w", err)
		}
	}
	if token <= 0 {
		return 0, nil
	}
	var conv int64
	err := t.tx.QueryRowContext(ctx, `SELECT id FROM mail_conversations WHERE mailbox = ? AND id = ?`, mailbox, token).Scan(&conv)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: mail thread token: %w", err)
	}
	return conv, nil
}

// advanceMailCursor records uid as seen for mailbox under uidvalidity; a new
// UIDVALIDITY restarts the cursor.
func (t *Tx) advanceMailCursor(ctx context.Context, mailbox string, uidvalidity, uid uint32, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO mail_mailboxes (name, uidvalidity, last_uid, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET
			last_uid = CASE WHEN uidvalidity = excluded.uidvalidity THEN max(last_uid, excluded.last_uid) ELSE excluded.last_uid END,
			uidvalidity = excluded.uidvalidity, updated_at = excluded.updated_at`,
		mailbox, uidvalidity, uid, now.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: mail cursor %s: %w", mailbox, err)
	}
	return nil
}

// MailboxState is the ingest cursor and live status of one mailbox.
type MailboxState struct {
	Name        string
	UIDValidity uint32
	LastUID     uint32
	Connected   bool
	LastError   string
	UpdatedAt   time.Time
}

// MailboxStates returns the state of every mailbox the runner has seen.
func (s *Store) MailboxStates(ctx context.Context) ([]MailboxState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, uidvalidity, last_uid, connected, last_error, updated_at FROM mail_mailboxes ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: mailbox states: %w", err)
	}
	defer rows.Close()
	var out []MailboxState
	for rows.Next() {
		var st MailboxState
		var ms int64
		if err := rows.Scan(&st.Name, &st.UIDValidity, &st.LastUID, &st.Connected, &st.LastError, &ms); err != nil {
			return nil, fmt.Errorf("store: mailbox states: %w", err)
		}
		st.UpdatedAt = time.UnixMilli(ms)
		out = append(out, st)
	}
	return out, rows.Err()
}

// MailboxState returns the state of mailbox name; a mailbox never seen has
// the zero state with its name.
func (s *Store) MailboxState(ctx context.Context, name string) (MailboxState, error) {
	st := MailboxState{Name: name}
	var ms int64
	err := s.db.QueryRowContext(ctx, `SELECT uidvalidity, last_uid, connected, last_error, updated_at FROM mail_mailboxes WHERE name = ?`, name).
		Scan(&st.UIDValidity, &st.LastUID, &st.Connected, &st.LastError, &ms)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("store: mailbox state %s: %w", name, err)
	}
	st.UpdatedAt = time.UnixMilli(ms)
	return st, nil
}

// SetMailboxStatus records whether mailbox name is connected and its last
// error ("" clears it).
func (s *Store) SetMailboxStatus(ctx context.Context, name string, connected bool, lastErr string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO mail_mailboxes (name, connected, last_error, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET connected = excluded.connected, last_error = excluded.last_error, updated_at = excluded.updated_at`,
		name, connected, lastErr, now.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: mailbox status %s: %w", name, err)
	}
	return nil
}

// MailConversationRow is one email conversation (ticket).
type MailConversationRow struct {
	ID            int64
	Mailbox       string
	Subject       string
	CustomerEmail string
	CustomerName  string
	CustomerID    int64
	Agent         string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// MailMessageRow is one stored message of a conversation.
type MailMessageRow struct {
	ID             int64
	ConversationID int64
	Mailbox        string
	Direction      string
	MessageID      string
	InReplyTo      string
	Refs           string
	FromAddr       string
	FromName       string
	ToAddr         string
	Subject        string
	SentAt         time.Time
	Text           string
	HTML           string
	Flags          string
	Problem        string
	Agent          string
	Status         string
	Routed         bool
	RawSize        int64
	CreatedAt      time.Time
	Attachments    []MailAttachmentRow
}

// MailConversation returns conversation id with its messages, oldest first
// (attachments without their data), or ErrNotFound.
func (s *Store) MailConversation(ctx context.Context, id int64) (MailConversationRow, []MailMessageRow, error) {
	var c MailConversationRow
	var created, updated int64
	err := s.db.QueryRowContext(ctx, `SELECT id, mailbox, subject, customer_email, customer_name, customer_id, agent, created_at, updated_at FROM mail_conversations WHERE id = ?`, id).
		Scan(&c.ID, &c.Mailbox, &c.Subject, &c.CustomerEmail, &c.CustomerName, &c.CustomerID, &c.Agent, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil, ErrNotFound
	}
	if err != nil {
		return c, nil, fmt.Errorf("store: mail conversation %d: %w", id, err)
	}
	c.CreatedAt, c.UpdatedAt = time.UnixMilli(created), time.UnixMilli(updated)
	msgs, err := s.mailMessages(ctx, `WHERE conversation_id = ? ORDER BY id`, id)
	if err != nil {
		return c, nil, err
	}
	for i := range msgs {
		if msgs[i].Attachments, err = s.mailAttachments(ctx, msgs[i].ID); err != nil {
			return c, nil, err
		}
	}
	return c, msgs, nil
}

// MailMessages returns every message of mailbox, oldest first, without
// attachments.
func (s *Store) MailMessages(ctx context.Context, mailbox string) ([]MailMessageRow, error) {
	return s.mailMessages(ctx, `WHERE mailbox = ? ORDER BY id`, mailbox)
}

func (s *Store) mailMessages(ctx context.Context, where string, arg any) ([]MailMessageRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, conversation_id, mailbox, direction, message_id, in_reply_to, refs, from_addr, from_name, to_addr, subject, sent_at,
		text_body, html_body, flags, problem, agent, status, routed, length(raw), created_at FROM mail_messages `+where, arg)
	if err != nil {
		return nil, fmt.Errorf("store: mail messages: %w", err)
	}
	defer rows.Close()
	var out []MailMessageRow
	for rows.Next() {
		var m MailMessageRow
		var sent, created int64
		if err := rows.Scan(&m.ID, &m.ConversationID, &m.Mailbox, &m.Direction, &m.MessageID, &m.InReplyTo, &m.Refs, &m.FromAddr, &m.FromName, &m.ToAddr, &m.Subject, &sent,
			&m.Text, &m.HTML, &m.Flags, &m.Problem, &m.Agent, &m.Status, &m.Routed, &m.RawSize, &created); err != nil {
			return nil, fmt.Errorf("store: mail messages: %w", err)
		}
		m.SentAt, m.CreatedAt = time.UnixMilli(sent), time.UnixMilli(created)
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *Store) mailAttachments(ctx context.Context, msg int64) ([]MailAttachmentRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, filename, content_type, size, truncated FROM mail_attachments WHERE message_id = ? ORDER BY id`, msg)
	if err != nil {
		return nil, fmt.Errorf("store: mail attachments: %w", err)
	}
	defer rows.Close()
	var out []MailAttachmentRow
	for rows.Next() {
		var a MailAttachmentRow
		if err := rows.Scan(&a.ID, &a.Filename, &a.ContentType, &a.Size, &a.Truncated); err != nil {
			return nil, fmt.Errorf("store: mail attachments: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// MailRaw returns the raw stored message msg, or ErrNotFound.
func (s *Store) MailRaw(ctx context.Context, msg int64) ([]byte, error) {
	var raw []byte
	err := s.db.QueryRowContext(ctx, `SELECT raw FROM mail_messages WHERE id = ?`, msg).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: mail raw %d: %w", msg, err)
	}
	return raw, nil
}

// MailConversationSubject returns the subject conversation id started
// with, or ErrNotFound.
func (s *Store) MailConversationSubject(ctx context.Context, id int64) (string, error) {
	var subject string
	err := s.db.QueryRowContext(ctx, `SELECT subject FROM mail_conversations WHERE id = ?`, id).Scan(&subject)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: mail conversation %d: %w", id, err)
	}
	return subject, nil
}

// MailAttachmentData returns the stored bytes of attachment id (empty for
// one over the size limit), or ErrNotFound.
func (s *Store) MailAttachmentData(ctx context.Context, id int64) ([]byte, error) {
	var data []byte
	err := s.db.QueryRowContext(ctx, `SELECT data FROM mail_attachments WHERE id = ?`, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: mail attachment %d: %w", id, err)
	}
	return data, nil
}

// MailOutbound is one message the appliance sends in a conversation.
type MailOutbound struct {
	ConversationID int64
	MessageID      string
	InReplyTo      string
	Refs           string
	FromAddr       string
	ToAddr         string
	Subject        string
	Text           string
	Agent          string
	Raw            []byte
}

// AddMailOutbound records a message about to be sent (status pending) and,
// when it has an agent, makes that agent the conversation's sticky agent.
func (s *Store) AddMailOutbound(ctx context.Context, m MailOutbound, now time.Time) (int64, error) {
	var id int64
	err := s.Update(ctx, func(tx *Tx) error {
		var mailbox string
		err := tx.tx.QueryRowContext(ctx, `SELECT mailbox FROM mail_conversations WHERE id = ?`, m.ConversationID).Scan(&mailbox)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("store: mail conversation %d: %w", m.ConversationID, err)
		}
		ms := now.UnixMilli()
		r, err := tx.tx.ExecContext(ctx, `INSERT INTO mail_messages (conversation_id, mailbox, direction, message_id, content_hash, in_reply_to, refs, from_addr, to_addr, subject, sent_at,
			text_body, agent, status, routed, raw, created_at) VALUES (?, ?, 'out', ?, '', ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 1, ?, ?)`,
			m.ConversationID, mailbox, m.MessageID, m.InReplyTo, m.Refs, m.FromAddr, m.ToAddr, m.Subject, ms, m.Text, m.Agent, m.Raw, ms)
		if err != nil {
			return fmt.Errorf("store: mail outbound: %w", err)
		}
		if id, err = r.LastInsertId(); err != nil {
			return fmt.Errorf("store: mail outbound: %w", err)
		}
		set := `UPDATE mail_conversations SET updated_at = ? WHERE id = ?`
		args := []any{ms, m.ConversationID}
		if m.Agent != "" {
			set = `UPDATE mail_conversations SET updated_at = ?, agent = ? WHERE id = ?`
			args = []any{ms, m.Agent, m.ConversationID}
		}
		if _, err := tx.tx.ExecContext(ctx, set, args...); err != nil {
			return fmt.Errorf("store: mail conversation %d: %w", m.ConversationID, err)
		}
		return nil
	})
	return id, err
}

// SetMailStatus sets the status (sent, failed) and problem of a sent message.
func (s *Store) SetMailStatus(ctx context.Context, msg int64, status, problem string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE mail_messages SET status = ?, problem = ? WHERE id = ?`, status, problem, msg); err != nil {
		return fmt.Errorf("store: mail status %d: %w", msg, err)
	}
	return nil
}

// SetMailCustomer records the customer a conversation's sender resolved to.
func (s *Store) SetMailCustomer(ctx context.Context, conv, customer int64) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE mail_conversations SET customer_id = ? WHERE id = ?`, customer, conv); err != nil {
		return fmt.Errorf("store: mail customer %d: %w", conv, err)
	}
	return nil
}

// MailRoute is a received message not yet handed to the distributor.
type MailRoute struct {
	MessageID      int64
	ConversationID int64
	Subject        string
	FromAddr       string
	Agent          string
	CustomerID     int64
	// New is true when the message opened its conversation.
	New       bool
	CreatedAt time.Time
}

// UnroutedMail returns the received messages of mailbox not yet handed to
// the distributor, oldest first.
func (s *Store) UnroutedMail(ctx context.Context, mailbox string) ([]MailRoute, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.id, m.conversation_id, m.subject, m.from_addr, c.agent, c.customer_id, m.created_at,
		m.id = (SELECT min(id) FROM mail_messages f WHERE f.conversation_id = m.conversation_id)
		FROM mail_messages m JOIN mail_conversations c ON c.id = m.conversation_id
		WHERE m.mailbox = ? AND m.routed = 0 AND m.direction = 'in' ORDER BY m.id`, mailbox)
	if err != nil {
		return nil, fmt.Errorf("store: unrouted mail: %w", err)
	}
	defer rows.Close()
	var out []MailRoute
	for rows.Next() {
		var r MailRoute
		var ms int64
		if err := rows.Scan(&r.MessageID, &r.ConversationID, &r.Subject, &r.FromAddr, &r.Agent, &r.CustomerID, &ms, &r.New); err != nil {
			return nil, fmt.Errorf("store: unrouted mail: %w", err)
		}
		r.CreatedAt = time.UnixMilli(ms)
		out = append(out, r)
	}
	return out, rows.Err()
}

// MarkMailRouted records in one transaction that messages msgs were handed
// to the distributor.
func (s *Store) MarkMailRouted(ctx context.Context, msgs []int64) error {
	return s.Update(ctx, func(tx *Tx) error {
		for _, m := range msgs {
			if _, err := tx.tx.ExecContext(ctx, `UPDATE mail_messages SET routed = 1 WHERE id = ?`, m); err != nil {
				return fmt.Errorf("store: mail routed %d: %w", m, err)
			}
		}
		return nil
	})
}

// MailboxConfig is one configured mailbox. The URLs hold their passwords
// as given.
type MailboxConfig struct {
	Name         string
	IMAP         string
	SMTP         string
	Queue        string
	From         string
	Acknowledge  bool
	PollInterval time.Duration
}

// ReplaceMailboxes replaces every configured mailbox with ms.
func (t *Tx) ReplaceMailboxes(ctx context.Context, ms []MailboxConfig) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM mail_mailbox_configs`); err != nil {
		return fmt.Errorf("store: replace mailboxes: %w", err)
	}
	for _, m := range ms {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO mail_mailbox_configs (name, imap_url, smtp_url, queue, from_addr, acknowledge, poll_interval) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			m.Name, m.IMAP, m.SMTP, m.Queue, m.From, m.Acknowledge, m.PollInterval.Milliseconds()); err != nil {
			return fmt.Errorf("store: mailbox %s: %w", m.Name, err)
		}
	}
	return nil
}

// MailboxConfigs returns the configured mailboxes by name.
func (s *Store) MailboxConfigs(ctx context.Context) ([]MailboxConfig, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, imap_url, smtp_url, queue, from_addr, acknowledge, poll_interval FROM mail_mailbox_configs ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: mailboxes: %w", err)
	}
	defer rows.Close()
	var out []MailboxConfig
	for rows.Next() {
		var m MailboxConfig
		var ms int64
		if err := rows.Scan(&m.Name, &m.IMAP, &m.SMTP, &m.Queue, &m.From, &m.Acknowledge, &ms); err != nil {
			return nil, fmt.Errorf("store: mailboxes: %w", err)
		}
		m.PollInterval = time.Duration(ms) * time.Millisecond
		out = append(out, m)
	}
	return out, rows.Err()
}
