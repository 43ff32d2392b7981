package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/clientaddr"
	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// inFrame is any frame a visitor or an agent sends; fields depend on Type.
type inFrame struct {
	Type        string `json:"type"`
	Token       string `json:"token"`
	Chat        string `json:"chat"`
	CID         string `json:"cid"`
	Text        string `json:"text"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	Phone       string `json:"phone"`
	Intent      string `json:"intent"`
	Disposition string `json:"disposition"`
	ToAgent     string `json:"to_agent"`
	ToQueue     string `json:"to_queue"`
}

// Limits on pre-chat fields and ids.
const (
	maxField = 200
	maxCID   = 64
	// maxTranscripts bounds the transcripts one chat may send, so that
	// the widget cannot be used to mail strangers.
	maxTranscripts = 3
)

// Handler returns the public handler, to mount under /chat/ (with the
// prefix stripped): GET widget.js serves the widget, GET start/NAME a page
// of the appliance's own that opens widget NAME, GET ws?widget=NAME is the
// visitor WebSocket.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /widget.js", serveWidget)
	mux.HandleFunc("GET /start/{widget}", s.serveStart)
	mux.HandleFunc("GET /ws", s.serveVisitor)
	return mux
}

// checkOrigin returns the widget of r when r's Origin is allowed for it.
func (s *Server) checkOrigin(r *http.Request) (Widget, error) {
	name := r.URL.Query().Get("widget")
	s.mu.Lock()
	w, ok := s.widgets[name]
	allowed := s.origins[name]
	s.mu.Unlock()
	if !ok {
		return w, fmt.Errorf("%w: %q", ErrUnknownWidget, name)
	}
	o, err := canonicalOrigin(r.Header.Get("Origin"))
	if err != nil || !(allowed[o] || sameHost(o, r.Host)) {
		return w, fmt.Errorf("%w: %q for widget %q", ErrOrigin, r.Header.Get("Origin"), name)
	}
	return w, nil
}

// visitor is the state of one visitor connection.
type visitor struct {
	s      *Server
	c      *conn
	widget Widget
	ip     string // the remote address, for the per-address limits
	token  string
	ss     *session // nil until hello finds or start creates a session
	rate   bucket
	// reason is why the pre-chat form found nobody to chat with; it
	// allows leave_message and callback.
	reason string
	form   inFrame
	custID int64
}

func (s *Server) serveVisitor(w http.ResponseWriter, r *http.Request) {
	widget, err := s.checkOrigin(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	ip := clientaddr.Key(r.RemoteAddr)
	s.mu.Lock()
	full := s.perIP[ip] >= s.cfg.MaxConnsPerIP
	if !full {
		s.perIP[ip]++
	}
	s.mu.Unlock()
	if full {
		http.Error(w, "chat: too many connections", http.StatusTooManyRequests)
		return
	}
	defer func() {
		s.mu.Lock()
		if s.perIP[ip]--; s.perIP[ip] == 0 {
			delete(s.perIP, ip)
		}
		s.mu.Unlock()
	}()
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true}) // origin checked above, per widget
	if err != nil {
		return
	}
	ws.SetReadLimit(int64(s.cfg.MaxMessage) + 4096)
	v := &visitor{s: s, widget: widget, ip: ip, rate: bucket{rate: s.cfg.Rate, burst: float64(s.cfg.Burst)}}
	v.c = newConn(s.ctx, ws)
	v.c.firstFrame = s.cfg.HelloTimeout
	s.serveConn(v.c, v.handle, v.detach)
}

// serveConn runs a connection: the writer goroutine, the read loop feeding
// handle, then detach; it returns after the writer has stopped.
func (s *Server) serveConn(c *conn, handle func([]byte) error, detach func()) {
	var wg sync.WaitGroup
	wg.Go(c.writeLoop)
	wg.Go(func() { c.pingLoop(s.cfg.PingInterval) })
	var cause error
	failed := false // cause came from handle, not from the peer or the socket
	for first := true; ; first = false {
		data, err := c.read(first)
		if err != nil {
			cause = err
			break
		}
		if err := handle(data); err != nil {
			cause, failed = err, true
			break
		}
	}
	switch {
	case errors.Is(cause, errFlood):
		c.tellRate()
		c.ws.Close(websocket.StatusPolicyViolation, cause.Error())
	case errors.Is(cause, errNoHello):
		c.ws.Close(websocket.StatusPolicyViolation, cause.Error())
	case errors.Is(cause, errBadRequest):
		c.ws.Close(websocket.StatusUnsupportedData, clipString(cause.Error(), 120))
	case failed && c.ctx.Err() == nil:
		c.ws.Close(websocket.StatusInternalError, "chat: internal error")
		s.log.Error("chat: connection", "err", cause)
	default:
		c.ws.CloseNow()
	}
	c.cancel(cause)
	wg.Wait()
	detach()
}

func (v *visitor) detach() {
	if v.ss == nil {
		return
	}
	v.s.mu.Lock()
	delete(v.ss.visitors, v.c)
	v.s.mu.Unlock()
}

func (v *visitor) reply(m map[string]any) { v.c.send(frame(m)) }

func (v *visitor) fail(code string, err error) {
	v.reply(map[string]any{"type": "error", "code": code, "error": err.Error()})
}

func (v *visitor) handle(data []byte) error {
	if !v.rate.allow(v.s.cfg.Now()) {
		return errFlood
	}
	var f inFrame
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("%w: %v", errBadRequest, err)
	}
	ctx := v.c.ctx
	if v.token == "" && f.Type != "hello" {
		return fmt.Errorf("%w: hello first", errBadRequest)
	}
	switch f.Type {
	case "hello":
		return v.hello(ctx, f)
	case "start":
		return v.start(ctx, f)
	case "msg":
		if v.ss == nil {
			v.fail("no_chat", ErrNoSession)
			return nil
		}
		if len(f.CID) > maxCID {
			return fmt.Errorf("%w: cid too long", errBadRequest)
		}
		if !v.s.allowMessage(v.ss) {
			return errFlood
		}
		m, err := v.s.post(ctx, v.ss, store.ChatMessage{Sender: "visitor", Body: f.Text, ClientID: f.CID})
		if errors.Is(err, ErrTooLong) {
			v.fail("too_long", err)
			return nil
		}
		if errors.Is(err, ErrNoSession) {
			v.fail("no_chat", err)
			return nil
		}
		if err != nil {
			return err
		}
		v.c.send(frame(ackFrame{Type: "ack", CID: f.CID, Seq: m.Seq}))
	case "typing":
		if v.ss != nil {
			v.s.mu.Lock()
			if v.ss.row.State == StateActive {
				v.s.toAgentLocked(v.ss.row.Agent, frame(map[string]any{"type": "typing", "chat": v.ss.row.ID}))
			}
			v.s.mu.Unlock()
		}
	case "end":
		if v.ss != nil {
			if err := v.s.closeSession(ctx, v.ss, "visitor-ended", true); err != nil && !errors.Is(err, ErrNoSession) {
				return err
			}
		}
	case "transcript":
		v.transcript(ctx, f)
	case "leave_message", "callback":
		v.leave(ctx, f)
	default:
		return fmt.Errorf("%w: unknown type %q", errBadRequest, clipString(f.Type, 32))
	}
	return nil
}

// hello attaches the connection to the visitor's open session, if any, and
// replays its history.
func (v *visitor) hello(ctx context.Context, f inFrame) error {
	if v.token != "" {
		return fmt.Errorf("%w: second hello", errBadRequest)
	}
	tok := f.Token
	if len(tok) != 32 || strings.Trim(tok, "0123456789abcdef") != "" {
		tok = newID()
	}
	v.token = tok
	s := v.s
	s.mu.Lock()
	ss := s.byToken[v.widget.Name+"\x00"+tok]
	if ss != nil {
		ss.visitors[v.c] = struct{}{}
		v.ss = ss
	}
	s.mu.Unlock()
	welcome := map[string]any{"type": "welcome", "token": tok, "state": "form", "lang": s.cfg.Language(ctx)}
	if ss != nil {
		hist, err := s.history(ctx, ss.row.ID)
		if err != nil {
			return err
		}
		s.mu.Lock()
		welcome["state"] = ss.row.State
		welcome["chat"] = ss.row.ID
		welcome["name"] = ss.row.Name
		s.mu.Unlock()
		welcome["history"] = hist
	}
	v.reply(welcome)
	return nil
}

// start takes the pre-chat form: it resolves the customer, then queues the
// chat as a work item of the distributor (committed before the visitor
// hears it is queued, so before any message of theirs is acknowledged), or
// offers to leave a message when nobody can take it.
func (v *visitor) start(ctx context.Context, f inFrame) error {
	if v.ss != nil {
		v.s.mu.Lock()
		closed := v.ss.row.State == StateClosed
		v.s.mu.Unlock()
		if !closed {
			v.fail("already", fmt.Errorf("chat: already chatting"))
			return nil
		}
		v.detach()
		v.ss = nil
	}
	if v.s.chatsFull(v.ip) {
		v.fail("too_many", ErrTooManyChats)
		return nil
	}
	name := clipString(strings.TrimSpace(f.Name), maxField)
	if name == "" {
		v.fail("name", fmt.Errorf("chat: name is required"))
		return nil
	}
	f.Name, f.Email, f.Phone, f.Intent = name, clipString(strings.TrimSpace(f.Email), maxField), clipString(strings.TrimSpace(f.Phone), maxField), clipString(strings.TrimSpace(f.Intent), maxField)
	s := v.s
	if err := v.resolve(ctx, &f); err != nil {
		v.fail("identity", err)
		return nil
	}
	v.form = f
	if reason := s.availability(v.widget.Queue); reason != "" {
		v.unavailable(reason)
		return nil
	}
	row := store.ChatSession{
		ID: newID(), Widget: v.widget.Name, Queue: v.widget.Queue, VisitorToken: v.token, CustomerID: v.custID,
		Name: f.Name, Email: f.Email, Phone: f.Phone, Intent: f.Intent, State: StateQueued, CreatedAt: s.cfg.Now(),
	}
	if err := s.st.CreateChatSession(ctx, row); err != nil {
		return fmt.Errorf("chat: start: %w", err)
	}
	// The session is open before it is enqueued: the distributor may offer
	// it at once. An agent accepting waits for ss.mu, so the visitor hears
	// "queued" before "active".
	ss := &session{row: row, visitors: map[*conn]struct{}{v.c: {}}, ip: v.ip}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s.mu.Lock()
	s.sessions[row.ID] = ss
	s.byToken[row.Widget+"\x00"+row.VisitorToken] = ss
	s.countChatLocked(ss, 1)
	s.mu.Unlock()
	if _, err := s.dist.Enqueue(ctx, item(row)); err != nil {
		s.mu.Lock()
		ss.row.State = StateClosed
		delete(s.sessions, row.ID)
		delete(s.byToken, row.Widget+"\x00"+row.VisitorToken)
		s.countChatLocked(ss, -1)
		s.mu.Unlock()
		if cerr := s.st.CloseChatSession(ctx, row.ID, "not-queued", s.cfg.Now()); cerr != nil {
			s.log.Warn("chat: closing a chat the distributor refused", "chat", row.ID, "err", cerr)
		}
		switch {
		case errors.Is(err, acd.ErrQueueFull):
			v.unavailable("busy")
			return nil
		case errors.Is(err, acd.ErrNoQueue):
			v.unavailable("nobody")
			return nil
		}
		return fmt.Errorf("chat: start: %w", err)
	}
	v.ss = ss
	if err := s.recordTimeline(ctx, row, ""); err != nil {
		return err
	}
	v.reply(map[string]any{"type": "state", "chat": row.ID, "state": StateQueued})
	return nil
}

// unavailable tells the visitor nobody can chat now, and why, and allows
// leave_message and callback.
func (v *visitor) unavailable(reason string) {
	v.reason = reason
	opts := []string{}
	if v.s.cfg.Fallback != nil {
		opts = append(opts, "message", "callback")
	}
	v.reply(map[string]any{"type": "unavailable", "reason": reason, "options": opts})
}

// resolve finds the customer of the visitor token (verified: it is the
// visitor's own) and links the email and phone of the form to them as typed
// (unconfirmed: anyone can type anyone's address), normalising f's fields.
func (v *visitor) resolve(ctx context.Context, f *inFrame) error {
	if v.s.dir == nil {
		return nil
	}
	c, err := v.s.dir.Resolve(ctx, customer.Identity{Kind: customer.Chat, Value: v.token}, f.Name, customer.Verified)
	if err != nil {
		return err
	}
	if f.Email != "" {
		if c, err = v.s.dir.Link(ctx, c.ID, customer.Identity{Kind: customer.Email, Value: f.Email}, customer.Typed); err != nil {
			return err
		}
		f.Email, _ = customer.NormalizeEmail(f.Email)
	}
	if f.Phone != "" {
		n, err := v.s.dir.Normalize(customer.Identity{Kind: customer.Phone, Value: f.Phone})
		if err != nil {
			return err
		}
		if c, err = v.s.dir.Link(ctx, c.ID, n, customer.Typed); err != nil {
			return err
		}
		f.Phone = n.Value
	}
	v.custID = c.ID
	return nil
}

// leave hands a left message or a callback request to the fallback.
func (v *visitor) leave(ctx context.Context, f inFrame) {
	s := v.s
	if v.reason == "" || v.form.Name == "" {
		v.fail("not_offered", fmt.Errorf("chat: send the pre-chat form first"))
		return
	}
	if s.cfg.Fallback == nil {
		v.fail("unavailable", ErrNoFallback)
		return
	}
	var err error
	if f.Type == "leave_message" {
		if strings.TrimSpace(f.Text) == "" || len(f.Text) > s.cfg.MaxMessage {
			v.fail("text", fmt.Errorf("chat: message empty or too long"))
			return
		}
		if v.form.Email == "" && v.form.Phone == "" {
			v.fail("contact", fmt.Errorf("chat: an email or phone is needed to answer"))
			return
		}
		err = s.cfg.Fallback.LeaveMessage(ctx, LeftMessage{Widget: v.widget.Name, Queue: v.widget.Queue, CustomerID: v.custID,
			Name: v.form.Name, Email: v.form.Email, Phone: v.form.Phone, Text: strings.ToValidUTF8(f.Text, "\uFFFD"), At: s.cfg.Now()})
	} else {
		phone := v.form.Phone
		if f.Phone != "" && s.dir != nil {
			n, perr := s.dir.Normalize(customer.Identity{Kind: customer.Phone, Value: f.Phone})
			if perr != nil {
				v.fail("phone", perr)
				return
			}
			phone = n.Value
		}
		if phone == "" {
			v.fail("phone", fmt.Errorf("chat: a phone number is needed for a callback"))
			return
		}
		err = s.cfg.Fallback.RequestCallback(ctx, CallbackRequest{Widget: v.widget.Name, Queue: v.widget.Queue, CustomerID: v.custID,
			Name: v.form.Name, Phone: phone, At: s.cfg.Now()})
	}
	if err != nil {
		s.log.Error("chat: fallback", "widget", v.widget.Name, "err", err)
		v.fail("failed", fmt.Errorf("chat: could not take it, please retry"))
		return
	}
	v.reply(map[string]any{"type": "left", "what": f.Type})
}

// transcript mails the conversation to the address given (or the form's).
func (v *visitor) transcript(ctx context.Context, f inFrame) {
	s := v.s
	if v.ss == nil {
		v.fail("no_chat", ErrNoSession)
		return
	}
	if s.cfg.Mailer == nil {
		v.fail("unavailable", ErrNoFallback)
		return
	}
	to := f.Email
	if to == "" {
		to = v.ss.row.Email
	}
	addr, err := customer.NormalizeEmail(to)
	if err != nil {
		v.fail("email", err)
		return
	}
	hist, err := s.history(ctx, v.ss.row.ID)
	if err != nil {
		v.fail("failed", err)
		return
	}
	s.mu.Lock()
	t := Transcript{Session: v.ss.row.ID, Widget: v.ss.row.Widget, Name: v.ss.row.Name, Messages: hist}
	over := v.ss.mailed >= maxTranscripts
	if !over {
		v.ss.mailed++
	}
	s.mu.Unlock()
	if over {
		v.fail("limit", fmt.Errorf("chat: transcript already sent %d times", maxTranscripts))
		return
	}
	if err := s.cfg.Mailer.SendTranscript(ctx, addr, t); err != nil {
		s.log.Error("chat: transcript", "chat", t.Session, "err", err)
		v.fail("failed", fmt.Errorf("chat: transcript not sent, please retry"))
		return
	}
	v.reply(map[string]any{"type": "transcript_sent", "email": addr})
}

// clipString cuts s to at most n bytes on a rune boundary.
func clipString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
