package sip

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-cc/switchboard/sip/digest"
	"github.com/switchboard-cc/switchboard/sip/registrar"
)

// allowed lists the methods the appliance answers, for Allow headers.
const allowed = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, REFER"

// routes installs the request handlers.
func (s *Server) routes() {
	s.srv.OnRegister(s.guarded(s.handleRegister))
	s.srv.OnOptions(s.guarded(s.handleOptions))
	s.srv.OnInvite(s.guarded(s.handleInvite))
	s.srv.OnAck(s.guarded(stateless(s.calls.HandleAck)))
	s.srv.OnBye(s.guarded(s.handleBye))
	s.srv.OnInfo(s.guarded(s.handleInfo))
	s.srv.OnRefer(s.guarded(s.calls.HandleRefer))
	s.srv.OnCancel(s.guarded(stateless(func(req *sip.Request, tx sip.ServerTransaction) {
		s.respond(req, tx, Status(481, "Call/Transaction Does Not Exist", nil))
	})))
	s.srv.OnNoRoute(s.guarded(stateless(func(req *sip.Request, tx sip.ServerTransaction) {
		res := sip.NewResponseFromRequest(req, 405, "Method Not Allowed", nil)
		res.AppendHeader(sip.NewHeader("Allow", allowed))
		tx.Respond(res)
	})))
}

