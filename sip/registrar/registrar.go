// Package registrar is the SIP location service (RFC 3261 §10): the
// bindings of each extension's address of record to the contacts its
// phones registered, bounded expiry, several contacts per extension, and
// write-behind persistence so that registrations survive a restart.
package registrar

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// Config bounds registrations. Zero values mean the defaults.
type Config struct {
	// MinExpires is the shortest registration accepted (shorter ones get
	// 423 Interval Too Brief). Zero means 60s.
	MinExpires time.Duration
	// MaxExpires caps the registration interval granted. Zero means 1h.
	MaxExpires time.Duration
	// DefaultExpires applies when the phone names none. Zero means 1h.
	DefaultExpires time.Duration
	// MaxContacts bounds the contacts of one extension. Zero means 10.
	MaxContacts int
	// FlushInterval is how often changes are written to the store. Zero
	// means 200ms.
	FlushInterval time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives the registrar's logs; nil means slog.Default().
	Logger *slog.Logger
}

func (c *Config) defaults() {
	if c.MinExpires == 0 {
		c.MinExpires = 60 * time.Second
	}
	if c.MaxExpires == 0 {
		c.MaxExpires = time.Hour
	}
	if c.DefaultExpires == 0 {
		c.DefaultExpires = time.Hour
	}
	if c.MaxContacts == 0 {
		c.MaxContacts = 10
	}
	if c.FlushInterval == 0 {
		c.FlushInterval = 200 * time.Millisecond
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Binding is one registered contact of an extension.
type Binding struct {
	Contact   string         // the Contact URI as the phone registered it
	Source    netip.AddrPort // where the REGISTER came from: the phone's reachable address (rport/received)
	Transport string         // "UDP" or "TCP"
	Expires   time.Time
	CallID    string
	CSeq      uint32
	UserAgent string
	// saved is the expiry the store holds for this binding (zero: none).
	saved time.Time
}

// lazyRefresh bounds how far the stored expiry of a binding may lag
// behind a refresh that changed nothing else (a quarter of the interval
// at most): such refreshes are not written, so phones re-registering
// every few seconds (or a load test) cost no disk write each, and after a
// restart a binding still outlives the phone's next refresh.
const lazyRefresh = time.Minute

// refreshes reports whether b only moves old's expiry forward by less
// than the lazy-refresh lag, so the store need not be written for it.
func (b Binding) refreshes(old Binding, interval time.Duration) bool {
	lag := b.Expires.Sub(old.saved)
	return !old.saved.IsZero() && lag >= 0 && lag < min(interval/4, lazyRefresh) &&
		b.Contact == old.Contact && b.Source == old.Source && b.Transport == old.Transport && b.UserAgent == old.UserAgent
}

// Update is one Contact of a REGISTER request.
type Update struct {
	Contact string
	// Expires is the requested interval; negative means "not given".
	Expires time.Duration
}

// Request is the part of a REGISTER the registrar applies.
type Request struct {
	AOR       string
	Contacts  []Update // empty for a query
	Wildcard  bool     // Contact: * (with Expires: 0) removes every binding
	Expires   time.Duration
	CallID    string
	CSeq      uint32
	Source    netip.AddrPort
	Transport string
	UserAgent string
}

// Errors that the SIP layer maps to responses.
var (
	// ErrIntervalTooBrief: answer 423 with Min-Expires (RFC 3261 §10.3 step 7).
	ErrIntervalTooBrief = errors.New("registrar: interval too brief")
	// ErrBadRequest: a malformed REGISTER, answered 400.
	ErrBadRequest = errors.New("registrar: bad request")
	// ErrOutOfOrder: an older CSeq on the same Call-ID, answered 500.
	ErrOutOfOrder = errors.New("registrar: out-of-order request")
	// ErrTooManyContacts: answered 403.
	ErrTooManyContacts = errors.New("registrar: too many contacts")
)

// Registrar holds the location service in memory and writes it behind to
// the store.
type Registrar struct {
	cfg Config
	st  *store.Store

	mu       sync.Mutex // guards the following fields
	bindings map[string][]Binding
	dirty    map[string]bool
}

// New returns a Registrar loaded with the stored registrations that have
// not expired.
func New(ctx context.Context, st *store.Store, cfg Config) (*Registrar, error) {
	cfg.defaults()
	r := &Registrar{cfg: cfg, st: st, bindings: map[string][]Binding{}, dirty: map[string]bool{}}
	regs, err := st.Registrations(ctx, cfg.Now())
	if err != nil {
		return nil, err
	}
	for _, g := range regs {
		src, err := netip.ParseAddrPort(g.Source)
		if err != nil {
			continue
		}
		r.bindings[g.AOR] = append(r.bindings[g.AOR], Binding{Contact: g.Contact, Source: src, Transport: g.Transport,
			Expires: g.ExpiresAt, CallID: g.CallID, CSeq: g.CSeq, UserAgent: g.UserAgent, saved: g.ExpiresAt})
	}
	return r, nil
}

// MinExpires is the shortest interval accepted, for Min-Expires headers.
func (r *Registrar) MinExpires() time.Duration { return r.cfg.MinExpires }

// Apply performs a REGISTER and returns the extension's bindings after it
// (RFC 3261 §10.3).
func (r *Registrar) Apply(req Request) ([]Binding, error) {
	now := r.cfg.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	current := r.live(req.AOR, now)
	if req.Wildcard {
		if req.Expires != 0 || len(req.Contacts) > 0 {
			return nil, fmt.Errorf("%w: Contact: * needs Expires: 0 and no other contact", ErrBadRequest)
		}
		for _, b := range current {
			if b.CallID == req.CallID && req.CSeq <= b.CSeq {
				return nil, ErrOutOfOrder
			}
		}
		r.set(req.AOR, nil)
		return nil, nil
	}
	if len(req.Contacts) > 0 && !unicast(req.Source) {
		return nil, fmt.Errorf("%w: source %s is not a unicast address", ErrBadRequest, req.Source)
	}
	var renewed []string // distinct contacts bound by this request, bounded by MaxContacts
	changed := len(current) != len(r.bindings[req.AOR])
	for _, u := range req.Contacts {
		exp := u.Expires
		if exp < 0 {
			exp = req.Expires
		}
		if exp < 0 {
			exp = r.cfg.DefaultExpires
		}
		if exp > 0 && exp < r.cfg.MinExpires {
			return nil, ErrIntervalTooBrief
		}
		exp = min(exp, r.cfg.MaxExpires)
		idx := -1
		for i, b := range current {
			if b.Contact == u.Contact {
				idx = i
				break
			}
		}
		if !slices.Contains(renewed, u.Contact) {
			if idx >= 0 && current[idx].CallID == req.CallID && req.CSeq <= current[idx].CSeq {
				return nil, ErrOutOfOrder
			}
			renewed = append(renewed, u.Contact)
		}
		if exp == 0 {
			if idx >= 0 {
				current = append(current[:idx], current[idx+1:]...)
				changed = true
			}
			continue
		}
		b := Binding{Contact: u.Contact, Source: req.Source, Transport: req.Transport, Expires: now.Add(exp),
			CallID: req.CallID, CSeq: req.CSeq, UserAgent: req.UserAgent}
		if idx >= 0 {
			if b.refreshes(current[idx], exp) {
				b.saved = current[idx].saved
			} else {
				changed = true
			}
			current[idx] = b
		} else {
			changed = true
			if len(current) >= r.cfg.MaxContacts {
				return nil, ErrTooManyContacts
			}
			current = append(current, b)
		}
	}
	switch {
	case changed:
		r.set(req.AOR, current)
	case len(req.Contacts) > 0:
		r.bindings[req.AOR] = current
	}
	return append([]Binding(nil), current...), nil
}

// unicast reports whether calls may be sent to ap: never to an
// unspecified, multicast or broadcast address, whatever a message claims.
func unicast(ap netip.AddrPort) bool {
	a := ap.Addr().Unmap()
	return ap.Port() != 0 && a.IsValid() && !a.IsUnspecified() && !a.IsMulticast() && a != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// live returns a copy of the unexpired bindings of aor. Callers hold mu.
func (r *Registrar) live(aor string, now time.Time) []Binding {
	var out []Binding
	for _, b := range r.bindings[aor] {
		if b.Expires.After(now) {
			out = append(out, b)
		}
	}
	return out
}

func (r *Registrar) set(aor string, bs []Binding) {
	if len(bs) == 0 {
		delete(r.bindings, aor)
	} else {
		r.bindings[aor] = bs
	}
	r.dirty[aor] = true
}

// Lookup returns the live bindings of aor, newest registration first.
func (r *Registrar) Lookup(aor string) []Binding {
	r.mu.Lock()
	out := r.live(aor, r.cfg.Now())
	r.mu.Unlock()
	sort.SliceStable(out, func(i, j int) bool { return out[i].Expires.After(out[j].Expires) })
	return out
}

// All returns every extension's live bindings.
func (r *Registrar) All() map[string][]Binding {
	now := r.cfg.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string][]Binding, len(r.bindings))
	for aor := range r.bindings {
		if bs := r.live(aor, now); len(bs) > 0 {
			out[aor] = bs
		}
	}
	return out
}

// Run writes changes behind to the store and purges expired bindings until
// ctx ends, then flushes one last time.
func (r *Registrar) Run(ctx context.Context) error {
	t := time.NewTicker(r.cfg.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return r.flush(context.WithoutCancel(ctx))
		case <-t.C:
			if err := r.flush(ctx); err != nil {
				r.cfg.Logger.Error("registrar: saving registrations", "err", err)
			}
		}
	}
}

