package customer

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// Kind is the kind of an identity.
type Kind string

// The identity kinds.
const (
	Phone Kind = "phone" // an E.164 number, +CC…
	Email Kind = "email" // an address, lower case
	Chat  Kind = "chat"  // a chat visitor token
)

// Channel is the channel of a timeline entry.
type Channel string

// The timeline channels.
const (
	ChannelVoice    Channel = "voice"
	ChannelChat     Channel = "chat"
	ChannelEmail    Channel = "email"
	ChannelCallback Channel = "callback"
	ChannelNote     Channel = "note"
)

// Limits on what a channel may hand over; longer text is truncated.
const (
	maxName    = 200
	maxValue   = 320
	maxSummary = 1000
	maxDetail  = 64 << 10
)

// Identity is one way to reach a customer.
type Identity struct {
	Kind  Kind   `json:"kind"`
	Value string `json:"value"`
}

// Source tells how an identity reached a channel.
type Source int

// The sources of an identity. The zero Source is Typed.
const (
	// Typed: a visitor typed it in a form (the chat's pre-chat form, the
	// contact page's callback and email forms). Anyone can type anyone's
	// address, so it links to a customer unconfirmed.
	Typed Source = iota
	// Verified: it came through a channel that proves it: the From of a
	// received email, a trunk or extension caller ID, the chat visitor
	// token itself.
	Verified
)

// Known is an identity of a customer and whether it is confirmed.
type Known struct {
	Identity
	// Verified reports that the identity came through a verified channel,
	// or was confirmed by an agent; false: it was typed by a visitor and
	// what came through it may be someone else's.
	Verified bool `json:"verified"`
}

// Customer is one person, with every identity known for them.
type Customer struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	CreatedAt  time.Time `json:"created_at"`
	Identities []Known   `json:"identities"`
}

// Has reports whether id (normalised) is an identity of c.
func (c Customer) Has(id Identity) bool {
	for _, k := range c.Identities {
		if k.Identity == id {
			return true
		}
	}
	return false
}

// Entry is one interaction on a customer's timeline.
type Entry struct {
	ID      int64   `json:"id"`
	Channel Channel `json:"channel"`
	// Kind refines the channel: "call", "ivr", "recording", "callback",
	// "chat", "email", "note" or what the channel chooses.
	Kind    string    `json:"kind"`
	At      time.Time `json:"at"`
	Summary string    `json:"summary"`
	// Ref names the interaction in its channel (a CDR id, a chat session,
	// an email thread). Recording an entry with the same channel, kind and
	// ref again updates it.
	Ref string `json:"ref,omitempty"`
	// Detail holds channel-specific fields. Keys shared by the channels,
	// so that the console shows them alike: "cdr", "ivr_path", "queue",
	// "agent", "recording" (a media reference), "disposition",
	// "transcript" (chat), "conversation" (email thread).
	Detail map[string]string `json:"detail,omitempty"`
	// Via is the identity the interaction came through; split moves the
	// entry with it. Optional.
	Via Identity `json:"via,omitzero"`
	// Unconfirmed reports, on a timeline read back, that Via is an identity
	// of the customer that is not verified: the entry was reached only
	// through what a visitor typed. Ignored by Record.
	Unconfirmed bool `json:"unconfirmed"`
}

// Config tunes a Directory. The zero value is usable.
type Config struct {
	// DefaultCountry is the ISO 3166 alpha-2 country of national phone
	// numbers; "" means "FR".
	DefaultCountry string
	// Now returns the time; nil means time.Now.
	Now func() time.Time
}

// Validate reports a field of c that is not acceptable.
func (c Config) Validate() error {
	if c.DefaultCountry != "" && !ValidCountry(c.DefaultCountry) {
		return fmt.Errorf("customer: default_country: unknown country %q", c.DefaultCountry)
	}
	return nil
}

// Directory resolves identities to customers and keeps their timelines.
// It is safe for concurrent use.
type Directory struct {
	st  *store.Store
	cfg Config
}

