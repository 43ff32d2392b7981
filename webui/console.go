package webui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

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
	// Items is set when the console can show the agent's offers.
	Items    bool
	Presence string
	Reason   string
	// Mail is set when a mailbox is configured; Emails are the agent's.
	Mail   bool
	Emails []emailItem
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
		_, d.Items = s.cfg.Live.(AgentItems)
		for _, a := range snap.Agents {
			if a.Name == p.Name {
				d.Presence, d.Reason = a.Presence, a.Reason
			}
		}
	}
	if s.mailActive() {
		p, _ := auth.FromContext(r.Context())
		emails, err := s.myEmails(r.Context(), p.Name)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		d.Mail, d.Emails = true, emails
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

// maxNote bounds a note an agent adds to a customer's timeline.
const maxNote = 2000

// addNote records an agent's note on customer id's timeline.
func (s *Server) addNote(r *http.Request, id, text string) error {
	cid, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return customer.ErrNotFound
	}
	if _, err := s.cfg.Customers.Get(r.Context(), cid); err != nil {
		return err
	}
	p, _ := auth.FromContext(r.Context())
	now := time.Now()
	_, err = s.cfg.Customers.Record(r.Context(), cid, customer.Entry{
		Channel: customer.ChannelNote, Kind: "note", At: now, Summary: text,
		Ref:    fmt.Sprintf("webui-%s-%d", p.Name, now.UnixNano()),
		Detail: map[string]string{"agent": p.Name},
	})
	return err
}

// noteText is the trimmed note, or "" when it is empty or too long.
func noteText(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxNote {
		return ""
	}
	return s
}

func (s *Server) noteSubmit(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	text := noteText(r.PostFormValue("note"))
	if text == "" {
		http.Error(w, fmt.Sprintf("a note is 1 to %d characters", maxNote), http.StatusUnprocessableEntity)
		return
	}
	err := s.addNote(r, id, text)
	switch {
	case errors.Is(err, customer.ErrNotFound):
		http.NotFound(w, r)
	case err != nil:
		s.serverError(w, r, err)
	default:
		http.Redirect(w, r, "/console?customer="+url.QueryEscape(id), http.StatusSeeOther)
	}
}

func (s *Server) apiAddNote(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Text string `json:"text"`
	}
	if err := readJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		return
	}
	text := noteText(in.Text)
	if text == "" {
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("text: 1 to %d characters", maxNote))
		return
	}
	err := s.addNote(r, r.PathValue("id"), text)
	switch {
	case errors.Is(err, customer.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such customer")
	case err != nil:
		s.apiServerError(w, r, err)
	default:
		w.WriteHeader(http.StatusCreated)
	}
}