// flush writes the dirty extensions' bindings and purges expired ones.
func (r *Registrar) flush(ctx context.Context) error {
	now := r.cfg.Now()
	r.mu.Lock()
	for aor, bs := range r.bindings {
		for _, b := range bs {
			if !b.Expires.After(now) {
				r.set(aor, r.live(aor, now))
				break
			}
		}
	}
	if len(r.dirty) == 0 {
		r.mu.Unlock()
		return nil
	}
	aors := make([]string, 0, len(r.dirty))
	var regs []store.Registration
	for aor := range r.dirty {
		aors = append(aors, aor)
		bs := r.bindings[aor]
		for i, b := range bs {
			regs = append(regs, store.Registration{AOR: aor, Contact: b.Contact, Source: b.Source.String(), Transport: b.Transport,
				ExpiresAt: b.Expires, CallID: b.CallID, CSeq: b.CSeq, UserAgent: b.UserAgent})
			bs[i].saved = b.Expires
		}
	}
	r.dirty = map[string]bool{}
	r.mu.Unlock()
	if err := r.st.ReplaceRegistrations(ctx, aors, regs, now); err != nil {
		r.mu.Lock()
		for _, a := range aors {
			r.dirty[a] = true
		}
		r.mu.Unlock()
		return err
	}
	return nil
}
