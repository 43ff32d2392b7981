package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ChatSession is one stored web chat conversation.
type ChatSession struct {
	ID           string
	Widget       string
	Queue        string
	VisitorToken string
	CustomerID   int64
	Name         string
	Email        string
	Phone        string
	Intent       string
	State        string
	Agent        string
	CreatedAt    time.Time
	Disposition  string
}

// ChatMessage is one stored chat message.
type ChatMessage struct {
	Seq      int64
	Sender   string
	Agent    string
	Body     string
	At       time.Time
	ClientID string
}

const chatSessionCols = `id, widget, queue, visitor_token, customer_id, name, email, phone, intent, state, agent, created_at, disposition`

func scanChatSession(sc interface{ Scan(...any) error }) (ChatSession, error) {
	var c ChatSession
	var created int64
	err := sc.Scan(&c.ID, &c.Widget, &c.Queue, &c.VisitorToken, &c.CustomerID, &c.Name, &c.Email, &c.Phone, &c.Intent, &c.State, &c.Agent, &created, &c.Disposition)
	c.CreatedAt = time.UnixMilli(created)
	return c, err
}

// CreateChatSession stores a new session.
func (s *Store) CreateChatSession(ctx context.Context, c ChatSession) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO chat_sessions (`+chatSessionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Widget, c.Queue, c.VisitorToken, c.CustomerID, c.Name, c.Email, c.Phone, c.Intent, c.State, c.Agent, c.CreatedAt.UnixMilli(), c.Disposition)
	if err != nil {
		return fmt.Errorf("store: create chat session: %w", err)
	}
	return nil
}

// UpdateChatSession sets the state, agent and queue of session id.
func (s *Store) UpdateChatSession(ctx context.Context, id, state, agent, queue string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE chat_sessions SET state = ?, agent = ?, queue = ? WHERE id = ?`, state, agent, queue, id)
	if err != nil {
		return fmt.Errorf("store: update chat session %s: %w", id, err)
	}
	return nil
}

