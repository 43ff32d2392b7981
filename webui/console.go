package webui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboard-cc/switchboard/chat"
	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

// timelineLimit bounds the entries a screen pop shows.
const timelineLimit = 100

// Chat is the web chat (chat.Server satisfies it): its public handler
// (widget.js and the visitor WebSocket) is mounted at /chat/, its agent
// side at /console/chat/ behind the agent's session.
type Chat interface {
	Handler() http.Handler
	AgentHandler() http.Handler
}

var _ Chat = (*chat.Server)(nil)

// MountChat mounts the chat's handlers; call it before Serve. The chat
// server authenticates agent requests with AgentFromRequest.
func (s *Server) MountChat(c Chat) {
	agent := http.StripPrefix("/console/chat", c.AgentHandler())
	public := http.StripPrefix("/chat", c.Handler())
	s.chat.Store(&agent)
	s.chatPublic.Store(&public)
}

// AgentFromRequest returns the user name of the session or token behind r
// when its role may use the console (agent or above): the agent identity
// the chat and console handlers use.
func (s *Server) AgentFromRequest(r *http.Request) (string, bool) {
	p, err := s.auth.Authenticate(r)
	if err != nil || !p.Role.Allows(auth.RoleAgent) {
		return "", false
	}
	return p.Name, true
}

func (s *Server) serveChatPublic(w http.ResponseWriter, r *http.Request) {
	h := s.chatPublic.Load()
	if h == nil {
		http.NotFound(w, r)
		return
	}
	(*h).ServeHTTP(w, r)
}

func (s *Server) serveChat(w http.ResponseWriter, r *http.Request) {
	h := s.chat.Load()
	if h == nil {
		http.NotFound(w, r)
		return
	}
	(*h).ServeHTTP(w, r)
}

// screenPop is a customer with the newest entries of their timeline.
type screenPop struct {
	Customer customer.Customer `json:"customer"`
	Timeline []customer.Entry  `json:"timeline"`
}

// consoleData is what the console template shows.
type consoleData struct {
	Query     string
	Results   []customer.Customer
	Pop       *screenPop
	Customers bool
	Chat      bool
	Live      bool
	Presence  string
	Reason    string
}

func (s *Server) consolePage(w http.ResponseWriter, r *http.Request) {
	d := consoleData{Query: strings.TrimSpace(r.URL.Query().Get("q")), Customers: s.cfg.Customers != nil, Chat: s.chat.Load() != nil}
	status := http.StatusOK
	var msg string
	if s.cfg.Live != nil {
		snap, err := s.cfg.Live.Snapshot(r.Context())
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		p, _ := auth.FromContext(r.Context())
		d.Live, d.Presence = true, PresenceOffline
		for _, a := range snap.Agents {
			if a.Name == p.Name {
				d.Presence, d.Reason = a.Presence, a.Reason
			}
		}
	}
	if d.Customers {
		if d.Query != "" {
			res, err := s.cfg.Customers.Search(r.Context(), d.Query, 20)
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			d.Results = res
		}
		if id := r.URL.Query().Get("customer"); id != "" {
			pop, err := s.screenPop(r, id)
			switch {
			case errors.Is(err, customer.ErrNotFound), errors.Is(err, strconv.ErrSyntax), errors.Is(err, strconv.ErrRange):
				status, msg = http.StatusNotFound, "No such customer."
			case err != nil:
				s.serverError(w, r, err)
				return
			default:
				d.Pop = &pop
			}
		}
	}
	s.render(w, r, status, "console", pageData{Title: "Agent console", Nav: "console", Error: msg, Data: d})
}

func (s *Server) screenPop(r *http.Request, id string) (screenPop, error) {
	cid, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return screenPop{}, err
	}
	c, err := s.cfg.Customers.Get(r.Context(), cid)
	if err != nil {
		return screenPop{}, err
	}
	tl, err := s.cfg.Customers.Timeline(r.Context(), cid, timelineLimit)
	if err != nil {
		return screenPop{}, err
	}
	return screenPop{Customer: c, Timeline: tl}, nil
}

func (s *Server) apiCustomers(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Customers == nil {
		writeError(w, http.StatusNotFound, "customers are not available")
		return
	}
	res, err := s.cfg.Customers.Search(r.Context(), r.URL.Query().Get("q"), 50)
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	if res == nil {
		res = []customer.Customer{}
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) apiCustomer(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Customers == nil {
		writeError(w, http.StatusNotFound, "customers are not available")
		return
	}
	pop, err := s.screenPop(r, r.PathValue("id"))
	switch {
	case errors.Is(err, customer.ErrNotFound), errors.Is(err, strconv.ErrSyntax), errors.Is(err, strconv.ErrRange):
		writeError(w, http.StatusNotFound, "no such customer")
	case err != nil:
		s.apiServerError(w, r, err)
	default:
		if pop.Timeline == nil {
			pop.Timeline = []customer.Entry{}
		}
		writeJSON(w, http.StatusOK, pop)
	}
}
