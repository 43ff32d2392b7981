package webui

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/internal/config"
)

// trunkPeer is the state shown for a peer trunk: it does not register.
const trunkPeer = "peer"

// trunkStatus is a trunk's live registration state as the running server
// last recorded it (the source of `switchboard trunk status`).
type trunkStatus struct {
	State   string    `json:"state"`
	Reason  string    `json:"reason,omitempty"`
	Expires time.Time `json:"expires,omitzero"`
	Updated time.Time `json:"updated,omitzero"`
}

// trunkView is a trunk as the panel shows it: never its password.
type trunkView struct {
	config.Trunk
	HasPassword bool
	Status      trunkStatus
}

func trunkName(t config.Trunk) string { return t.Name }

// trunkViews reads the trunks with their live state; passwords are
// dropped here so that no page or answer can show one.
func (s *Server) trunkViews(ctx context.Context) ([]trunkView, error) {
	recs, err := s.st.Trunks(ctx)
	if err != nil {
		return nil, err
	}
	loc := s.location(ctx)
	out := make([]trunkView, 0, len(recs))
	for _, rec := range recs {
		v := trunkView{Trunk: config.TrunkFromRecord(rec), HasPassword: rec.Password != ""}
		v.Password = ""
		if v.Type == trunkPeer {
			v.Status.State = trunkPeer
		} else if st, ok, err := s.st.TrunkStatus(ctx, v.Name); err != nil {
			return nil, err
		} else if ok {
			v.Status = trunkStatus{State: st.State, Reason: st.Reason, Expires: st.Expires.In(loc), Updated: st.Updated.In(loc)}
		} else {
			v.Status = trunkStatus{State: "unknown", Reason: "no status reported (is the server running?)"}
		}
		out = append(out, v)
	}
	return out, nil
}

// putTrunk creates trunk t or replaces the trunk of that name; an empty
// password keeps the stored one (the panel never shows it back).
func (s *Server) putTrunk(ctx context.Context, t config.Trunk) (created bool, err error) {
	err = s.editConfig(ctx, []string{sectionTrunks}, func(f *config.File) (string, int, error) {
		if i := slices.IndexFunc(f.Trunks, func(o config.Trunk) bool { return o.Name == t.Name }); i >= 0 && t.Password == "" {
			t.Password = f.Trunks[i].Password
		}
		i, added := upsert(&f.Trunks, t, trunkName)
		created = added
		return sectionTrunks, i, nil
	})
	return created, err
}

// deleteTrunk removes a trunk; routes still using it are named in the
// errors.
func (s *Server) deleteTrunk(ctx context.Context, name string) error {
	return s.editConfig(ctx, []string{sectionTrunks}, func(f *config.File) (string, int, error) {
		return sectionTrunks, -1, remove(&f.Trunks, name, trunkName)
	})
}

// trunkJSON is a trunk's API form: the file's fields without the password,
// with has_password and the live status.
func trunkJSON(v trunkView) (map[string]any, error) {
	m, err := entryJSON(v.Trunk)
	if err != nil {
		return nil, err
	}
	delete(m, "password")
	m["has_password"] = v.HasPassword
	m["status"] = v.Status
	return m, nil
}

func (s *Server) apiTrunks(w http.ResponseWriter, r *http.Request) {
	views, err := s.trunkViews(r.Context())
	if err == nil {
		var out []map[string]any
		if out, err = entriesJSON(views, trunkJSON); err == nil {
			writeJSON(w, http.StatusOK, out)
			return
		}
	}
	s.apiServerError(w, r, err)
}

