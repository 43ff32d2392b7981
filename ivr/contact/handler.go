package contact

import (
	"cmp"
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/internal/clientaddr"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/ivr"
)

//go:embed assets
var assets embed.FS

var pageTmpl = template.Must(template.ParseFS(assets, "assets/page.html"))

// FlowSource finds a flow by name.
type FlowSource interface {
	Flow(ctx context.Context, name string) (*ivr.Flow, error)
}

// Flows is a fixed set of flows by name.
type Flows map[string]*ivr.Flow

// Flow returns the named flow, or ErrNoFlow.
func (fs Flows) Flow(_ context.Context, name string) (*ivr.Flow, error) {
	if f, ok := fs[name]; ok {
		return f, nil
	}
	return nil, ErrNoFlow
}

// CodeIssuer issues the short code that carries a web visit to the phone
// menu, and tells whether one is still to be redeemed; ivr.Codes
// satisfies it.
type CodeIssuer interface {
	Issue(ctx context.Context, queue string, c ivr.Context) (code string, expires time.Time, err error)
	Pending(ctx context.Context, code string) (bool, error)
}

// Config configures a Handler. Zero values mean the defaults.
type Config struct {
	// Flows finds the flow of /contact/{flow}.
	Flows FlowSource
	// Env decides hours and condition nodes, tells agent availability and
	// expected waits, and takes callback and email work items.
	Env ivr.Env
	// Funnel records the web face's steps; nil records nothing.
	Funnel ivr.Recorder
	// Codes issues web-to-voice codes; nil shows the number without a code.
	Codes CodeIssuer
	// ChatURL returns where the chat button leads for a queue; nil, or ""
	// for a queue, offers no chat.
	ChatURL func(queue string) string
	// LongWait is the expected voice wait above which the page offers a
	// callback or email instead of the phone number (default 5m).
	LongWait time.Duration
	// Windows are the callback time windows offered (default three).
	Windows []string
	// SubmitsPerMinute bounds form posts per client address (default 10).
	SubmitsPerMinute int
	// PageViewsPerMinute bounds page views per client address (default
	// 120: a few visitors behind one NAT): each view records the funnel.
	// Web-to-voice codes are issued only when the visitor asks for one,
	// under a tighter limit (codesPerMinute).
	PageViewsPerMinute int
	// TokenTTL is how long a page's form token stays valid (default 2h).
	TokenTTL time.Duration
	// Secret signs form tokens (default: random at New, so tokens do not
	// survive a restart).
	Secret []byte
	// Language returns the settings language, which a flow without its
	// own language speaks; nil, or a language without texts, is English.
	Language func(ctx context.Context) string
	// Logger receives handler errors (default slog.Default).
	Logger *slog.Logger
}

// Handler serves /contact/{flow}.
type Handler struct {
	cfg   Config
	mux   *http.ServeMux
	limit *limiter // form posts
	views *limiter // page views
	calls *limiter // new web-to-voice codes
	codes issuedCodes
}

var _ http.Handler = (*Handler)(nil)

// New returns a Handler; it needs cfg.Flows and cfg.Env.Live.
func New(cfg Config) (*Handler, error) {
	if cfg.Flows == nil || cfg.Env.Live == nil {
		return nil, errors.New("contact: Config.Flows and Config.Env.Live are required")
	}
	cfg.LongWait = cmp.Or(cfg.LongWait, 5*time.Minute)
	cfg.SubmitsPerMinute = cmp.Or(cfg.SubmitsPerMinute, 10)
	cfg.PageViewsPerMinute = cmp.Or(cfg.PageViewsPerMinute, 120)
	cfg.TokenTTL = cmp.Or(cfg.TokenTTL, 2*time.Hour)
	if len(cfg.Windows) == 0 {
		cfg.Windows = []string{"09:00-12:00", "12:00-15:00", "15:00-18:00"}
	}
	if len(cfg.Secret) == 0 {
		cfg.Secret = make([]byte, 32)
		rand.Read(cfg.Secret)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	h := &Handler{cfg: cfg, mux: http.NewServeMux(), limit: newLimiter(cfg.SubmitsPerMinute, time.Minute),
		views: newLimiter(cfg.PageViewsPerMinute, time.Minute), calls: newLimiter(codesPerMinute, time.Minute)}
	h.mux.HandleFunc("GET /contact/_/contact.js", h.script)
	h.mux.HandleFunc("GET /contact/{flow}", h.get)
	h.mux.HandleFunc("POST /contact/{flow}", h.post)
	h.mux.HandleFunc("POST /contact/{flow}/left", h.left)
	h.mux.HandleFunc("POST /contact/{flow}/call", h.call)
	return h, nil
}

// ServeHTTP serves the contact pages.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; form-action 'self'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) now() time.Time {
	if h.cfg.Env.Now != nil {
		return h.cfg.Env.Now()
	}
	return time.Now()
}