// New returns a Directory on st.
func New(st *store.Store, cfg Config) (*Directory, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.DefaultCountry == "" {
		cfg.DefaultCountry = "FR"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Directory{st: st, cfg: cfg}, nil
}

// Normalize returns id in its canonical form: E.164 for a phone number, a
// lower-case bare address for an email, the token unchanged for a chat
// visitor.
func (d *Directory) Normalize(id Identity) (Identity, error) {
	v := strings.TrimSpace(id.Value)
	if v == "" || len(v) > maxValue || !utf8.ValidString(v) {
		return id, fmt.Errorf("%w: %s value empty, too long or not UTF-8", ErrBadIdentity, id.Kind)
	}
	switch id.Kind {
	case Phone:
		n, err := NormalizePhone(v, d.cfg.DefaultCountry)
		if err != nil {
			return id, err
		}
		return Identity{Phone, n}, nil
	case Email:
		n, err := NormalizeEmail(v)
		if err != nil {
			return id, err
		}
		return Identity{Email, n}, nil
	case Chat:
		return Identity{Chat, v}, nil
	}
	return id, fmt.Errorf("%w: unknown kind %q", ErrBadIdentity, id.Kind)
}

// NormalizeEmail returns the bare address of raw ("Name <a@b>" or "a@b"),
// lower-cased.
func NormalizeEmail(raw string) (string, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrBadEmail, raw, err)
	}
	return strings.ToLower(a.Address), nil
}

// Resolve returns the customer owning id, creating one named name when the
// identity is unknown. A known customer without a name takes name. src
// tells where id came from: a new identity keeps it, and a Verified id
// confirms a typed identity it finds (the customer emailed from the address
// or called from the number they had typed).
func (d *Directory) Resolve(ctx context.Context, id Identity, name string, src Source) (Customer, error) {
	row, err := d.storeIdentity(id, src)
	if err != nil {
		return Customer{}, err
	}
	c, _, err := d.st.ResolveCustomer(ctx, row, clip(name, maxName), d.cfg.Now())
	if err != nil {
		return Customer{}, wrap("resolve", err)
	}
	return fromRow(c), nil
}

// Link gives identity id to customer cid. When id belongs to another
// customer they are the same person: the two are merged, the older record
// surviving (lookups of the other reach it). A Typed id that joins two
// customers so is marked unverified, even if it was verified: only the
// visitor says they are its owner, so the history that came through it is
// shown unconfirmed until the owner uses a verified channel or an agent
// confirms it. A Verified id confirms the identity. It returns the customer
// after the link.
func (d *Directory) Link(ctx context.Context, cid int64, id Identity, src Source) (Customer, error) {
	row, err := d.storeIdentity(id, src)
	if err != nil {
		return Customer{}, err
	}
	c, err := d.st.LinkIdentity(ctx, cid, row, d.cfg.Now())
	if err != nil {
		return Customer{}, wrap("link", err)
	}
	return fromRow(c), nil
}

// Confirm marks identity id of customer cid verified (an agent checked it
// by hand) and returns the customer. It returns ErrNotFound when id is not
// an identity of that customer.
func (d *Directory) Confirm(ctx context.Context, cid int64, id Identity) (Customer, error) {
	row, err := d.storeIdentity(id, Verified)
	if err != nil {
		return Customer{}, err
	}
	c, err := d.st.ConfirmIdentity(ctx, cid, row)
	if err != nil {
		return Customer{}, wrap("confirm", err)
	}
	return fromRow(c), nil
}

// storeIdentity normalises id into the store's row, verified as src says.
func (d *Directory) storeIdentity(id Identity, src Source) (store.IdentityRow, error) {
	n, err := d.Normalize(id)
	if err != nil {
		return store.IdentityRow{}, err
	}
	return store.IdentityRow{Kind: string(n.Kind), Value: n.Value, Verified: src == Verified}, nil
}

// Merge moves every identity and timeline entry of customer from into
// customer into (a manual merge from the console) and returns the survivor.
// Later lookups of from reach into.
func (d *Directory) Merge(ctx context.Context, into, from int64) (Customer, error) {
	row, err := d.st.MergeCustomers(ctx, into, from)
	if err != nil {
		return Customer{}, wrap("merge", err)
	}
	return fromRow(row), nil
}