// guarded wraps a handler so that requests from scanners and banned
// sources are dropped without an answer, requests sipgo parsed but RFC
// 3261 refuses are answered without reaching it (see validate), a panic in
// one request never stops the service, and shutdown waits for the handler
// before the user agent closes (see inflight).
func (s *Server) guarded(h func(*sip.Request, sip.ServerTransaction)) func(*sip.Request, sip.ServerTransaction) {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		if !s.handlers.enter() {
			tx.Terminate()
			return
		}
		defer s.handlers.leave()
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
		if !sip.IsReliable(req.Transport()) {
			tx = largeTx{ServerTransaction: tx, udp: s.udp}
		}
		if r := validate(req); r != nil {
			s.reject(req, tx, r)
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

// handleOptions answers statelessly (RFC 3261 §8.2.7): the transaction
// ends with the answer and a retransmission is answered afresh.
func (s *Server) handleOptions(req *sip.Request, tx sip.ServerTransaction) {
	defer tx.Terminate()
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	res.AppendHeader(sip.NewHeader("Allow", allowed))
	res.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
	tx.Respond(res)
}

// checkCredentials verifies a request's digest credentials (header
// "Authorization" for REGISTER, "Proxy-Authorization" for calls) and
// tells the guard how the source did.
func (s *Server) checkCredentials(req *sip.Request, header string) (string, digest.Result) {
	var buf [2]string
	values := buf[:0]
	for _, h := range req.GetHeaders(header) {
		values = append(values, h.Value())
	}
	user, res := s.auth.Verify(string(req.Method), values, s.credentials)
	src := sourceOf(req)
	switch res {
	case digest.OK:
		s.guard.Success(src.Addr())
	case digest.Invalid:
		if s.guard.Failure(src.Addr()) {
			s.log.Warn("sip: source banned after repeated authentication failures", "source", src.Addr(), "user", user)
		}
	}
	return user, res
}

// authenticate checks a call's Proxy-Authorization. On failure it has
// answered the request and returns "".
func (s *Server) authenticate(req *sip.Request, tx sip.ServerTransaction) string {
	user, res := s.checkCredentials(req, "Proxy-Authorization")
	switch res {
	case digest.OK:
		return user
	case digest.Invalid:
		s.respond(req, tx, Status(403, "Forbidden", nil))
		return ""
	}
	resp := sip.NewResponseFromRequest(req, 407, "Proxy Authentication Required", nil)
	for _, c := range s.auth.Challenges(time.Now(), res == digest.Stale) {
		resp.AppendHeader(sip.NewHeader("Proxy-Authenticate", c))
	}
	tx.Respond(resp)
	return ""
}

// answerWindow is how long the answer to a REGISTER over UDP is kept for
// its retransmissions (kept one to two windows): T2, the longest
// interval between retransmissions, instead of Timer J's 64·T1.
const answerWindow = 4 * time.Second

// registerAnswer is how a REGISTER was answered; a retransmission of it
// gets the same answer.
type registerAnswer uint8

// The answers to a REGISTER, indexes of registerStatus.
const (
	registerOK registerAnswer = iota
	registerOtherUser
	registerBadExpires
	registerBadContactExpires
	registerTooBrief
	registerBadRequest
	registerOutOfOrder
	registerTooManyContacts
	registerFailed
	registerChallenge
	registerStale
	registerInvalid
)

var registerStatus = [...]struct {
	code   int
	reason string
}{
	registerOK:                {200, "OK"},
	registerOtherUser:         {403, "Forbidden"},
	registerBadExpires:        {400, "Bad Expires"},
	registerBadContactExpires: {400, "Bad Contact expires"},
	registerTooBrief:          {423, "Interval Too Brief"},
	registerBadRequest:        {400, "Bad Request"},
	registerOutOfOrder:        {500, "Out Of Order"},
	registerTooManyContacts:   {403, "Too Many Contacts"},
	registerFailed:            {500, "Server Internal Error"},
	registerChallenge:         {401, "Unauthorized"},
	registerStale:             {401, "Unauthorized"},
	registerInvalid:           {403, "Forbidden"},
}

// sentAnswer is what a REGISTER was answered, enough to send the same
// answer again. It holds no pointer (see registrar.Answers).
type sentAnswer struct {
	answer registerAnswer
	tag    uint64 // the To tag
	issued int64  // a challenge's nonce time, Unix ns
}

// sipDate is the Date header's format (RFC 3261 §20.17).
const sipDate = "Mon, 02 Jan 2006 15:04:05 GMT"

// handleRegister runs RFC 3261 §10.3.
//
// The server transaction ends as soon as the answer is sent instead of
// lingering through Timer J (64·T1 = 32 s over UDP), which at thousands
// of REGISTERs a second held hundreds of megabytes of parsed requests,
// responses and timers. Timer J only absorbs retransmissions of a request
// whose answer was lost or late; here s.answers keeps, for answerWindow,
// a few dozen bytes per request from which the same answer is rebuilt: the
// same challenge (To tag and nonce), or for an authenticated request the
// same status without authenticating (its nonce count is used) or
// applying (its CSeq is no longer new) it again, a 200 listing the
// extension's current bindings. A retransmission arriving later still
// (the answer and three retransmissions of it lost) is answered afresh,
// as RFC 3261 §8.2.7 lets a stateless server do: a new challenge, or for
// credentials already used a stale challenge, after which the phone
// registers again. The cost of the shorter window is that extra round
// trip on a very lossy path; keeping Timer J's 32 s would take eight
// times the memory.
func (s *Server) handleRegister(req *sip.Request, tx sip.ServerTransaction) {
	defer tx.Terminate()
	to := req.To()
	t, keep, ok := transactionOf(req)
	if to == nil || !ok {
		s.respond(req, tx, Status(400, "Bad Request", nil))
		return
	}
	now := time.Now()
	if keep {
		if sent, ok := s.answers.Get(t, now); ok {
			s.answerRegister(req, tx, sent, s.reg.Lookup(to.Address.User))
			return
		}
	}
	sent := sentAnswer{tag: rand.Uint64(), issued: now.UnixNano()}
	var bindings []registrar.Binding
	switch user, res := s.checkCredentials(req, "Authorization"); res {
	case digest.OK:
		sent.answer, bindings = s.register(req, user, t)
	case digest.Missing:
		sent.answer = registerChallenge
	case digest.Stale:
		sent.answer = registerStale
	default:
		sent.answer = registerInvalid
	}
	if keep {
		s.answers.Put(t, sent, now)
	}
	s.answerRegister(req, tx, sent, bindings)
}

// register applies an authenticated REGISTER of user and returns the
// answer and, with registerOK, the bindings after it.
func (s *Server) register(req *sip.Request, user string, t registrar.Transaction) (registerAnswer, []registrar.Binding) {
	if req.To().Address.User != user {
		return registerOtherUser, nil
	}
	r := registrar.Request{AOR: user, Expires: -1, CallID: t.CallID, CSeq: t.CSeq, Source: t.Source, Transport: req.Transport()}
	if ua := req.GetHeader("User-Agent"); ua != nil {
		r.UserAgent = ua.Value()
	}
	if e := req.GetHeader("Expires"); e != nil {
		secs, err := strconv.ParseUint(strings.TrimSpace(e.Value()), 10, 32)
		if err != nil {
			return registerBadExpires, nil
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
				return registerBadContactExpires, nil
			}
			u.Expires = time.Duration(secs) * time.Second
		}
		r.Contacts = append(r.Contacts, u)
	}
	bindings, err := s.reg.Apply(r)
	switch {
	case err == nil:
		return registerOK, bindings
	case errors.Is(err, registrar.ErrIntervalTooBrief):
		return registerTooBrief, nil
	case errors.Is(err, registrar.ErrBadRequest):
		return registerBadRequest, nil
	case errors.Is(err, registrar.ErrOutOfOrder):
		return registerOutOfOrder, nil
	case errors.Is(err, registrar.ErrTooManyContacts):
		return registerTooManyContacts, nil
	}
	s.log.Error("sip: request failed", "method", req.Method, "source", req.Source(), "err", err)
	return registerFailed, nil
}

// answerRegister sends the answer sent describes, with the bindings in a
// 200.
func (s *Server) answerRegister(req *sip.Request, tx sip.ServerTransaction, sent sentAnswer, bindings []registrar.Binding) {
	st := registerStatus[sent.answer]
	res := sip.NewResponseFromRequest(req, st.code, st.reason, nil)
	if to := res.To(); to != nil && !req.To().Params.Has("tag") {
		to.Params.Add("tag", strconv.FormatUint(sent.tag, 16))
	}
	switch sent.answer {
	case registerChallenge, registerStale:
		for _, c := range s.auth.Challenges(time.Unix(0, sent.issued), sent.answer == registerStale) {
			res.AppendHeader(sip.NewHeader("WWW-Authenticate", c))
		}
	case registerTooBrief:
		res.AppendHeader(sip.NewHeader("Min-Expires", strconv.Itoa(int(s.reg.MinExpires().Seconds()))))
	case registerOK:
		now := time.Now()
		for _, b := range bindings {
			secs := max(int(b.Expires.Sub(now).Round(time.Second).Seconds()), 0)
			res.AppendHeader(sip.NewHeader("Contact", b.Contact+";expires="+strconv.Itoa(secs)))
		}
		res.AppendHeader(sip.NewHeader("Date", now.UTC().Format(sipDate)))
	}
	tx.Respond(res)
}

// transactionOf identifies the server transaction of req for answering its
// retransmissions (see registrar.Answers); keep is false when they need
// no answer kept (a reliable transport, or a pre-RFC 3261 branch that
// cannot be matched), ok false when req lacks a Call-ID or CSeq.
func transactionOf(req *sip.Request) (t registrar.Transaction, keep, ok bool) {
	if req.CallID() == nil || req.CSeq() == nil {
		return t, false, false
	}
	t = registrar.Transaction{Source: sourceOf(req), CallID: req.CallID().Value(), CSeq: req.CSeq().SeqNo}
	if via := req.Via(); via != nil {
		t.Branch, _ = via.Params.Get("branch")
	}
	keep = strings.HasPrefix(t.Branch, sip.RFC3261BranchMagicCookie) && !sip.IsReliable(req.Transport())
	return t, keep, true
}

// byeAnswer is the status a BYE was answered with.
type byeAnswer struct {
	code uint16
}

// handleBye hands a BYE to the B2BUA and ends its server transaction as
// soon as it is answered, as handleRegister does and for the same reason:
// at hundreds of calls a second, BYE transactions kept through Timer J
// (32 s) held tens of megabytes. s.byes keeps each answer's status for
// answerWindow, and a retransmission gets the same status again; one
// arriving later still finds the dialog gone and gets 481, which ends
// the dialog for its sender just as well (RFC 3261 §15.1.1: any final
// response to a BYE terminates the session).
func (s *Server) handleBye(req *sip.Request, tx sip.ServerTransaction) {
	defer tx.Terminate()
	t, keep, ok := transactionOf(req)
	if !ok {
		s.respond(req, tx, Status(400, "Bad Request", nil))
		return
	}
	now := time.Now()
	if keep {
		if sent, ok := s.byes.Get(t, now); ok {
			tx.Respond(sip.NewResponseFromRequest(req, int(sent.code), byeReason(sent.code), nil))
			return
		}
	}
	rec := &statusTx{ServerTransaction: tx}
	s.calls.HandleBye(req, rec)
	if keep && rec.code != 0 {
		s.byes.Put(t, byeAnswer{code: uint16(rec.code)}, now)
	}
}

// byeReason is the reason phrase of a repeated answer to a BYE.
func byeReason(code uint16) string {
	switch code {
	case 200:
		return "OK"
	case 481:
		return "Call/Transaction Does Not Exist"
	}
	return "Server Internal Error"
}

// statusTx is a server transaction that remembers the status of its
// final response.
type statusTx struct {
	sip.ServerTransaction
	code int
}

// Respond sends res and keeps its status when it is final.
func (t *statusTx) Respond(res *sip.Response) error {
	if res.StatusCode >= 200 {
		t.code = res.StatusCode
	}
	return t.ServerTransaction.Respond(res)
}

// handleInvite hands a new call to the B2BUA: from a trunk (see
// trunkCall), or from an authenticated extension to another extension or,
// when trunks exist, out to the phone network; requests inside a dialog go
// to the B2BUA directly.
func (s *Server) handleInvite(req *sip.Request, tx sip.ServerTransaction) {
	if to := req.To(); to != nil && to.Params.Has("tag") {
		s.calls.HandleReinvite(req, tx)
		return
	}
	if s.trunkCall(req, tx) {
		return
	}
	caller := s.authenticate(req, tx)
	if caller == "" {
		// The challenge (or refusal) is answered statelessly, as the
		// REGISTER's: the transaction is not kept through Timer G/H and I
		// waiting for the ACK and absorbing retransmissions. A
		// retransmitted INVITE gets a fresh challenge, and the ACK of the
		// 407, with no transaction left, is dropped (its CSeq matches no
		// dialog).
		tx.Terminate()
		return
	}
	if s.calls.HandleLocal(req, tx, caller) {
		return
	}
	if s.trunks != nil && !s.extensionExists(req.Recipient.User) {
		s.calls.HandleOutbound(req, tx, caller)
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
