package contact

import (
	"cmp"
	"net/http"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/ivr"
)

// codesPerMinute bounds the web-to-voice codes one client address (an
// IPv6 client by its /64) may take in a minute. The code space is small
// (10,000 codes of 30 minutes): at this rate one address takes at most 300
// of them in a code's lifetime, while a few visitors behind one NAT who
// mean to call still get theirs. Page views issue no code.
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
// another one. It holds at most maxKeys visits (as many as a 4-digit code
// space); beyond that a code is shown but not remembered.
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

// put remembers code for v until expires.
func (c *issuedCodes) put(v visit, code string, expires, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.codes == nil {
		c.codes = map[visit]issued{}
	}
	if len(c.codes) >= maxKeys {
		for k, is := range c.codes {
			if !now.Before(is.expires) {
				delete(c.codes, k)
			}
		}
		if len(c.codes) >= maxKeys {
			return
		}
	}
	c.codes[v] = issued{code: code, expires: expires}
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
// valid. New codes are bounded per address (codesPerMinute).
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
	if v.Phone.Code = h.codes.get(key, now); v.Phone.Code == "" {
		if !h.calls.allow(clientIP(r), now) {
			w.Header().Set("Retry-After", "60")
			http.Error(w, t.TooMany, http.StatusTooManyRequests)
			return
		}
		c := ivr.Context{Flow: f.Name, Face: ivr.Web, Intent: cmp.Or(n.Intent, n.Queue), Path: []string{id}}
		code, expires, err := h.cfg.Codes.Issue(r.Context(), n.Queue, c)
		if err != nil {
			// Without a code (the code space taken, say) the visitor
			// still gets the number.
			h.cfg.Logger.Warn("contact: no web-to-voice code", "flow", f.Name, "queue", n.Queue, "err", err)
		} else {
			h.codes.put(key, code, expires, now)
			h.record(r.Context(), f, id, ivr.Chose, "call", session)
			v.Phone.Code = code
		}
	}
	h.render(w, http.StatusOK, v)
}
