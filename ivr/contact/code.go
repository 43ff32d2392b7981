package contact

import (
	"cmp"
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/ivr"
)

// codesPerMinute bounds the web-to-voice codes one client address (an
// IPv6 client by its /64) may take in a minute: at most 300 in a code's
// lifetime (30 minutes), while a few visitors behind one NAT who mean to
// call still get theirs. The codes outstanding are bounded as a whole
// too (ivr.MaxCodes, 2 % of the code space): past that the page shows the
// number without a code. Page views issue no code.
const codesPerMinute = 10

// visit names the page a code was issued for: a flow's queue node seen in
// one session.
type visit struct{ flow, node, session string }

// issued is a code handed to a visit, and when it expires.
type issued struct {
	code    string
	expires time.Time
}

// issuedCodes remembers the code of each visit until it expires, so that
// a reload or a second click shows the same code instead of taking
// another one (while it is not redeemed: Handler.visitCode). It holds at
// most ivr.MaxCodes visits, as many as there are codes outstanding;
// beyond that a code is shown but not remembered.
type issuedCodes struct {
	mu    sync.Mutex // guards codes
	codes map[visit]issued
}

// get returns the unexpired code of v, or "".
func (c *issuedCodes) get(v visit, now time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if is, ok := c.codes[v]; ok && now.Before(is.expires) {
		return is.code
	}
	return ""
}

// forget drops the code of v.
func (c *issuedCodes) forget(v visit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.codes, v)
}

// put remembers code for v until expires.
func (c *issuedCodes) put(v visit, code string, expires, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.codes == nil {
		c.codes = map[visit]issued{}
	}
	if len(c.codes) >= ivr.MaxCodes {
		for k, is := range c.codes {
			if !now.Before(is.expires) {
				delete(c.codes, k)
			}
		}
		if len(c.codes) >= ivr.MaxCodes {
			return
		}
	}
	c.codes[v] = issued{code: code, expires: expires}
}

// visitCode returns the code issued to v while it is valid and not
// redeemed, or "": a visitor who called with it gets a new one on asking
// again.
func (h *Handler) visitCode(ctx context.Context, v visit, now time.Time) string {
	code := h.codes.get(v, now)
	if code == "" {
		return ""
	}
	pending, err := h.cfg.Codes.Pending(ctx, code)
	if err != nil {
		// The store will not say: show the code, as before it was asked.
		h.cfg.Logger.Warn("contact: web-to-voice code", "flow", v.flow, "err", err)
		return code
	}
	if !pending {
		h.codes.forget(v)
		return ""
	}
	return code
}

// revealForm is the button of a queue page that asks for the visit's code.
func (h *Handler) revealForm(flow *ivr.Flow, node, session string) *formView {
	f := h.form(flow, node, session)
	f.Action += "/call"
	return f
}

// call answers the "get a code" button of a queue page (a form post, so
// that it works without script): the page of the phone number with the
// visit's code, issued on the first ask and the same again while it is
// valid and not redeemed. New codes are bounded per address
// (codesPerMinute); when none can be issued (ivr.MaxCodes outstanding)
// the page says so and shows the number alone.
func (h *Handler) call(w http.ResponseWriter, r *http.Request) {
	f, ok := h.flow(w, r)
	if !ok {
		return
	}
	t := h.language(r.Context(), f.Language)
	id, session, ok := h.signedForm(w, r, f, t, 4<<10)
	if !ok {
		return
	}
	n, now := f.Nodes[id], h.now()
	if n.Type != ivr.Queue || f.Phone == "" || h.cfg.Codes == nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	v := h.base(r.Context(), f, id, session)
	// The visitor is about to call: leaving this page is no abandonment.
	v.Title, v.LeftURL = cmp.Or(n.Title, n.Intent, t.CallUs), ""
	v.Phone = &phoneView{Number: f.Phone}
	key := visit{flow: f.Name, node: id, session: session}
	if v.Phone.Code = h.visitCode(r.Context(), key, now); v.Phone.Code == "" {
		if !h.calls.allow(clientIP(r), now) {
			w.Header().Set("Retry-After", "60")
			http.Error(w, t.TooMany, http.StatusTooManyRequests)
			return
		}
		c := ivr.Context{Flow: f.Name, Face: ivr.Web, Intent: cmp.Or(n.Intent, n.Queue), Path: []string{id}}
		code, expires, err := h.cfg.Codes.Issue(r.Context(), n.Queue, c)
		if err != nil {
			// Without a code (as many outstanding as allowed, say) the
			// visitor still gets the number.
			h.cfg.Logger.Warn("contact: no web-to-voice code", "flow", f.Name, "queue", n.Queue, "err", err)
			v.Phone.NoCode = true
		} else {
			h.codes.put(key, code, expires, now)
			h.record(r.Context(), f, id, ivr.Chose, "call", session)
			v.Phone.Code = code
		}
	}
	h.render(w, http.StatusOK, v)
}
