package sip

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-cc/switchboard/sip/digest"
	"github.com/switchboard-cc/switchboard/sip/registrar"
)

// allowed lists the methods the appliance answers, for Allow headers.
const allowed = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO"

// routes installs the request handlers.
func (s *Server) routes() {
	s.srv.OnRegister(s.guarded(s.handleRegister))
	s.srv.OnOptions(s.guarded(s.handleOptions))
	s.srv.OnInvite(s.guarded(s.handleInvite))
	s.srv.OnAck(s.guarded(s.calls.HandleAck))
	s.srv.OnBye(s.guarded(s.calls.HandleBye))
	s.srv.OnInfo(s.guarded(s.calls.HandleInfo))
	s.srv.OnCancel(s.guarded(func(req *sip.Request, tx sip.ServerTransaction) {
		s.respond(req, tx, Status(481, "Call/Transaction Does Not Exist", nil))
	}))
	s.srv.OnNoRoute(s.guarded(func(req *sip.Request, tx sip.ServerTransaction) {
		res := sip.NewResponseFromRequest(req, 405, "Method Not Allowed", nil)
		res.AppendHeader(sip.NewHeader("Allow", allowed))
		tx.Respond(res)
	}))
}

// guarded wraps a handler so that requests from scanners and banned
// sources are dropped without an answer, and a panic in one request never
// stops the service.
func (s *Server) guarded(h func(*sip.Request, sip.ServerTransaction)) func(*sip.Request, sip.ServerTransaction) {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("sip: handler panic", "method", req.Method, "source", req.Source(), "panic", r)
				s.respond(req, tx, Status(500, "Server Internal Error", nil))
			}
		}()
		src := sourceOf(req)
		if s.guard.Banned(src.Addr()) {
			tx.Terminate()
			return
		}
		if ua := req.GetHeader("User-Agent"); ua != nil && s.guard.Scanner(ua.Value()) {
			s.log.Debug("sip: dropped a scanner", "source", src, "user_agent", ua.Value())
			tx.Terminate()
			return
		}
		h(req, tx)
	}
}

// respond answers req with the status err carries.
func (s *Server) respond(req *sip.Request, tx sip.ServerTransaction, err error) {
	code, reason := statusOf(err)
	if code >= 500 {
		s.log.Error("sip: request failed", "method", req.Method, "source", req.Source(), "err", err)
	}
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	if code == 405 {
		res.AppendHeader(sip.NewHeader("Allow", allowed))
	}
	tx.Respond(res)
}

func (s *Server) handleOptions(req *sip.Request, tx sip.ServerTransaction) {
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	res.AppendHeader(sip.NewHeader("Allow", allowed))
	res.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
	tx.Respond(res)
}

// authenticate checks a request's digest credentials (header
// "Authorization" for REGISTER, "Proxy-Authorization" for calls). On
// failure it has answered the request and returns "".
func (s *Server) authenticate(req *sip.Request, tx sip.ServerTransaction, header string) string {
	var values []string
	for _, h := range req.GetHeaders(header) {
		values = append(values, h.Value())
	}
	user, res := s.auth.Verify(string(req.Method), values, s.credentials)
	src := sourceOf(req)
	switch res {
	case digest.OK:
		s.guard.Success(src.Addr())
		return user
	case digest.Invalid:
		if s.guard.Failure(src.Addr()) {
			s.log.Warn("sip: source banned after repeated authentication failures", "source", src.Addr(), "user", user)
		}
		s.respond(req, tx, Status(403, "Forbidden", nil))
		return ""
	}
	code, reason, challenge := 401, "Unauthorized", "WWW-Authenticate"
	if header == "Proxy-Authorization" {
		code, reason, challenge = 407, "Proxy Authentication Required", "Proxy-Authenticate"
	}
	resp := sip.NewResponseFromRequest(req, code, reason, nil)
	for _, c := range s.auth.Challenges(res == digest.Stale) {
		resp.AppendHeader(sip.NewHeader(challenge, c))
	}
	tx.Respond(resp)
	return ""
}