// CloseChatSession marks session id closed with disposition at now.
func (s *Store) CloseChatSession(ctx context.Context, id, disposition string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE chat_sessions SET state = 'closed', disposition = ?, closed_at = ? WHERE id = ?`, disposition, now.UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("store: close chat session %s: %w", id, err)
	}
	return nil
}

// OpenChatSessionByToken returns the newest session of visitor token in
// widget that is not closed.
func (s *Store) OpenChatSessionByToken(ctx context.Context, widget, token string) (ChatSession, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+chatSessionCols+` FROM chat_sessions
		WHERE visitor_token = ? AND widget = ? AND state <> 'closed' ORDER BY created_at DESC LIMIT 1`, token, widget)
	c, err := scanChatSession(row)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("store: chat session by token: %w", err)
	}
	return c, nil
}

// OpenChatSessions returns every session not closed, oldest first.
func (s *Store) OpenChatSessions(ctx context.Context) ([]ChatSession, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+chatSessionCols+` FROM chat_sessions WHERE state <> 'closed' ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("store: open chat sessions: %w", err)
	}
	defer rows.Close()
	var out []ChatSession
	for rows.Next() {
		c, err := scanChatSession(rows)
		if err != nil {
			return nil, fmt.Errorf("store: open chat sessions: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// NewChatMessage is a message to add to a session.
type NewChatMessage struct {
	Session string
	Message ChatMessage
}

// AddedChatMessage is a message as stored; Dup reports that its non-empty
// ClientID had been stored before, so nothing was added.
type AddedChatMessage struct {
	Message ChatMessage
	Dup     bool
}

// insertChatMessage adds one message with the next sequence number of its
// session, returning that number, or no row for a client id stored before.
const insertChatMessage = `INSERT INTO chat_messages (session_id, seq, sender, agent, body, at, client_id)
	VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM chat_messages WHERE session_id = ?1), ?2, ?3, ?4, ?5, ?6)
	ON CONFLICT (session_id, client_id) WHERE client_id <> '' DO NOTHING RETURNING seq`

// AddChatMessages commits every message of batch in one transaction (a
// group commit), each with the next sequence number of its session, and
// returns them as stored, in batch order.
func (s *Store) AddChatMessages(ctx context.Context, batch []NewChatMessage) ([]AddedChatMessage, error) {
	var out []AddedChatMessage
	err := s.Update(ctx, func(tx *Tx) error {
		ins, err := tx.tx.PrepareContext(ctx, insertChatMessage)
		if err != nil {
			return fmt.Errorf("store: add chat messages: %w", err)
		}
		defer ins.Close()
		out, err = addChatMessages(ctx, tx.tx, ins, batch)
		return err
	})
	return out, err
}

func addChatMessages(ctx context.Context, tx *sql.Tx, ins *sql.Stmt, batch []NewChatMessage) ([]AddedChatMessage, error) {
	out := make([]AddedChatMessage, len(batch))
	for i, n := range batch {
		m := n.Message
		err := ins.QueryRowContext(ctx, n.Session, m.Sender, m.Agent, m.Body, m.At.UnixMilli(), m.ClientID).Scan(&m.Seq)
		if errors.Is(err, sql.ErrNoRows) {
			// A resend of a stored message: return the stored one.
			var at int64
			err = tx.QueryRowContext(ctx, `SELECT seq, sender, agent, body, at, client_id FROM chat_messages WHERE session_id = ? AND client_id = ?`,
				n.Session, m.ClientID).Scan(&m.Seq, &m.Sender, &m.Agent, &m.Body, &at, &m.ClientID)
			m.At = time.UnixMilli(at)
			out[i].Dup = true
		}
		if err != nil {
			return nil, fmt.Errorf("store: add chat message %s: %w", n.Session, err)
		}
		out[i].Message = m
	}
	return out, nil
}

// ChatWriter is the chat server's group committer's way to the store: one
// connection of its own, its statement prepared once, and commits that
// never run a WAL checkpoint (SQLite runs one in the commit that takes the
// WAL past 1,000 pages, copying pages and syncing the database file while
// every message of the batch waits for its ack): Checkpoint does it apart.
// Commits stay durable against a crash of the process (WAL,
// synchronous=NORMAL: the WAL is written before the commit returns). A
// ChatWriter is for one goroutine at a time.
type ChatWriter struct {
	db   *sql.DB
	conn *sql.Conn
	ins  *sql.Stmt
}

// ChatWriter returns a writer holding one of the store's connections until
// Close.
func (s *Store) ChatWriter(ctx context.Context) (*ChatWriter, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: chat writer: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 0`); err != nil {
		conn.Close()
		return nil, fmt.Errorf("store: chat writer: %w", err)
	}
	// Prepared on the pool, so that each transaction of conn reuses conn's
	// copy (a statement prepared on the Conn is prepared again in each).
	ins, err := s.db.PrepareContext(ctx, insertChatMessage)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("store: chat writer: %w", err)
	}
	return &ChatWriter{db: s.db, conn: conn, ins: ins}, nil
}

// Add commits every message of batch in one transaction, like
// Store.AddChatMessages.
func (w *ChatWriter) Add(ctx context.Context, batch []NewChatMessage) ([]AddedChatMessage, error) {
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: begin: %w", err)
	}
	out, err := addChatMessages(ctx, tx, tx.StmtContext(ctx, w.ins), batch)
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: commit: %w", err)
	}
	return out, nil
}

// Checkpoint copies what the WAL holds into the database without waiting
// for readers or writers (a passive checkpoint), on another connection
// than the writer's: run it now and then beside the commits.
func (w *ChatWriter) Checkpoint(ctx context.Context) error {
	if _, err := w.db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
		return fmt.Errorf("store: checkpoint: %w", err)
	}
	return nil
}

// Close gives the connection back to the store, checkpointing as usual
// again.
func (w *ChatWriter) Close() error {
	w.ins.Close()
	_, err := w.conn.ExecContext(context.Background(), `PRAGMA wal_autocheckpoint = 1000`)
	if cerr := w.conn.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("store: chat writer: %w", err)
	}
	return nil
}

// AddChatMessage commits m to session id; see AddChatMessages.
func (s *Store) AddChatMessage(ctx context.Context, id string, m ChatMessage) (out ChatMessage, dup bool, err error) {
	added, err := s.AddChatMessages(ctx, []NewChatMessage{{Session: id, Message: m}})
	if err != nil {
		return out, false, err
	}
	return added[0].Message, added[0].Dup, nil
}

// ChatMessages returns the messages of session id after sequence number
// after, in order.
func (s *Store) ChatMessages(ctx context.Context, id string, after int64) ([]ChatMessage, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, sender, agent, body, at, client_id FROM chat_messages
		WHERE session_id = ? AND seq > ? ORDER BY seq`, id, after)
	if err != nil {
		return nil, fmt.Errorf("store: chat messages %s: %w", id, err)
	}
	defer rows.Close()
	var out []ChatMessage
	for rows.Next() {
		var m ChatMessage
		var at int64
		if err := rows.Scan(&m.Seq, &m.Sender, &m.Agent, &m.Body, &at, &m.ClientID); err != nil {
			return nil, fmt.Errorf("store: chat messages %s: %w", id, err)
		}
		m.At = time.UnixMilli(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// ChatWidget is one configured chat widget.
type ChatWidget struct {
	Name    string
	Queue   string
	Origins []string
}

// ReplaceChatWidgets makes ws the whole set of chat widgets.
func (t *Tx) ReplaceChatWidgets(ctx context.Context, ws []ChatWidget) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM chat_widgets`); err != nil {
		return fmt.Errorf("store: chat widgets: %w", err)
	}
	for _, w := range ws {
		origins, err := json.Marshal(w.Origins)
		if err != nil {
			return fmt.Errorf("store: chat widget %s: %w", w.Name, err)
		}
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO chat_widgets (name, queue, origins) VALUES (?, ?, ?)`, w.Name, w.Queue, string(origins)); err != nil {
			return fmt.Errorf("store: chat widget %s: %w", w.Name, err)
		}
	}
	return nil
}

// ChatWidgets returns the configured chat widgets by name.
func (s *Store) ChatWidgets(ctx context.Context) ([]ChatWidget, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, queue, origins FROM chat_widgets ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: chat widgets: %w", err)
	}
	defer rows.Close()
	var out []ChatWidget
	for rows.Next() {
		var w ChatWidget
		var origins string
		if err := rows.Scan(&w.Name, &w.Queue, &origins); err != nil {
			return nil, fmt.Errorf("store: chat widgets: %w", err)
		}
		if err := json.Unmarshal([]byte(origins), &w.Origins); err != nil {
			return nil, fmt.Errorf("store: chat widget %s origins: %w", w.Name, err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}