func (h *Handler) script(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeFileFS(w, r, assets, "assets/contact.js")
}

var sessionRE = regexp.MustCompile(`^[0-9a-f]{16}$`)

func newSession() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// view is what the page template shows.
type view struct {
	T                                           *texts
	Title, Flow, Node, Session, LeftURL, Script string
	Error, Done                                 string
	Link                                        *linkView
	Options                                     []optionView
	Chat                                        string
	Phone                                       *phoneView
	Callback, Email                             *formView
}

type linkView struct{ URL, Text string }
type optionView struct{ Href, Label string }
type phoneView struct {
	Number, Code string
	// NoCode says no code could be issued now.
	NoCode bool
	// Reveal is the form asking for a code, when the visit has none yet.
	Reveal *formView
}
type formView struct {
	Action, Token, Node string
	Windows             []string
}

func (h *Handler) flow(w http.ResponseWriter, r *http.Request) (*ivr.Flow, bool) {
	f, err := h.cfg.Flows.Flow(r.Context(), r.PathValue("flow"))
	if errors.Is(err, ErrNoFlow) {
		http.NotFound(w, r)
		return nil, false
	}
	if err != nil {
		h.cfg.Logger.Error("contact: flow", "flow", r.PathValue("flow"), "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return nil, false
	}
	return f, true
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	f, ok := h.flow(w, r)
	if !ok {
		return
	}
	if !h.views.allow(clientIP(r), h.now()) {
		w.Header().Set("Retry-After", "60")
		http.Error(w, h.language(r.Context(), f.Language).TooMany, http.StatusTooManyRequests)
		return
	}
	q := r.URL.Query()
	session := q.Get("s")
	if !sessionRE.MatchString(session) {
		session = newSession()
	}
	id := f.Start
	if n := q.Get("n"); n != "" {
		if f.Nodes[n] == nil {
			http.NotFound(w, r)
			return
		}
		id = n
	}
	// A choice is counted only when it is a real option of a real menu.
	if from := f.Nodes[q.Get("from")]; from != nil && from.Type == ivr.Menu {
		if o, ok := from.Option(q.Get("c")); ok && o.Next == id {
			h.record(r.Context(), f, q.Get("from"), ivr.Chose, o.Digit, session)
		}
	}
	v, err := h.walk(r.Context(), f, id, session)
	if err != nil {
		h.cfg.Logger.Error("contact: walk", "flow", f.Name, "node", id, "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	h.render(w, http.StatusOK, v)
}

func (h *Handler) render(w http.ResponseWriter, status int, v *view) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := pageTmpl.Execute(w, v); err != nil {
		h.cfg.Logger.Warn("contact: render", "err", err)
	}
}

func (h *Handler) record(ctx context.Context, f *ivr.Flow, node string, step ivr.Step, choice, session string) {
	if h.cfg.Funnel == nil {
		return
	}
	err := h.cfg.Funnel.Record(ctx, ivr.Event{Flow: f.Name, Node: node, Face: ivr.Web, Step: step, Choice: choice, Session: session})
	if err != nil {
		h.cfg.Logger.Warn("contact: funnel", "flow", f.Name, "node", node, "err", err)
	}
}

func (h *Handler) base(ctx context.Context, f *ivr.Flow, id, session string) *view {
	t := h.language(ctx, f.Language)
	return &view{T: t, Title: t.ContactUs, Flow: f.Name, Node: id, Session: session,
		LeftURL: "/contact/" + url.PathEscape(f.Name) + "/left", Script: "/contact/_/contact.js"}
}

// walk follows the flow on the web face from id through the nodes that
// take no input, and returns the page of the node where the visitor acts.
func (h *Handler) walk(ctx context.Context, f *ivr.Flow, id, session string) (*view, error) {
	v := h.base(ctx, f, id, session)
	c := ivr.Context{Flow: f.Name, Face: ivr.Web}
	for range 64 {
		n := f.Nodes[id]
		if n == nil {
			return nil, fmt.Errorf("%w: %q", ivr.ErrUnknownNode, id)
		}
		v.Node = id
		h.record(ctx, f, id, ivr.Entered, "", session)
		c.Path = append(c.Path, id)
		if n.Intent != "" {
			c.Intent = n.Intent
		}
		next := ""
		switch {
		case !n.On(ivr.Web):
			next = n.Fallback
		case n.Type == ivr.Menu:
			v.Title = n.Title
			for _, o := range n.Options {
				href := fmt.Sprintf("/contact/%s?n=%s&from=%s&c=%s&s=%s", url.PathEscape(f.Name),
					url.QueryEscape(o.Next), url.QueryEscape(id), url.QueryEscape(o.Digit), session)
				v.Options = append(v.Options, optionView{Href: href, Label: o.Label})
			}
			return v, nil
		case n.Type == ivr.Play:
			next = n.Next
		case n.Type == ivr.Link:
			text := cmp.Or(n.Title, v.T.SelfService)
			v.Link = &linkView{URL: n.URL, Text: text}
			next = n.Next
		case n.Type == ivr.Hours || n.Type == ivr.Condition:
			var err error
			if next, err = ivr.Branch(ctx, h.cfg.Env, n, &c); err != nil {
				return nil, err
			}
		case n.Type == ivr.Queue || n.Type == ivr.Chat:
			return v, h.intent(ctx, f, n, v)
		case n.Type == ivr.Callback:
			v.Title = cmp.Or(n.Title, v.T.CallbackTitle)
			v.Callback = h.form(f, id, session)
			return v, nil
		case n.Type == ivr.EmailForm:
			v.Title = cmp.Or(n.Title, v.T.EmailTitle)
			v.Email = h.form(f, id, session)
			return v, nil
		case n.Type == ivr.Hangup:
			v.Title = cmp.Or(n.Title, v.T.ThankYou)
			return v, nil
		}
		if next == "" {
			if v.Link == nil {
				v.Title = v.T.ThankYou
			}
			return v, nil
		}
		id = next
	}
	return nil, fmt.Errorf("contact: flow %s: too many steps", f.Name)
}

// intent fills the page of a queue or chat node with what fits now.
func (h *Handler) intent(ctx context.Context, f *ivr.Flow, n *ivr.Node, v *view) error {
	v.Title = cmp.Or(n.Title, n.Intent, v.T.HowToReach)
	live := h.cfg.Env.Live
	chat := false
	if h.cfg.ChatURL != nil {
		k, err := live.AgentsAvailable(ctx, n.Queue, "chat")
		if err != nil {
			return err
		}
		if k > 0 {
			v.Chat = h.cfg.ChatURL(n.Queue)
		}
		// A queue with no chat page offers no chat.
		chat = v.Chat != ""
	}
	long := false
	if n.Type == ivr.Queue {
		wait, err := live.ExpectedWait(ctx, n.Queue, "voice")
		if err != nil {
			return err
		}
		long = wait > h.cfg.LongWait
		if !long && f.Phone != "" {
			v.Phone = &phoneView{Number: f.Phone}
			// A view issues no code: the visit's code if it has one,
			// else the button that asks for it (call).
			if h.cfg.Codes != nil {
				v.Phone.Code = h.visitCode(ctx, visit{flow: f.Name, node: v.Node, session: v.Session}, h.now())
				if v.Phone.Code == "" {
					v.Phone.Reveal = h.revealForm(f, v.Node, v.Session)
				}
			}
		}
	}
	if !chat || long {
		v.Callback = h.form(f, v.Node, v.Session)
		v.Email = h.form(f, v.Node, v.Session)
	}
	return nil
}

func (h *Handler) form(f *ivr.Flow, node, session string) *formView {
	return &formView{Action: "/contact/" + url.PathEscape(f.Name), Node: node, Windows: h.cfg.Windows,
		Token: signToken(h.cfg.Secret, f.Name, node, session, h.now().Add(h.cfg.TokenTTL))}
}

// clientIP is the address rate limits apply to: the connection's peer
// (forwarding headers are not trusted; the appliance serves directly), an
// IPv6 peer by its /64.
func clientIP(r *http.Request) string { return clientaddr.Key(r.RemoteAddr) }

// validEmail reports whether s is one plain address (what the mail side
// will accept), at most 254 bytes.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s && len(s) <= 254
}

// sameOrigin rejects cross-site posts: browsers send Origin on POST.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return o == "" && r.Header.Get("Sec-Fetch-Site") != "cross-site"
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// signedForm reads a post of a form of this handler's pages, of at most
// max bytes, and returns its node (one of f's) and the visit its token
// was signed for; it answers the request itself when the post is
// cross-site, malformed, or its token is not valid for that node.
func (h *Handler) signedForm(w http.ResponseWriter, r *http.Request, f *ivr.Flow, t *texts, max int64) (node, session string, ok bool) {
	if !sameOrigin(r) {
		http.Error(w, "cross-site form rejected", http.StatusForbidden)
		return "", "", false
	}
	r.Body = http.MaxBytesReader(w, r.Body, max)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return "", "", false
	}
	node = r.PostForm.Get("node")
	session, ok = checkToken(h.cfg.Secret, r.PostForm.Get("token"), f.Name, node, h.now())
	if !ok || f.Nodes[node] == nil {
		http.Error(w, t.Expired, http.StatusForbidden)
		return "", "", false
	}
	return node, session, true
}