// handleRegister runs RFC 3261 §10.3.
func (s *Server) handleRegister(req *sip.Request, tx sip.ServerTransaction) {
	to := req.To()
	if to == nil || req.CallID() == nil || req.CSeq() == nil {
		s.respond(req, tx, Status(400, "Bad Request", nil))
		return
	}
	user := s.authenticate(req, tx, "Authorization")
	if user == "" {
		return
	}
	if to.Address.User != user {
		s.respond(req, tx, Status(403, "Forbidden", errors.New("credentials of another extension")))
		return
	}
	r := registrar.Request{AOR: user, Expires: -1, CallID: req.CallID().Value(), CSeq: req.CSeq().SeqNo,
		Source: sourceOf(req), Transport: req.Transport()}
	if ua := req.GetHeader("User-Agent"); ua != nil {
		r.UserAgent = ua.Value()
	}
	if e := req.GetHeader("Expires"); e != nil {
		secs, err := strconv.ParseUint(strings.TrimSpace(e.Value()), 10, 32)
		if err != nil {
			s.respond(req, tx, Status(400, "Bad Expires", err))
			return
		}
		r.Expires = time.Duration(secs) * time.Second
	}
	for _, h := range req.GetHeaders("Contact") {
		c, ok := h.(*sip.ContactHeader)
		if !ok {
			continue
		}
		if c.Address.Wildcard {
			r.Wildcard = true
			continue
		}
		u := registrar.Update{Contact: c.Address.String(), Expires: -1}
		if v, ok := c.Params.Get("expires"); ok {
			secs, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				s.respond(req, tx, Status(400, "Bad Contact expires", err))
				return
			}
			u.Expires = time.Duration(secs) * time.Second
		}
		r.Contacts = append(r.Contacts, u)
	}
	bindings, err := s.reg.Apply(r)
	switch {
	case errors.Is(err, registrar.ErrIntervalTooBrief):
		res := sip.NewResponseFromRequest(req, 423, "Interval Too Brief", nil)
		res.AppendHeader(sip.NewHeader("Min-Expires", strconv.Itoa(int(s.reg.MinExpires().Seconds()))))
		tx.Respond(res)
		return
	case errors.Is(err, registrar.ErrBadRequest):
		s.respond(req, tx, Status(400, "Bad Request", err))
		return
	case errors.Is(err, registrar.ErrOutOfOrder):
		s.respond(req, tx, Status(500, "Out Of Order", err))
		return
	case errors.Is(err, registrar.ErrTooManyContacts):
		s.respond(req, tx, Status(403, "Too Many Contacts", err))
		return
	case err != nil:
		s.respond(req, tx, err)
		return
	}
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	now := time.Now()
	for _, b := range bindings {
		secs := max(int(b.Expires.Sub(now).Round(time.Second).Seconds()), 0)
		res.AppendHeader(sip.NewHeader("Contact", b.Contact+";expires="+strconv.Itoa(secs)))
	}
	res.AppendHeader(sip.NewHeader("Date", now.UTC().Format(time.RFC1123)))
	tx.Respond(res)
}

// handleInvite authenticates a new call and hands it to the B2BUA;
// requests inside a dialog go to the B2BUA directly.
func (s *Server) handleInvite(req *sip.Request, tx sip.ServerTransaction) {
	if to := req.To(); to != nil && to.Params.Has("tag") {
		s.calls.HandleReinvite(req, tx)
		return
	}
	caller := s.authenticate(req, tx, "Proxy-Authorization")
	if caller == "" {
		return
	}
	s.calls.HandleInvite(req, tx, caller)
}

// sourceOf is where a request really came from (the packet's source).
func sourceOf(req *sip.Request) netip.AddrPort {
	ap, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// locate returns the contacts registered for an extension, for the B2BUA.
func (s *Server) locate(number string) []registrar.Binding { return s.reg.Lookup(number) }