// entriesJSON renders each entry of a list with one, for JSON.
func entriesJSON[T any](xs []T, one func(T) (map[string]any, error)) ([]map[string]any, error) {
	out := make([]map[string]any, 0, len(xs))
	for _, x := range xs {
		m, err := one(x)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// fileJSON renders an entry as the file writes it (see entryJSON).
func fileJSON[T any](x T) (map[string]any, error) { return entryJSON(x) }

// apiPutTrunk answers a PUT of one trunk; the answer leaves the password
// out.
func (s *Server) apiPutTrunk(w http.ResponseWriter, r *http.Request) {
	var t config.Trunk
	s.apiPutEntry(w, r, &t, &t.Name, func() (bool, error) {
		created, err := s.putTrunk(r.Context(), t)
		t.Password = ""
		return created, err
	})
}

func (s *Server) apiDeleteTrunk(w http.ResponseWriter, r *http.Request) {
	s.apiDeleteEntry(w, r, s.deleteTrunk)
}

// trunksPage is what the trunks template shows.
type trunksPage struct {
	Trunks    []trunkView
	Form      trunkForm
	DTMFModes []string
}

// trunkForm is a trunk as the form shows it, lists and durations as text.
type trunkForm struct {
	Editing bool
	Trunk   config.Trunk
	// HasPassword tells the form a password is stored (left empty, kept).
	HasPassword bool
	Codecs      string
	DIDs        string
	Expiry      string
	Country     config.Country
}

func newTrunkForm(v trunkView) trunkForm {
	f := trunkForm{Editing: true, Trunk: v.Trunk, HasPassword: v.HasPassword, Codecs: strings.Join(v.Codecs, " "),
		DIDs: strings.Join(v.DIDs, " "), Expiry: durationText(v.Expiry)}
	f.Trunk.Password = ""
	if v.Country != nil {
		f.Country = *v.Country
	}
	return f
}

func (s *Server) renderTrunks(w http.ResponseWriter, r *http.Request, status int, d pageData, form trunkForm) {
	views, err := s.trunkViews(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Title, d.Nav, d.Data = "Trunks", sectionTrunks, trunksPage{Trunks: views, Form: form, DTMFModes: []string{"rfc4733", "info", "inband"}}
	s.render(w, r, status, sectionTrunks, d)
}

func (s *Server) trunksPage(w http.ResponseWriter, r *http.Request) {
	form := trunkForm{Trunk: config.Trunk{Type: "register"}}
	if name := r.URL.Query().Get("edit"); name != "" {
		views, err := s.trunkViews(r.Context())
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if i := slices.IndexFunc(views, func(v trunkView) bool { return v.Name == name }); i >= 0 {
			form = newTrunkForm(views[i])
		}
	}
	s.renderTrunks(w, r, http.StatusOK, pageData{Notice: r.URL.Query().Get("notice")}, form)
}

// words splits a list typed with spaces or commas.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

func (s *Server) trunkSubmit(w http.ResponseWriter, r *http.Request) {
	p := &formParser{r: r}
	t := config.Trunk{Name: p.text("name"), Type: p.text("type"), Host: p.text("host"), Username: p.text("username"),
		Password: r.PostFormValue("password"), Transport: p.text("transport"), Codecs: words(p.text("codecs")),
		DTMF: p.text("dtmf"), OutboundProxy: p.text("outbound_proxy"), CalledFrom: p.text("called_from"), DIDs: words(p.text("dids"))}
	if d := p.duration("expiry"); d != nil {
		t.Expiry = *d
	}
	country := config.Country{Code: p.text("country_code"), NationalPrefix: p.text("national_prefix"), InternationalPrefix: p.text("international_prefix")}
	if country != (config.Country{}) {
		t.Country = &country
	}
	var err error = p.errs
	if len(p.errs) == 0 {
		_, err = s.putTrunk(r.Context(), t)
	}
	if fes := fieldErrors(err); fes != nil {
		form := trunkForm{Trunk: t, Codecs: p.text("codecs"), DIDs: p.text("dids"), Expiry: p.text("expiry"), Country: country}
		form.Trunk.Password = ""
		s.renderTrunks(w, r, http.StatusUnprocessableEntity, pageData{Error: "Nothing was saved: the trunk has errors.", Errors: fes}, form)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/trunks?notice="+url.QueryEscape("Saved trunk "+t.Name), http.StatusSeeOther)
}

func (s *Server) trunkDelete(w http.ResponseWriter, r *http.Request) {
	s.entryDelete(w, r, sectionTrunks, func(r *http.Request) error { return s.deleteTrunk(r.Context(), r.PathValue("name")) },
		func(status int, d pageData) { s.renderTrunks(w, r, status, d, trunkForm{}) })
}
