package webui

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

// WorkItem is an item offered to or held by an agent, as the console shows
// it.
type WorkItem struct {
	ID      string `json:"id"`
	Channel string `json:"channel"`
	Queue   string `json:"queue"`
	// State is "offered" (ringing, or waiting to be accepted) or "held".
	State   string    `json:"state"`
	Arrived time.Time `json:"arrived"`
	// Customer is the customer's id in internal/customer (0: unknown).
	Customer int64 `json:"customer,omitempty"`
	// Context is what the channel learned: from, did, flow, intent, path,
	// digits.NAME, subject…
	Context map[string]string `json:"context,omitempty"`
}

// The item states the console shows.
const (
	ItemOffered = "offered"
	ItemHeld    = "held"
)

// AgentItems is implemented by Live sources that can list the items
// offered to and held by an agent; the console's screen pop needs it.
type AgentItems interface {
	AgentItems(ctx context.Context, agent string) ([]WorkItem, error)
}

// popTimeline bounds the history a screen pop carries.
const popTimeline = 20

// itemPop is an item with what the agent needs to greet the customer: who
// calls, through which queue, intent and IVR path, and the customer's
// record with their history across channels, newest first.
type itemPop struct {
	ID      string    `json:"id"`
	Channel string    `json:"channel"`
	Queue   string    `json:"queue"`
	State   string    `json:"state"`
	Arrived time.Time `json:"arrived"`
	Caller  string    `json:"caller,omitempty"`
	// CallerName names an internal caller (an extension).
	CallerName string            `json:"caller_name,omitempty"`
	DID        string            `json:"did,omitempty"`
	Flow       string            `json:"flow,omitempty"`
	Intent     string            `json:"intent,omitempty"`
	Path       []string          `json:"path,omitempty"`
	Digits     map[string]string `json:"digits,omitempty"`
	Subject    string            `json:"subject,omitempty"`
	// Customer is nil for a caller the directory does not know.
	Customer *customer.Customer `json:"customer"`
	Timeline []customer.Entry   `json:"timeline"`
}

// pops describes every item the agent is offered or holds, offers first.
func (s *Server) pops(ctx context.Context, agent string) ([]itemPop, error) {
	src, ok := s.cfg.Live.(AgentItems)
	if !ok {
		return []itemPop{}, nil
	}
	items, err := src.AgentItems(ctx, agent)
	if err != nil {
		return nil, err
	}
	out := make([]itemPop, 0, len(items))
	for _, it := range items {
		p, err := s.pop(ctx, it)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b itemPop) int {
		if a.State != b.State {
			return strings.Compare(b.State, a.State) // "offered" before "held"
		}
		return a.Arrived.Compare(b.Arrived)
	})
	return out, nil
}

func (s *Server) pop(ctx context.Context, it WorkItem) (itemPop, error) {
	c := it.Context
	p := itemPop{ID: it.ID, Channel: it.Channel, Queue: it.Queue, State: it.State, Arrived: it.Arrived,
		Caller: firstOf(c, "from", "number", "email", "phone"), DID: c["did"], Flow: c["flow"], Intent: c["intent"],
		Subject: c["subject"]}
	if path := strings.TrimSpace(c["path"]); path != "" {
		p.Path = strings.FieldsFunc(path, func(r rune) bool { return r == '>' || r == ' ' })
	}
	for k, v := range c {
		if name, ok := strings.CutPrefix(k, "digits."); ok {
			if p.Digits == nil {
				p.Digits = map[string]string{}
			}
			p.Digits[name] = v
		}
	}
	if p.Caller != "" {
		if e, err := s.st.Extension(ctx, p.Caller); err == nil {
			p.CallerName = e.Name
			if p.CallerName == "" {
				p.CallerName = "extension " + e.Number
			}
		}
	}
	var err error
	p.Customer, p.Timeline, err = s.itemHistory(ctx, it)
	return p, err
}