var phoneRE = regexp.MustCompile(`^\+?[0-9][0-9 .\-()]{4,22}$`)

func (h *Handler) post(w http.ResponseWriter, r *http.Request) {
	f, ok := h.flow(w, r)
	if !ok {
		return
	}
	t := h.language(r.Context(), f.Language)
	if !h.limit.allow(clientIP(r), h.now()) {
		w.Header().Set("Retry-After", "60")
		http.Error(w, t.TooMany, http.StatusTooManyRequests)
		return
	}
	id, session, ok := h.signedForm(w, r, f, t, 16<<10)
	if !ok {
		return
	}
	n := f.Nodes[id]
	if !slices.Contains([]ivr.Type{ivr.Queue, ivr.Chat, ivr.Callback, ivr.EmailForm}, n.Type) {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	item := ivr.Item{Queue: n.Queue, Context: ivr.Context{Flow: f.Name, Face: ivr.Web, Intent: cmp.Or(n.Intent, n.Queue), Path: []string{id}}}
	v := h.base(r.Context(), f, id, session)
	kind := r.PostForm.Get("kind")
	switch kind {
	case "callback":
		item.Channel = "callback"
		item.Number = strings.TrimSpace(r.PostForm.Get("number"))
		item.Window = r.PostForm.Get("window")
		if !phoneRE.MatchString(item.Number) || !slices.Contains(h.cfg.Windows, item.Window) {
			v.Title, v.Error, v.Callback = t.CallbackTitle, t.CallbackError, h.form(f, id, session)
			h.render(w, http.StatusUnprocessableEntity, v)
			return
		}
		v.Title, v.Done = t.ThankYou, fmt.Sprintf(t.CallbackDone, item.Window)
	case "email":
		item.Channel = "email"
		item.Email = strings.TrimSpace(r.PostForm.Get("email"))
		item.Message = strings.TrimSpace(r.PostForm.Get("message"))
		if !validEmail(item.Email) || item.Message == "" || len(item.Message) > 4000 {
			v.Title, v.Error, v.Email = t.EmailTitle, t.EmailError, h.form(f, id, session)
			h.render(w, http.StatusUnprocessableEntity, v)
			return
		}
		v.Title, v.Done = t.ThankYou, t.EmailDone
	default:
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	if _, err := h.cfg.Env.Live.Submit(r.Context(), item); err != nil {
		h.cfg.Logger.Error("contact: submit", "flow", f.Name, "node", id, "err", err)
		http.Error(w, t.Unavailable, http.StatusServiceUnavailable)
		return
	}
	h.record(r.Context(), f, id, ivr.Chose, kind, session)
	h.render(w, http.StatusOK, v)
}

// left records an abandonment reported by the page's beacon.
func (h *Handler) left(w http.ResponseWriter, r *http.Request) {
	f, ok := h.flow(w, r)
	if !ok {
		return
	}
	if !h.limit.allow(clientIP(r), h.now()) {
		http.Error(w, "too many requests", http.StatusTooManyRequests)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseMultipartForm(4 << 10); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	id, session := r.FormValue("node"), r.FormValue("session")
	if f.Nodes[id] == nil || !sessionRE.MatchString(session) || !sameOrigin(r) {
		http.Error(w, "bad report", http.StatusBadRequest)
		return
	}
	h.record(r.Context(), f, id, ivr.Left, "", session)
	w.WriteHeader(http.StatusNoContent)
}

// StoreFlows finds flows in the store, as the configuration file put them.
type StoreFlows struct{ Store *store.Store }

// Flow returns the stored flow name, or ErrNoFlow.
func (s StoreFlows) Flow(ctx context.Context, name string) (*ivr.Flow, error) {
	flows, err := ivr.LoadFlows(ctx, s.Store)
	if err != nil {
		return nil, err
	}
	for _, f := range flows {
		if f.Name == name {
			return f, nil
		}
	}
	return nil, ErrNoFlow
}
