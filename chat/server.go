package chat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// Session states.
const (
	StateQueued = "queued"
	StateActive = "active"
	StateClosed = "closed"
)

// Message is one chat message as visitors and agents see it.
type Message struct {
	Seq  int64     `json:"seq"`
	From string    `json:"from"` // visitor, agent, system
	Text string    `json:"text"`
	At   time.Time `json:"at"`
	// CID is the sender's id for the message, echoed in its ack.
	CID string `json:"cid,omitempty"`
}

// Server runs the web chat of one appliance. Its handlers are Handler (the
// public widget and visitor WebSocket) and AgentHandler (the console side).
// Who serves which chat is the distributor's decision: Server is its
// acd.Chat handler.
type Server struct {
	st     *store.Store
	dir    *customer.Directory
	dist   Distributor
	cfg    Config
	log    *slog.Logger
	ctx    context.Context // cancelled by Close: ends every connection
	cancel context.CancelFunc

	commits chan commitReq // to the group committer
	done    sync.WaitGroup // the committer

	mu       sync.Mutex // guards the following fields
	widgets  map[string]Widget
	origins  map[string]map[string]bool // widget → canonical origins
	sessions map[string]*session
	byToken  map[string]*session           // widget+"\x00"+token → open session
	agents   map[string]map[*conn]struct{} // console connections by agent
	perIP    map[string]int                // open visitor connections by remote address
	chatsIP  map[string]int                // open chats by the address that started them
}

// session is one open conversation.
type session struct {
	// mu serialises what changes the session: commits (so that seq order
	// is broadcast order), accept, transfer and close, and the end of an
	// offer. Take it before Server.mu.
	mu sync.Mutex

	// The fields below are guarded by Server.mu.
	row      store.ChatSession
	offer    *offer // the distributor's standing offer, nil when none
	from     string // the agent who transferred the chat, shown with its offers
	visitors map[*conn]struct{}
	mailed   int // transcripts sent, bounded by maxTranscripts

	ip string // the address that started it ("" for a reloaded one); set before it is shared
	// rate bounds the visitor's messages over all their connections to
	// the chat (guarded by Server.mu).
	rate bucket
}

// New returns a Server on st, feeding dir, whose chats go through dist. It
// reloads the open sessions, agreeing with dist on who holds which (see
// reload), then registers itself as dist's acd.Chat handler.
func New(ctx context.Context, st *store.Store, dir *customer.Directory, dist Distributor, cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if dist == nil {
		return nil, fmt.Errorf("chat: a distributor is required")
	}
	cfg.setDefaults()
	s := &Server{
		st: st, dir: dir, dist: dist, cfg: cfg, log: cfg.Logger,
		sessions: map[string]*session{}, byToken: map[string]*session{}, agents: map[string]map[*conn]struct{}{}, perIP: map[string]int{}, chatsIP: map[string]int{},
	}
	s.setWidgetsLocked(cfg.Widgets)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if err := s.reload(ctx); err != nil {
		s.cancel()
		return nil, err
	}
	w, err := st.ChatWriter(ctx)
	if err != nil {
		s.cancel()
		return nil, fmt.Errorf("chat: %w", err)
	}
	s.commits = make(chan commitReq, maxBatch)
	s.done.Go(func() { s.commitLoop(s.ctx, w) })
	dist.Handle(acd.Chat, s)
	return s, nil
}

// SetWidgets replaces the widgets (after a configuration import): new
// visitor connections see them at once; open chats keep their queue.
func (s *Server) SetWidgets(ws []Widget) error {
	if err := (Config{Widgets: ws}).Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setWidgetsLocked(ws)
	return nil
}

func (s *Server) setWidgetsLocked(ws []Widget) {
	s.widgets = make(map[string]Widget, len(ws))
	s.origins = make(map[string]map[string]bool, len(ws))
	for _, w := range ws {
		s.widgets[w.Name] = w
		s.origins[w.Name] = map[string]bool{}
		for _, o := range w.Origins {
			c, _ := canonicalOrigin(o)
			s.origins[w.Name][c] = true
		}
	}
}

