package chat

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// Distributor is the appliance's work distributor, which decides who serves
// every chat: a session is one acd.Chat work item whose id is the session's.
// *acd.Distributor satisfies it. Its methods must not be called with
// Server.mu held: they deliver offers, synchronously, to Server.Offer.
type Distributor interface {
	// Handle registers the handler of a channel's offers.
	Handle(c acd.Channel, h acd.Handler)
	// Enqueue adds a work item, committed before it returns; a live id is
	// left as it is.
	Enqueue(ctx context.Context, it acd.Item) (string, error)
	// Accept, Decline, Complete, Abandon and Transfer report what agents
	// and visitors did with an item.
	Accept(ctx context.Context, id, agent string) error
	Decline(ctx context.Context, id, agent, reason string) error
	Complete(ctx context.Context, id string) error
	Abandon(ctx context.Context, id string) error
	Transfer(ctx context.Context, id, queue string) error
	TransferTo(ctx context.Context, id, queue, agent string) error
	// Presence returns an agent's presence.
	Presence(agent string) (acd.Presence, bool)
	// Snapshot returns the live state of queues and agents.
	Snapshot() acd.Snapshot
	// MembersAvailable counts a queue's members available for a channel,
	// busy or not.
	MembersAvailable(queue string, c acd.Channel) int
}

var (
	_ Distributor = (*acd.Distributor)(nil)
	_ acd.Handler = (*Server)(nil)
	_ acd.Prober  = (*Server)(nil)
)

// offer is the distributor's standing offer of a queued session.
type offer struct {
	agents []string
	// stop cancels the watch on the offer's end (Server.Close).
	stop func() bool
}

// Offer shows the distributor's offer of a chat to the offered agents'
// consoles (agents are named by their web panel user, which is their acd
// agent name). An agent whose console is not open sees it when the console
// connects, while the offer stands. When ctx ends the offer no longer
// stands: the consoles that did not accept it are told it was withdrawn,
// or that their agent was set away when it rang unanswered. An offer of a
// chat that is no longer open is abandoned at once.
func (s *Server) Offer(ctx context.Context, o acd.Offer) {
	id := o.Item.ID
	s.mu.Lock()
	if s.ctx.Err() != nil {
		s.mu.Unlock()
		return
	}
	ss := s.sessions[id]
	if ss == nil {
		s.mu.Unlock()
		s.log.Warn("chat: offer of a chat that is not open; abandoning it", "chat", id)
		if err := s.dist.Abandon(context.WithoutCancel(ctx), id); err != nil && !errors.Is(err, acd.ErrNoItem) {
			s.log.Error("chat: abandon", "chat", id, "err", err)
		}
		return
	}
	defer s.mu.Unlock()
	of := &offer{}
	for _, a := range o.Agents {
		of.agents = append(of.agents, a.Name)
	}
	ss.offer = of
	ss.row.Queue = o.Item.Queue
	f := map[string]any{"type": "offer", "chat": s.summaryLocked(ss)}
	if ss.from != "" {
		f["from"] = ss.from
	}
	b := frame(f)
	for _, a := range of.agents {
		s.toAgentLocked(a, b)
	}
	of.stop = context.AfterFunc(ctx, func() { s.offerEnded(ss, of) })
}

// offerEnded tells the consoles offered of that it no longer stands, unless
// they accepted it or are offered the chat again.
func (s *Server) offerEnded(ss *session, of *offer) {
	// ss.mu: an agent accepting the offer holds it until the chat is theirs.
	ss.mu.Lock()
	defer ss.mu.Unlock()
	rona := map[string]bool{}
	for _, a := range of.agents {
		if p, ok := s.dist.Presence(a); ok && p.State == acd.Away && p.Reason == acd.ReasonNoAnswer {
			rona[a] = true
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss.offer == of {
		ss.offer = nil
	}
	if s.ctx.Err() != nil || ss.row.State == StateClosed {
		return // closeSession told every console
	}
	for _, a := range of.agents {
		if (ss.row.State == StateActive && ss.row.Agent == a) || (ss.offer != nil && slices.Contains(ss.offer.agents, a)) {
			continue
		}
		if rona[a] {
			s.toAgentLocked(a, frame(map[string]any{"type": "away", "reason": "no-answer", "chat": ss.row.ID}))
			continue
		}
		s.toAgentLocked(a, frame(map[string]any{"type": "state", "chat": ss.row.ID, "state": "withdrawn"}))
	}
}

// offeredLocked reports whether ss is offered to agent now.
func offeredLocked(ss *session, agent string) bool {
	return ss.row.State == StateQueued && ss.offer != nil && slices.Contains(ss.offer.agents, agent)
}

// Alive reports whether the chat of a work item is still open; the
// distributor's self-check completes held chats that are not (closed while
// the distributor missed it).
func (s *Server) Alive(itemID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[itemID] != nil
}

// item is the work item of a session.
func item(r store.ChatSession) acd.Item {
	c := map[string]string{"name": r.Name, "widget": r.Widget}
	for k, v := range map[string]string{"email": r.Email, "phone": r.Phone, "intent": r.Intent} {
		if v != "" {
			c[k] = v
		}
	}
	return acd.Item{ID: r.ID, Channel: acd.Chat, Queue: r.Queue, Arrived: r.CreatedAt, Customer: r.CustomerID, Context: c}
}

// reload takes the open sessions back from the store and makes them agree
// with the distributor, the one record of who holds which chat (it
// reloaded its durable items first): a chat the distributor holds for an
// agent is active with that agent; any other open chat is queued, and
// enqueued again when the distributor lost it (Enqueue keeps a live item as
// it is, at its place). Held items of chats that are closed are completed
// by the distributor's self-check (Alive); waiting ones are abandoned when
// offered (Offer).
func (s *Server) reload(ctx context.Context) error {
	rows, err := s.st.OpenChatSessions(ctx)
	if err != nil {
		return fmt.Errorf("chat: reload: %w", err)
	}
	holder := map[string]string{}
	for _, a := range s.dist.Snapshot().Agents {
		for _, id := range a.Held {
			holder[id] = a.Name
		}
	}
	for _, r := range rows {
		state, agent := StateQueued, ""
		if a, ok := holder[r.ID]; ok {
			state, agent = StateActive, a
		}
		if r.State != state || r.Agent != agent {
			s.log.Info("chat: reloaded chat set as the distributor has it", "chat", r.ID, "was", r.State+" "+r.Agent, "now", state+" "+agent)
			if err := s.st.UpdateChatSession(ctx, r.ID, state, agent, r.Queue); err != nil {
				return fmt.Errorf("chat: reload: %w", err)
			}
			r.State, r.Agent = state, agent
		}
		ss := &session{row: r, visitors: map[*conn]struct{}{}}
		s.sessions[r.ID] = ss
		s.byToken[r.Widget+"\x00"+r.VisitorToken] = ss
		if state == StateQueued {
			if _, err := s.dist.Enqueue(ctx, item(r)); err != nil {
				s.log.Warn("chat: reloaded chat not queued; it stays open for its visitor", "chat", r.ID, "queue", r.Queue, "err", err)
			}
		}
	}
	return nil
}
