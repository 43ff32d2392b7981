package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/coder/websocket"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// AgentHandler returns the console side, to mount under a prefix of the web
// console (with the prefix stripped) behind its authentication, which
// Config.AgentFromRequest reads:
//
//	GET /ws          the agent WebSocket (offers, messages, actions)
//	GET /chats       the chats the agent holds or is offered (JSON)
//	GET /chats/{id}  one chat with its history, customer and timeline (JSON)
//	GET /canned      the canned responses (JSON)
//
// On the WebSocket the agent sends {"type": "accept"|"decline"|"typing",
// "chat": ID}, {"type": "msg", "chat", "text", "cid"}, {"type": "close",
// "chat", "disposition"} and {"type": "transfer", "chat", "to_queue"}; it
// receives "hello" (with the chats held and offered), "offer", "msg",
// "ack", "typing", "state" ("active", "closed", "transferred", or
// "withdrawn": an offer that no longer stands), "away" (an offer rang
// unanswered and the distributor set the agent away) and "error" frames.
// Whether the agent takes chats is their presence in the distributor, set
// by the console's presence control.
func (s *Server) AgentHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", s.serveAgent)
	mux.HandleFunc("GET /chats", func(w http.ResponseWriter, r *http.Request) {
		if id, ok := s.agentID(w, r); ok {
			writeJSON(w, http.StatusOK, s.Chats(id))
		}
	})
	mux.HandleFunc("GET /chats/{id}", s.serveChat)
	mux.HandleFunc("GET /canned", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := s.agentID(w, r); ok {
			writeJSON(w, http.StatusOK, append([]string{}, s.cfg.Canned...))
		}
	})
	return mux
}

func (s *Server) agentID(w http.ResponseWriter, r *http.Request) (string, bool) {
	if s.cfg.AgentFromRequest == nil {
		http.Error(w, "chat: agent authentication not configured", http.StatusInternalServerError)
		return "", false
	}
	id, ok := s.cfg.AgentFromRequest(r)
	if !ok || id == "" {
		http.Error(w, "chat: not signed in", http.StatusUnauthorized)
		return "", false
	}
	return id, true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// ChatDetail is one chat as the console shows it: the conversation beside
// the customer's cross-channel timeline.
type ChatDetail struct {
	Chat     ChatSummary       `json:"chat"`
	Messages []Message         `json:"messages"`
	Customer customer.Customer `json:"customer"`
	Timeline []customer.Entry  `json:"timeline"`
}

// Detail returns chat id with its history and the customer's timeline
// (newest first, at most 50 entries) when agent holds or is offered it.
func (s *Server) Detail(ctx context.Context, agent, id string) (ChatDetail, error) {
	s.mu.Lock()
	ss := s.sessions[id]
	var d ChatDetail
	ok := ss != nil && ((ss.row.State == StateActive && ss.row.Agent == agent) || offeredLocked(ss, agent))
	if ok {
		d.Chat = s.summaryLocked(ss)
	}
	s.mu.Unlock()
	if !ok {
		return d, ErrNotYours
	}
	var err error
	if d.Messages, err = s.history(ctx, id); err != nil {
		return d, err
	}
	if s.dir != nil && d.Chat.CustomerID != 0 {
		if d.Customer, err = s.dir.Get(ctx, d.Chat.CustomerID); err != nil {
			return d, fmt.Errorf("chat: detail: %w", err)
		}
		if d.Timeline, err = s.dir.Timeline(ctx, d.Chat.CustomerID, 50); err != nil {
			return d, fmt.Errorf("chat: detail: %w", err)
		}
	}
	return d, nil
}

func (s *Server) serveChat(w http.ResponseWriter, r *http.Request) {
	agent, ok := s.agentID(w, r)
	if !ok {
		return
	}
	d, err := s.Detail(r.Context(), agent, r.PathValue("id"))
	switch {
	case errors.Is(err, ErrNotYours):
		http.Error(w, err.Error(), http.StatusNotFound)
	case err != nil:
		s.log.Error("chat: detail", "err", err)
		http.Error(w, "chat: internal error", http.StatusInternalServerError)
	default:
		writeJSON(w, http.StatusOK, d)
	}
}

func (s *Server) serveAgent(w http.ResponseWriter, r *http.Request) {
	id, ok := s.agentID(w, r)
	if !ok {
		return
	}
	// Same-origin only: the console is served by the appliance itself.
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	ws.SetReadLimit(int64(s.cfg.MaxMessage) + 4096)
	c := newConn(s.ctx, ws)
	s.mu.Lock()
	if s.agents[id] == nil {
		s.agents[id] = map[*conn]struct{}{}
	}
	s.agents[id][c] = struct{}{}
	c.send(frame(map[string]any{"type": "hello", "agent": id, "chats": s.chatsLocked(id), "canned": s.cfg.Canned}))
	s.mu.Unlock()
	s.serveConn(c, func(data []byte) error { return s.agentFrame(c, id, data) }, func() { s.agentGone(id, c) })
}

// agentGone detaches a console connection. Offers keep ringing until the
// distributor withdraws them: a console reloaded meanwhile shows them.
func (s *Server) agentGone(id string, c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.agents[id], c)
	if len(s.agents[id]) == 0 {
		delete(s.agents, id)
	}
}

func (s *Server) agentFrame(c *conn, agent string, data []byte) error {
	var f inFrame
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("%w: %v", errBadRequest, err)
	}
	ctx := c.ctx
	ss, err := s.openSession(f.Chat)
	if err == nil {
		err = s.agentAction(ctx, c, agent, ss, f)
	}
	if err != nil {
		if errors.Is(err, errBadRequest) {
			return err
		}
		c.send(frame(map[string]any{"type": "error", "chat": f.Chat, "cid": f.CID, "error": err.Error()}))
	}
	return nil
}

