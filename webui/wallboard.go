package webui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/switchboard-cc/switchboard/webui/auth"
)

// Presence values an agent can be set to.
const (
	PresenceAvailable = "available"
	PresenceAway      = "away"
	PresenceOffline   = "offline"
)

// Live is the distributor as the wallboard and the console see it: a
// snapshot of queues and agents, and presence changes. Agents are named by
// their web panel user name. The distributor publishes on the event bus
// topics "queue" and "agent" whenever the snapshot changes; the pages
// re-read the snapshot then.
type Live interface {
	Snapshot(ctx context.Context) (Snapshot, error)
	SetPresence(ctx context.Context, agent string, p PresenceChange) error
}

// PresenceChange is a requested presence: available for some channels
// (all when Channels is empty), away with a reason, or offline.
type PresenceChange struct {
	Presence string   `json:"presence"`
	Channels []string `json:"channels,omitempty"`
	Reason   string   `json:"reason,omitempty"`
}

// Snapshot is the live state of every queue and agent.
type Snapshot struct {
	At     time.Time    `json:"at"`
	Queues []QueueStats `json:"queues"`
	Agents []AgentState `json:"agents"`
}

// QueueStats is one queue on the wallboard; service level is today's.
type QueueStats struct {
	Name         string        `json:"name"`
	Waiting      int           `json:"waiting"`
	LongestWait  time.Duration `json:"longest_wait_ns"`
	ServiceLevel float64       `json:"service_level"` // 0..1, answered within target
	TargetLevel  float64       `json:"target_level"`  // 0..1, the queue's goal
	MaxWait      time.Duration `json:"max_wait_ns"`   // longest wait allowed before the queue is in breach
	Abandoned    int           `json:"abandoned"`
}

// Breach reports whether the queue breaks its service goal now.
func (q QueueStats) Breach() bool {
	return (q.TargetLevel > 0 && q.ServiceLevel < q.TargetLevel) || (q.MaxWait > 0 && q.LongestWait > q.MaxWait)
}

// AgentState is one agent on the wallboard.
type AgentState struct {
	Name         string        `json:"name"`
	Presence     string        `json:"presence"`
	Reason       string        `json:"reason,omitempty"`
	Channels     []string      `json:"channels,omitempty"`
	Held         int           `json:"held"`
	InStateFor   time.Duration `json:"in_state_ns"`
	FreeCapacity int           `json:"free_capacity"`
}

// wallboardJSON is the snapshot as the pages read it, with derived fields.
type wallboardJSON struct {
	At     time.Time   `json:"at"`
	Queues []queueJSON `json:"queues"`
	Agents []agentJSON `json:"agents"`
}

type queueJSON struct {
	QueueStats
	Breach          bool   `json:"breach"`
	LongestWaitText string `json:"longest_wait"`
	ServicePercent  int    `json:"service_percent"`
}

type agentJSON struct {
	AgentState
	InStateText string `json:"in_state"`
}

func toWallboard(s Snapshot) wallboardJSON {
	out := wallboardJSON{At: s.At, Queues: []queueJSON{}, Agents: []agentJSON{}}
	for _, q := range s.Queues {
		out.Queues = append(out.Queues, queueJSON{QueueStats: q, Breach: q.Breach(),
			LongestWaitText: clock(q.LongestWait), ServicePercent: int(q.ServiceLevel*100 + 0.5)})
	}
	for _, a := range s.Agents {
		out.Agents = append(out.Agents, agentJSON{AgentState: a, InStateText: clock(a.InStateFor)})
	}
	return out
}

// clock renders a duration as m:ss (or h:mm:ss).
func clock(d time.Duration) string {
	d = max(d, 0).Round(time.Second)
	h, m, sec := int(d/time.Hour), int(d/time.Minute)%60, int(d/time.Second)%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%d:%02d", m, sec)
}

func (s *Server) wallboardPage(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Live == nil {
		s.render(w, r, http.StatusOK, "wallboard", pageData{Title: "Wallboard", Nav: "wallboard", Error: "The distributor is not running on this appliance."})
		return
	}
	snap, err := s.cfg.Live.Snapshot(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "wallboard", pageData{Title: "Wallboard", Nav: "wallboard", Data: toWallboard(snap)})
}

func (s *Server) apiWallboard(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Live == nil {
		writeError(w, http.StatusNotFound, "the distributor is not running")
		return
	}
	snap, err := s.cfg.Live.Snapshot(r.Context())
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toWallboard(snap))
}

// setPresence applies a presence change for agent, checking its shape.
func (s *Server) setPresence(w http.ResponseWriter, r *http.Request, agent string) {
	if s.cfg.Live == nil {
		writeError(w, http.StatusNotFound, "the distributor is not running")
		return
	}
	var pc PresenceChange
	if err := readJSON(r, &pc); err != nil {
		writeError(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		return
	}
	switch pc.Presence {
	case PresenceAvailable, PresenceOffline:
	case PresenceAway:
		if len(pc.Reason) > 64 {
			writeError(w, http.StatusUnprocessableEntity, "reason: at most 64 characters")
			return
		}
	default:
		writeError(w, http.StatusUnprocessableEntity, "presence must be available, away or offline")
		return
	}
	err := s.cfg.Live.SetPresence(r.Context(), agent, pc)
	if errors.Is(err, ErrUnknownAgent) {
		writeError(w, http.StatusNotFound, "no such agent")
		return
	}
	if errors.Is(err, ErrBadPresence) {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiMyPresence(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	s.setPresence(w, r, p.Name)
}

func (s *Server) apiAgentPresence(w http.ResponseWriter, r *http.Request) {
	s.setPresence(w, r, r.PathValue("agent"))
}