// Split moves the identities ids of customer cid, and the timeline entries
// that came through them, to a new customer named name, and returns it.
func (d *Directory) Split(ctx context.Context, cid int64, ids []Identity, name string) (Customer, error) {
	if len(ids) == 0 {
		return Customer{}, fmt.Errorf("%w: split needs at least one identity", ErrBadIdentity)
	}
	rows := make([]store.IdentityRow, 0, len(ids))
	for _, id := range ids {
		n, err := d.Normalize(id)
		if err != nil {
			return Customer{}, err
		}
		rows = append(rows, store.IdentityRow{Kind: string(n.Kind), Value: n.Value})
	}
	row, err := d.st.SplitCustomer(ctx, cid, rows, clip(name, maxName), d.cfg.Now())
	if err != nil {
		return Customer{}, wrap("split", err)
	}
	return fromRow(row), nil
}

// Get returns customer cid (or the customer it was merged into).
func (d *Directory) Get(ctx context.Context, cid int64) (Customer, error) {
	row, err := d.st.Customer(ctx, cid)
	if err != nil {
		return Customer{}, wrap("get", err)
	}
	return fromRow(row), nil
}

// Record adds e to the timeline of customer cid and returns its id. A zero
// At means now.
func (d *Directory) Record(ctx context.Context, cid int64, e Entry) (int64, error) {
	if e.Channel == "" || e.Kind == "" {
		return 0, fmt.Errorf("%w: channel and kind are required", ErrBadEntry)
	}
	if e.At.IsZero() {
		e.At = d.cfg.Now()
	}
	size := 0
	for k, v := range e.Detail {
		size += len(k) + len(v)
	}
	if size > maxDetail {
		return 0, fmt.Errorf("%w: detail over %d bytes", ErrBadEntry, maxDetail)
	}
	var via store.IdentityRow
	if e.Via.Kind != "" {
		n, err := d.Normalize(e.Via)
		if err != nil {
			return 0, err
		}
		via = store.IdentityRow{Kind: string(n.Kind), Value: n.Value}
	}
	id, err := d.st.AddCustomerEntry(ctx, store.EntryRow{
		CustomerID: cid, Channel: string(e.Channel), Kind: e.Kind, At: e.At,
		Summary: clip(e.Summary, maxSummary), Ref: e.Ref, Detail: e.Detail, Identity: via,
	})
	if err != nil {
		return 0, wrap("record", err)
	}
	return id, nil
}

// Timeline returns at most limit entries (all when limit <= 0) of customer
// cid across every channel, newest first.
func (d *Directory) Timeline(ctx context.Context, cid int64, limit int) ([]Entry, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := d.st.CustomerTimeline(ctx, cid, limit)
	if err != nil {
		return nil, wrap("timeline", err)
	}
	out := make([]Entry, 0, len(rows))
	for _, r := range rows {
		out = append(out, Entry{
			ID: r.ID, Channel: Channel(r.Channel), Kind: r.Kind, At: r.At, Summary: r.Summary,
			Ref: r.Ref, Detail: r.Detail, Via: Identity{Kind(r.Identity.Kind), r.Identity.Value},
			Unconfirmed: !r.Identity.Verified,
		})
	}
	return out, nil
}

// Search returns at most limit customers (50 when limit <= 0) whose name,
// phone number or email contains q. A q that normalises as a phone number
// also matches its E.164 form (0612345678 finds +33612345678).
func (d *Directory) Search(ctx context.Context, q string, limit int) ([]Customer, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	if limit <= 0 {
		limit = 50
	}
	values := []string{strings.ToLower(q)}
	if p, err := NormalizePhone(q, d.cfg.DefaultCountry); err == nil {
		values = append(values, p)
	}
	rows, err := d.st.SearchCustomers(ctx, q, values, limit)
	if err != nil {
		return nil, wrap("search", err)
	}
	out := make([]Customer, 0, len(rows))
	for _, r := range rows {
		out = append(out, fromRow(r))
	}
	return out, nil
}

func fromRow(r store.CustomerRow) Customer {
	c := Customer{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt, Identities: make([]Known, 0, len(r.Identities))}
	for _, id := range r.Identities {
		c.Identities = append(c.Identities, Known{Identity{Kind(id.Kind), id.Value}, id.Verified})
	}
	return c
}

func wrap(op string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("customer: %s: %w: %w", op, ErrNotFound, err)
	}
	return fmt.Errorf("customer: %s: %w", op, err)
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