func (s *Server) agentAction(ctx context.Context, c *conn, agent string, ss *session, f inFrame) error {
	switch f.Type {
	case "accept":
		return s.accept(ctx, agent, ss)
	case "decline":
		return s.decline(ctx, agent, ss)
	}
	s.mu.Lock()
	mine := ss.row.State == StateActive && ss.row.Agent == agent
	s.mu.Unlock()
	if !mine {
		return ErrNotYours
	}
	switch f.Type {
	case "msg":
		if len(f.CID) > maxCID {
			return fmt.Errorf("%w: cid too long", errBadRequest)
		}
		m, err := s.post(ctx, ss, store.ChatMessage{Sender: "agent", Agent: agent, Body: f.Text, ClientID: f.CID})
		if err != nil {
			return err
		}
		c.send(frame(ackFrame{Type: "ack", Chat: ss.row.ID, CID: f.CID, Seq: m.Seq}))
	case "typing":
		s.mu.Lock()
		s.toVisitorsLocked(ss, frame(map[string]any{"type": "typing", "from": "agent"}))
		s.mu.Unlock()
	case "close":
		d := clipString(f.Disposition, maxField)
		if d == "" {
			d = "resolved"
		}
		return s.closeSession(ctx, ss, d, false)
	case "transfer":
		return s.transfer(ctx, agent, ss, clipString(f.ToAgent, maxField), clipString(f.ToQueue, maxField))
	default:
		return fmt.Errorf("%w: unknown type %q", errBadRequest, clipString(f.Type, 32))
	}
	return nil
}

// accept makes agent's offer of ss an active chat, once the distributor
// has given it to them.
func (s *Server) accept(ctx context.Context, agent string, ss *session) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s.mu.Lock()
	ok := offeredLocked(ss, agent)
	s.mu.Unlock()
	if !ok {
		return ErrNotYours
	}
	if err := s.dist.Accept(ctx, ss.row.ID, agent); errors.Is(err, acd.ErrNotOffered) {
		return fmt.Errorf("%w: %w", ErrNotYours, err)
	} else if err != nil {
		return fmt.Errorf("chat: accept: %w", err)
	}
	s.mu.Lock()
	ss.row.State, ss.row.Agent, ss.offer, ss.from = StateActive, agent, nil, ""
	row := ss.row
	s.mu.Unlock()
	if err := s.st.UpdateChatSession(ctx, row.ID, StateActive, agent, row.Queue); err != nil {
		// The distributor holds the chat for agent: the next start sets the
		// store's copy right (reload).
		s.log.Warn("chat: storing an accepted chat failed", "chat", row.ID, "agent", agent, "err", err)
	}
	if err := s.recordTimeline(ctx, row, ""); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.toVisitorsLocked(ss, frame(map[string]any{"type": "state", "chat": row.ID, "state": StateActive}))
	s.toAgentLocked(agent, frame(map[string]any{"type": "state", "chat": row.ID, "state": StateActive, "summary": s.summaryLocked(ss)}))
	return nil
}

// decline refuses agent's offer of ss: the distributor offers it to
// someone else (and keeps the agent from offers for a moment).
func (s *Server) decline(ctx context.Context, agent string, ss *session) error {
	s.mu.Lock()
	ok := offeredLocked(ss, agent)
	s.mu.Unlock()
	if !ok {
		return ErrNotYours
	}
	if err := s.dist.Decline(ctx, ss.row.ID, agent, "declined"); errors.Is(err, acd.ErrNotOffered) {
		return fmt.Errorf("%w: %w", ErrNotYours, err)
	} else if err != nil {
		return fmt.Errorf("chat: decline: %w", err)
	}
	return nil
}

// transfer hands an active chat, with its conversation, to a queue (or to
// an agent, in the chat's queue unless one is given): the distributor frees
// the agent and offers the chat there ahead of newer items — to the named
// agent first whenever they can take it.
func (s *Server) transfer(ctx context.Context, from string, ss *session, toAgent, toQueue string) error {
	if toQueue == "" && toAgent == "" {
		return fmt.Errorf("chat: transfer: give to_queue or to_agent")
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if toQueue == "" {
		s.mu.Lock()
		toQueue = ss.row.Queue
		s.mu.Unlock()
	}
	// Queued before the distributor hears of it: it may offer the chat at
	// once.
	s.mu.Lock()
	if ss.row.State != StateActive || ss.row.Agent != from {
		s.mu.Unlock()
		return ErrNotYours
	}
	was := ss.row
	ss.row.State, ss.row.Agent, ss.row.Queue, ss.from = StateQueued, "", toQueue, from
	s.mu.Unlock()
	if err := s.dist.TransferTo(ctx, was.ID, toQueue, toAgent); err != nil {
		s.mu.Lock()
		ss.row.State, ss.row.Agent, ss.row.Queue, ss.from = was.State, was.Agent, was.Queue, ""
		s.mu.Unlock()
		return fmt.Errorf("chat: transfer to queue %q: %w", toQueue, err)
	}
	if err := s.st.UpdateChatSession(ctx, was.ID, StateQueued, "", toQueue); err != nil {
		s.log.Warn("chat: storing a transferred chat failed", "chat", was.ID, "err", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.toAgentLocked(from, frame(map[string]any{"type": "state", "chat": was.ID, "state": "transferred"}))
	s.toVisitorsLocked(ss, frame(map[string]any{"type": "state", "chat": was.ID, "state": StateQueued}))
	return nil
}