// Close ends every visitor and agent connection (the handlers return) and
// stops the committer; messages not yet acknowledged are not committed, and
// their senders resend them on reconnect. Sessions stay in the store, and
// their work items in the distributor, for the next Server. Offers the
// distributor makes after Close ring unanswered: Close is for shutdown.
func (s *Server) Close() {
	s.cancel()
	s.done.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range s.sessions {
		if ss.offer != nil {
			ss.offer.stop()
		}
	}
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// msgFrame is a message as sent to its chat's visitor and agent.
type msgFrame struct {
	Type string  `json:"type"` // msg
	Chat string  `json:"chat"`
	Msg  Message `json:"msg"`
}

// ackFrame acknowledges a message to its sender once committed.
type ackFrame struct {
	Type string `json:"type"`           // ack
	Chat string `json:"chat,omitempty"` // to agents, who hold several
	CID  string `json:"cid"`
	Seq  int64  `json:"seq"`
}

// frame marshals v for sending; v is always a map or struct of ours.
func frame(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// toAgentLocked sends f to every console connection of agent id.
func (s *Server) toAgentLocked(id string, f []byte) {
	for c := range s.agents[id] {
		c.send(f)
	}
}

// toVisitorsLocked sends f to every connection of the session's visitor.
func (s *Server) toVisitorsLocked(ss *session, f []byte) {
	for c := range ss.visitors {
		c.send(f)
	}
}

// ChatSummary describes a chat to an agent.
type ChatSummary struct {
	ID         string    `json:"id"`
	Widget     string    `json:"widget"`
	Queue      string    `json:"queue"`
	State      string    `json:"state"`
	Agent      string    `json:"agent,omitempty"`
	Offered    bool      `json:"offered,omitempty"`
	CustomerID int64     `json:"customer_id"`
	Name       string    `json:"name"`
	Email      string    `json:"email,omitempty"`
	Phone      string    `json:"phone,omitempty"`
	Intent     string    `json:"intent,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

func (s *Server) summaryLocked(ss *session) ChatSummary {
	r := ss.row
	return ChatSummary{ID: r.ID, Widget: r.Widget, Queue: r.Queue, State: r.State, Agent: r.Agent,
		Offered: ss.offer != nil && r.State == StateQueued, CustomerID: r.CustomerID,
		Name: r.Name, Email: r.Email, Phone: r.Phone, Intent: r.Intent, CreatedAt: r.CreatedAt}
}

// availability returns "" when queue can take a chat now, else the reason:
// "closed" outside its hours, "nobody" when none of its members is
// available for chats (busy ones count: the visitor waits for them). A
// full queue is the distributor's refusal, "busy", at Enqueue.
func (s *Server) availability(queue string) string {
	if s.cfg.Open != nil && !s.cfg.Open(queue, s.cfg.Now()) {
		return "closed"
	}
	if s.dist.MembersAvailable(queue, acd.Chat) > 0 {
		return ""
	}
	return "nobody"
}

// post commits a message to a session, then broadcasts it to the visitor
// and the agent. The message is acknowledged only after this returns nil.
func (s *Server) post(ctx context.Context, ss *session, m store.ChatMessage) (Message, error) {
	if len(m.Body) > s.cfg.MaxMessage {
		return Message{}, ErrTooLong
	}
	m.Body = strings.ToValidUTF8(m.Body, "\uFFFD")
	m.At = s.cfg.Now()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s.mu.Lock()
	closed := ss.row.State == StateClosed
	s.mu.Unlock()
	if closed {
		return Message{}, ErrNoSession
	}
	added, err := s.commit(ctx, ss.row.ID, m)
	if err != nil {
		return Message{}, err
	}
	msg := toMessage(added.Message)
	if !added.Dup {
		f := frame(msgFrame{Type: "msg", Chat: ss.row.ID, Msg: msg})
		s.mu.Lock()
		s.toVisitorsLocked(ss, f)
		if ss.row.State == StateActive {
			s.toAgentLocked(ss.row.Agent, f)
		}
		s.mu.Unlock()
	}
	return msg, nil
}

func toMessage(m store.ChatMessage) Message {
	return Message{Seq: m.Seq, From: m.Sender, Text: m.Body, At: m.At, CID: m.ClientID}
}

// history returns the messages of a session.
func (s *Server) history(ctx context.Context, id string) ([]Message, error) {
	rows, err := s.st.ChatMessages(ctx, id, 0)
	if err != nil {
		return nil, fmt.Errorf("chat: history: %w", err)
	}
	out := make([]Message, 0, len(rows))
	for _, r := range rows {
		out = append(out, toMessage(r))
	}
	return out, nil
}

// closeSession closes an open session with disposition, records the
// transcript on the customer's timeline and ends the session's work item:
// abandoned when the visitor left (completed if an agent held it), else
// completed.
func (s *Server) closeSession(ctx context.Context, ss *session, disposition string, abandon bool) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s.mu.Lock()
	closed := ss.row.State == StateClosed
	s.mu.Unlock()
	if closed {
		return ErrNoSession
	}
	if err := s.st.CloseChatSession(ctx, ss.row.ID, disposition, s.cfg.Now()); err != nil {
		return fmt.Errorf("chat: close: %w", err)
	}
	s.mu.Lock()
	held := ss.row.State == StateActive
	ss.row.State = StateClosed
	row := ss.row
	tell := []string{}
	if held {
		tell = append(tell, row.Agent)
	}
	if ss.offer != nil {
		tell = append(tell, ss.offer.agents...)
	}
	delete(s.sessions, row.ID)
	delete(s.byToken, row.Widget+"\x00"+row.VisitorToken)
	s.countChatLocked(ss, -1)
	s.mu.Unlock()
	end := s.dist.Complete
	if abandon {
		end = s.dist.Abandon
	}
	if err := end(ctx, row.ID); err != nil && !errors.Is(err, acd.ErrNoItem) {
		// The distributor's self-check ends it: Alive says it is closed.
		s.log.Warn("chat: ending the work item failed", "chat", row.ID, "err", err)
	}
	// The timeline holds the transcript before anyone hears of the close.
	if err := s.recordTimeline(ctx, row, disposition); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := frame(map[string]any{"type": "state", "chat": row.ID, "state": StateClosed, "disposition": disposition})
	s.toVisitorsLocked(ss, f)
	for _, a := range tell {
		s.toAgentLocked(a, f)
	}
	return nil
}

// recordTimeline writes (or updates) the chat's entry on the customer's
// timeline, with its transcript.
func (s *Server) recordTimeline(ctx context.Context, r store.ChatSession, disposition string) error {
	if s.dir == nil || r.CustomerID == 0 {
		return nil
	}
	msgs, err := s.history(ctx, r.ID)
	if err != nil {
		return err
	}
	var tr strings.Builder
	for _, m := range msgs {
		fmt.Fprintf(&tr, "[%s] %s: %s\n", m.At.UTC().Format(time.RFC3339), m.From, m.Text)
	}
	summary := chatSummary(r.Intent, msgs)
	detail := map[string]string{"widget": r.Widget, "queue": r.Queue, "agent": r.Agent, "state": r.State, "messages": fmt.Sprint(len(msgs)), "transcript": tr.String()}
	if disposition != "" {
		detail["disposition"] = disposition
	}
	_, err = s.dir.Record(ctx, r.CustomerID, customer.Entry{
		Channel: customer.ChannelChat, Kind: "chat", At: r.CreatedAt, Summary: summary, Ref: "chat:" + r.ID,
		Detail: detail, Via: customer.Identity{Kind: customer.Chat, Value: r.VisitorToken},
	})
	if err != nil {
		return fmt.Errorf("chat: timeline: %w", err)
	}
	return nil
}

// chatSummary is a chat's line on the timeline: its intent and the
// visitor's first words, so that an agent sees what it was about.
func chatSummary(intent string, msgs []Message) string {
	summary := "Chat"
	if intent != "" {
		summary += ": " + intent
	}
	for _, m := range msgs {
		if m.From != "visitor" {
			continue
		}
		words := strings.Join(strings.Fields(m.Text), " ")
		if r := []rune(words); len(r) > summaryWords {
			words = string(r[:summaryWords]) + "…"
		}
		return summary + " — " + words
	}
	return summary
}

// summaryWords bounds the visitor's words a chat's summary quotes.
const summaryWords = 80

// openSession returns the open session id, or ErrNoSession.
func (s *Server) openSession(id string) (*session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sessions[id]
	if ss == nil {
		return nil, ErrNoSession
	}
	return ss, nil
}

// Chats returns the chats agent holds or is offered, oldest first.
func (s *Server) Chats(agent string) []ChatSummary {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chatsLocked(agent)
}

func (s *Server) chatsLocked(agent string) []ChatSummary {
	var out []ChatSummary
	for _, ss := range s.sessions {
		if (ss.row.State == StateActive && ss.row.Agent == agent) || offeredLocked(ss, agent) {
			out = append(out, s.summaryLocked(ss))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].CreatedAt.Before(out[j].CreatedAt) || (out[i].CreatedAt.Equal(out[j].CreatedAt) && out[i].ID < out[j].ID)
	})
	return out
}

var errBadRequest = errors.New("chat: bad request")