// itemHistory returns the item's customer (nil when unknown) and their
// newest popTimeline entries across channels (never nil).
func (s *Server) itemHistory(ctx context.Context, it WorkItem) (*customer.Customer, []customer.Entry, error) {
	cust, err := s.itemCustomer(ctx, it)
	if err != nil || cust == nil {
		return nil, []customer.Entry{}, err
	}
	tl, err := s.cfg.Customers.Timeline(ctx, cust.ID, popTimeline)
	if err != nil {
		return nil, []customer.Entry{}, err
	}
	if tl == nil {
		tl = []customer.Entry{}
	}
	return cust, tl, nil
}

func firstOf(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := strings.TrimSpace(m[k]); v != "" {
			return v
		}
	}
	return ""
}

// itemCustomer finds the item's customer: the one its channel named, else
// the one owning the caller's number or address. It never creates one.
func (s *Server) itemCustomer(ctx context.Context, it WorkItem) (*customer.Customer, error) {
	dir := s.cfg.Customers
	if dir == nil {
		return nil, nil
	}
	if it.Customer > 0 {
		c, err := dir.Get(ctx, it.Customer)
		if errors.Is(err, customer.ErrNotFound) {
			return nil, nil
		}
		return &c, err
	}
	for _, k := range []string{"from", "number", "email", "phone"} {
		v := strings.TrimSpace(it.Context[k])
		if v == "" {
			continue
		}
		id := customer.Identity{Kind: customer.Phone, Value: v}
		if strings.Contains(v, "@") {
			id.Kind = customer.Email
		}
		n, err := dir.Normalize(id)
		if err != nil {
			continue // an extension, a withheld number: nobody to look up
		}
		found, err := dir.Search(ctx, n.Value, 20)
		if err != nil {
			return nil, err
		}
		for _, c := range found {
			if c.Has(n) {
				return &c, nil
			}
		}
	}
	return nil, nil
}

func (s *Server) apiMyItems(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Live == nil {
		writeError(w, http.StatusNotFound, "the distributor is not running")
		return
	}
	p, _ := auth.FromContext(r.Context())
	pops, err := s.pops(r.Context(), p.Name)
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pops)
}

// itemsRefresh re-reads an agent's items even without events (a customer
// record may have changed).
const itemsRefresh = 15 * time.Second

// apiMyItemsEvents streams the agent's screen pops as Server-Sent Events:
// an "items" event with every item offered to or held by the agent, at
// once and whenever that set changes on the distributor's "agent" events.
func (s *Server) apiMyItemsEvents(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Live == nil {
		writeError(w, http.StatusNotFound, "no live items here")
		return
	}
	p, _ := auth.FromContext(r.Context())
	ch := s.bus.Subscribe(r.Context(), 16, "agent")
	es, err := s.startStream(w)
	if err != nil {
		return
	}
	refresh := time.NewTicker(itemsRefresh)
	defer refresh.Stop()
	last, seq := "", 0
	send := func(force bool) bool {
		pops, err := s.pops(r.Context(), p.Name)
		if err != nil {
			if r.Context().Err() == nil {
				s.log.Warn("webui: screen pop", "agent", p.Name, "err", err)
			}
			return r.Context().Err() == nil
		}
		key := popsKey(pops)
		if key == last && !force {
			return true
		}
		last = key
		seq++
		b, err := json.Marshal(pops)
		if err != nil {
			return false
		}
		return es.send("id: %d\nevent: items\ndata: %s\n\n", seq, b) == nil
	}
	if !send(true) {
		return
	}
	for {
		select {
		case _, ok := <-ch:
			if !ok || !send(false) {
				return
			}
		case <-refresh.C:
			if !send(true) {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}

// popsKey identifies a set of items in their states.
func popsKey(pops []itemPop) string {
	var b strings.Builder
	for _, p := range pops {
		b.WriteString(p.ID)
		b.WriteByte('=')
		b.WriteString(p.State)
		b.WriteByte(';')
	}
	return b.String()
}
