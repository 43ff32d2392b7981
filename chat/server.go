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
type Server struct {
	st     *store.Store
	dir    *customer.Directory
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
	byToken  map[string]*session // widget+"\x00"+token → open session
	waiting  []*session          // queued sessions, oldest first (transfers go first)
	agents   map[string]*agentState
	perIP    map[string]int // open visitor connections by remote address
}

// session is one open conversation.
type session struct {
	mu sync.Mutex // serialises commits so that seq order is broadcast order

	// The fields below are guarded by Server.mu.
	row       store.ChatSession
	offeredTo string
	offer     *time.Timer // ring-no-answer of the current offer
	declined  map[string]bool
	visitors  map[*conn]struct{}
	mailed    int // transcripts sent, bounded by maxTranscripts
}

// agentState is one agent known to the chat side.
type agentState struct {
	id    string
	conns map[*conn]struct{}
	held  map[string]bool // session ids held or offered
	away  bool            // not taking chats (set by the agent or a missed offer)
}

// New returns a Server on st, feeding dir, and reloads the open sessions
// (queued ones wait again in arrival order, active ones stay with their
// agent).
func New(ctx context.Context, st *store.Store, dir *customer.Directory, cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	s := &Server{
		st: st, dir: dir, cfg: cfg, log: cfg.Logger,
		sessions: map[string]*session{}, byToken: map[string]*session{}, agents: map[string]*agentState{}, perIP: map[string]int{},
	}
	s.setWidgetsLocked(cfg.Widgets)
	rows, err := st.OpenChatSessions(ctx)
	if err != nil {
		return nil, fmt.Errorf("chat: reload: %w", err)
	}
	for _, r := range rows {
		ss := &session{row: r, declined: map[string]bool{}, visitors: map[*conn]struct{}{}}
		s.sessions[r.ID] = ss
		s.byToken[r.Widget+"\x00"+r.VisitorToken] = ss
		switch r.State {
		case StateQueued:
			s.waiting = append(s.waiting, ss)
		case StateActive:
			s.agent(r.Agent).held[r.ID] = true
		}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.commits = make(chan commitReq, maxBatch)
	s.done.Go(func() { s.commitLoop(s.ctx) })
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
// their senders resend them on reconnect. Sessions stay in the store for the
// next Server.
func (s *Server) Close() {
	s.cancel()
	s.done.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range s.sessions {
		if ss.offer != nil {
			ss.offer.Stop()
		}
	}
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Server) agent(id string) *agentState {
	a := s.agents[id]
	if a == nil {
		a = &agentState{id: id, conns: map[*conn]struct{}{}, held: map[string]bool{}}
		s.agents[id] = a
	}
	return a
}

// frame marshals v for sending; v is always a map or struct of ours.
func frame(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// toAgentLocked sends f to every connection of agent id.
func (s *Server) toAgentLocked(id string, f []byte) {
	if a := s.agents[id]; a != nil {
		for c := range a.conns {
			c.send(f)
		}
	}
}

// toVisitorsLocked sends f to every connection of the session's visitor.
func (s *Server) toVisitorsLocked(ss *session, f []byte) {
	for c := range ss.visitors {
		c.send(f)
	}
}

// dispatchLocked offers waiting chats to agents with free capacity: oldest
// first, to the least occupied connected member of the queue that has not
// declined it.
func (s *Server) dispatchLocked() {
	for _, ss := range s.waiting {
		if ss.offeredTo != "" {
			continue
		}
		var best *agentState
		for _, a := range s.agents {
			if len(a.conns) == 0 || a.away || ss.declined[a.id] || !s.cfg.Member(a.id, ss.row.Queue) {
				continue
			}
			if s.cfg.Capacity(a.id)-ChatSize*len(a.held) < ChatSize {
				continue
			}
			if best == nil || len(a.held) < len(best.held) || (len(a.held) == len(best.held) && a.id < best.id) {
				best = a
			}
		}
		if best == nil {
			continue
		}
		s.offerLocked(ss, best.id, "")
	}
}

// offerLocked offers ss to agent (reserving its capacity) until it accepts,
// declines, or lets Config.OfferTimeout pass: then the chat goes back to
// the head of the queue and the agent is set away (ring-no-answer).
func (s *Server) offerLocked(ss *session, agent, from string) {
	ss.offeredTo = agent
	s.agent(agent).held[ss.row.ID] = true
	f := map[string]any{"type": "offer", "chat": s.summaryLocked(ss)}
	if from != "" {
		f["from"] = from
	}
	s.toAgentLocked(agent, frame(f))
	ss.offer = time.AfterFunc(s.cfg.OfferTimeout, func() { s.offerExpired(ss, agent) })
}

// withdrawLocked cancels the pending offer of ss, if any.
func (s *Server) withdrawLocked(ss *session) {
	if ss.offer != nil {
		ss.offer.Stop()
		ss.offer = nil
	}
	if ss.offeredTo == "" {
		return
	}
	if a := s.agents[ss.offeredTo]; a != nil && ss.row.State == StateQueued {
		delete(a.held, ss.row.ID)
	}
	ss.offeredTo = ""
}

func (s *Server) offerExpired(ss *session, agent string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss.offeredTo != agent || ss.row.State != StateQueued || s.ctx.Err() != nil {
		return
	}
	s.withdrawLocked(ss)
	s.agent(agent).away = true
	s.removeWaitingLocked(ss)
	s.waiting = append([]*session{ss}, s.waiting...)
	s.toAgentLocked(agent, frame(map[string]any{"type": "away", "reason": "no-answer", "chat": ss.row.ID}))
	s.dispatchLocked()
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
		Offered: ss.offeredTo != "" && r.State == StateQueued, CustomerID: r.CustomerID,
		Name: r.Name, Email: r.Email, Phone: r.Phone, Intent: r.Intent, CreatedAt: r.CreatedAt}
}

func (s *Server) removeWaitingLocked(ss *session) {
	for i, w := range s.waiting {
		if w == ss {
			s.waiting = append(s.waiting[:i], s.waiting[i+1:]...)
			return
		}
	}
}

// waitingInLocked counts the chats waiting in queue.
func (s *Server) waitingInLocked(queue string) int {
	n := 0
	for _, w := range s.waiting {
		if w.row.Queue == queue {
			n++
		}
	}
	return n
}

// availability returns "" when queue can take a chat now, else the reason.
func (s *Server) availabilityLocked(queue string) string {
	if s.cfg.Open != nil && !s.cfg.Open(queue, s.cfg.Now()) {
		return "closed"
	}
	if s.waitingInLocked(queue) >= s.cfg.MaxWaiting {
		return "busy"
	}
	for _, a := range s.agents {
		if len(a.conns) > 0 && !a.away && s.cfg.Member(a.id, queue) {
			return ""
		}
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
		f := frame(map[string]any{"type": "msg", "chat": ss.row.ID, "msg": msg})
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

// closeSession closes an open session with disposition and records the
// transcript on the customer's timeline.
func (s *Server) closeSession(ctx context.Context, ss *session, disposition string) error {
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
	ss.row.State = StateClosed
	row := ss.row
	s.mu.Unlock()
	// The timeline holds the transcript before anyone hears of the close.
	if err := s.recordTimeline(ctx, row, disposition); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	agent := ss.row.Agent
	if ss.offeredTo != "" {
		agent = ss.offeredTo
	}
	s.withdrawLocked(ss)
	if a := s.agents[agent]; a != nil {
		delete(a.held, ss.row.ID)
	}
	s.removeWaitingLocked(ss)
	delete(s.sessions, ss.row.ID)
	delete(s.byToken, ss.row.Widget+"\x00"+ss.row.VisitorToken)
	f := frame(map[string]any{"type": "state", "chat": ss.row.ID, "state": StateClosed, "disposition": disposition})
	s.toVisitorsLocked(ss, f)
	s.toAgentLocked(agent, f)
	s.dispatchLocked()
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
	summary := "Chat"
	if r.Intent != "" {
		summary += ": " + r.Intent
	}
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
	var out []ChatSummary
	if a := s.agents[agent]; a != nil {
		for id := range a.held {
			if ss := s.sessions[id]; ss != nil {
				out = append(out, s.summaryLocked(ss))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].CreatedAt.Before(out[j].CreatedAt) || (out[i].CreatedAt.Equal(out[j].CreatedAt) && out[i].ID < out[j].ID)
	})
	return out
}

var errBadRequest = errors.New("chat: bad request")
