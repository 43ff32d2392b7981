package webui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/config"
)

// blankRows is how many empty rows the route forms offer for additions.
const blankRows = 2

// loadRoutes reads the stored routes and permissions in their file form.
func (s *Server) loadRoutes(ctx context.Context) (config.Routes, []config.Permission, error) {
	f, err := config.Export(ctx, s.st)
	if err != nil {
		return config.Routes{}, nil, fmt.Errorf("webui: export: %w", err)
	}
	var rt config.Routes
	if f.Routes != nil {
		rt = *f.Routes
	}
	return rt, f.Permissions, nil
}

// putRoutes replaces the whole routes section (inbound, outbound,
// emergency numbers, international allow-list); the running SIP side
// reloads it at its next configuration poll.
func (s *Server) putRoutes(ctx context.Context, rt config.Routes) error {
	return s.editConfig(ctx, []string{sectionRoutes}, func(f *config.File) (string, int, error) {
		f.Routes = &rt
		return sectionRoutes, -1, nil
	})
}

// putPermissions replaces the whole permissions section.
func (s *Server) putPermissions(ctx context.Context, ps []config.Permission) error {
	return s.editConfig(ctx, []string{sectionPermissions}, func(f *config.File) (string, int, error) {
		f.Permissions = ps
		return sectionPermissions, -1, nil
	})
}

// routesJSON is the routes section as the API shows it, every list
// present.
type routesJSON struct {
	Inbound                []map[string]any `json:"inbound"`
	Outbound               []map[string]any `json:"outbound"`
	Emergency              []string         `json:"emergency"`
	InternationalAllowlist []string         `json:"international_allowlist"`
}

func toRoutesJSON(rt config.Routes) (routesJSON, error) {
	out := routesJSON{Emergency: nonNil(rt.Emergency), InternationalAllowlist: nonNil(rt.InternationalAllowlist)}
	var err error
	if out.Inbound, err = entriesJSON(rt.Inbound, fileJSON); err != nil {
		return out, err
	}
	out.Outbound, err = entriesJSON(rt.Outbound, fileJSON)
	return out, err
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func (s *Server) apiRoutes(w http.ResponseWriter, r *http.Request) {
	rt, _, err := s.loadRoutes(r.Context())
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	out, err := toRoutesJSON(rt)
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// apiPutSection answers a PUT replacing a whole section: the body is the
// section as the file writes it.
func (s *Server) apiPutSection(w http.ResponseWriter, r *http.Request, v any, put func() error) {
	if decodeBody(w, r, v) && !s.putRefused(w, r, put()) {
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) apiPutRoutes(w http.ResponseWriter, r *http.Request) {
	var rt config.Routes
	s.apiPutSection(w, r, &rt, func() error { return s.putRoutes(r.Context(), rt) })
}

func (s *Server) apiPermissions(w http.ResponseWriter, r *http.Request) {
	_, ps, err := s.loadRoutes(r.Context())
	if err == nil {
		var out []map[string]any
		if out, err = entriesJSON(ps, fileJSON); err == nil {
			writeJSON(w, http.StatusOK, out)
			return
		}
	}
	s.apiServerError(w, r, err)
}

func (s *Server) apiPutPermissions(w http.ResponseWriter, r *http.Request) {
	var ps []config.Permission
	s.apiPutSection(w, r, &ps, func() error { return s.putPermissions(r.Context(), ps) })
}

// routesPage is what the routes template shows: the stored (or submitted)
// rows followed by blank ones.
type routesPage struct {
	Inbound     []inboundRow
	Outbound    []outboundRow
	Permissions []permissionRow
	Emergency   string
	Allowlist   string
	TrunkNames  []string
	Classes     []string
}

type inboundRow struct{ DID, To, Trunk string }

type outboundRow struct {
	Pattern, Trunks, Strip, Prepend, Class, CallerID string
	Emergency                                        bool
}

type permissionRow struct {
	Extension, Class, MaxConcurrent, InternationalMinutes, CallerID string
}

// routeClasses are the outbound classes, "" the default (national).
var routeClasses = []string{"", "internal", "local", "national", "international"}

func intText(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func newRoutesPage(rt config.Routes, ps []config.Permission) routesPage {
	p := routesPage{Emergency: strings.Join(rt.Emergency, " "), Allowlist: strings.Join(rt.InternationalAllowlist, " ")}
	for _, in := range rt.Inbound {
		p.Inbound = append(p.Inbound, inboundRow(in))
	}
	for _, o := range rt.Outbound {
		trunks := o.Trunks
		if o.Trunk != "" {
			trunks = []string{o.Trunk}
		}
		p.Outbound = append(p.Outbound, outboundRow{Pattern: o.Pattern, Trunks: strings.Join(trunks, " "), Strip: intText(o.Strip),
			Prepend: o.Prepend, Class: o.Class, CallerID: o.CallerID, Emergency: o.Emergency})
	}
	for _, pm := range ps {
		p.Permissions = append(p.Permissions, permissionRow{Extension: pm.Extension, Class: pm.Class,
			MaxConcurrent: intText(pm.MaxConcurrent), InternationalMinutes: intText(pm.InternationalMinutes), CallerID: pm.CallerID})
	}
	return p
}

func (s *Server) renderRoutes(w http.ResponseWriter, r *http.Request, status int, d pageData, p routesPage) {
	trunks, err := s.st.Trunks(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, t := range trunks {
		p.TrunkNames = append(p.TrunkNames, t.Name)
	}
	for range blankRows {
		p.Inbound = append(p.Inbound, inboundRow{})
		p.Outbound = append(p.Outbound, outboundRow{})
		p.Permissions = append(p.Permissions, permissionRow{})
	}
	p.Classes = routeClasses
	d.Title, d.Nav, d.Data = "Routes", sectionRoutes, p
	s.render(w, r, status, sectionRoutes, d)
}

func (s *Server) routesPage(w http.ResponseWriter, r *http.Request) {
	rt, ps, err := s.loadRoutes(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.renderRoutes(w, r, http.StatusOK, pageData{Notice: r.URL.Query().Get("notice")}, newRoutesPage(rt, ps))
}

// rows reads the repeated form fields of a table, one map a row, leaving
// out the rows with every field blank.
func rows(r *http.Request, fields ...string) []map[string]string {
	var out []map[string]string
	for i := 0; ; i++ {
		row, present, blank := map[string]string{}, false, true
		for _, f := range fields {
			vs := r.PostForm[f]
			if i < len(vs) {
				present = true
				row[f] = strings.TrimSpace(vs[i])
				blank = blank && row[f] == ""
			}
		}
		if !present {
			return out
		}
		if !blank {
			out = append(out, row)
		}
	}
}

// rowInt reads a whole number typed in a form (v, as typed, may come
// from a table row); path names it in an error.
func (p *formParser) rowInt(path, v string) int {
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		p.fail(path, "want a whole number, got %q", v)
	}
	return n
}

// routesForm reads the routes form into the routes section and the rows
// to show again.
func routesForm(r *http.Request) (config.Routes, routesPage, config.ErrorList) {
	p := &formParser{r: r}
	rt := config.Routes{Emergency: words(p.text("emergency")), InternationalAllowlist: words(p.text("international_allowlist"))}
	page := routesPage{Emergency: p.text("emergency"), Allowlist: p.text("international_allowlist")}
	for _, row := range rows(r, "in_did", "in_to", "in_trunk") {
		in := inboundRow{DID: row["in_did"], To: row["in_to"], Trunk: row["in_trunk"]}
		page.Inbound = append(page.Inbound, in)
		rt.Inbound = append(rt.Inbound, config.InboundRoute(in))
	}
	for i, row := range rows(r, "out_pattern", "out_trunks", "out_strip", "out_prepend", "out_class", "out_caller_id", "out_emergency") {
		o := outboundRow{Pattern: row["out_pattern"], Trunks: row["out_trunks"], Strip: row["out_strip"], Prepend: row["out_prepend"],
			Class: row["out_class"], CallerID: row["out_caller_id"], Emergency: row["out_emergency"] == "yes"}
		page.Outbound = append(page.Outbound, o)
		rt.Outbound = append(rt.Outbound, config.OutboundRoute{Pattern: o.Pattern, Trunks: words(o.Trunks),
			Strip: p.rowInt(fmt.Sprintf("routes.outbound[%d].strip", i), o.Strip), Prepend: o.Prepend, Class: o.Class,
			Emergency: o.Emergency, CallerID: o.CallerID})
	}
	return rt, page, p.errs
}

func (s *Server) routesSubmit(w http.ResponseWriter, r *http.Request) {
	rt, page, errs := routesForm(r)
	var err error = errs
	if len(errs) == 0 {
		err = s.putRoutes(r.Context(), rt)
	}
	s.afterRoutesSubmit(w, r, err, "Saved the routes", func() (routesPage, error) {
		_, ps, err := s.loadRoutes(r.Context())
		page.Permissions = newRoutesPage(config.Routes{}, ps).Permissions
		return page, err
	})
}

func (s *Server) permissionsSubmit(w http.ResponseWriter, r *http.Request) {
	p := &formParser{r: r}
	var ps []config.Permission
	var shown []permissionRow
	for i, row := range rows(r, "perm_extension", "perm_class", "perm_max_concurrent", "perm_international_minutes", "perm_caller_id") {
		pr := permissionRow{Extension: row["perm_extension"], Class: row["perm_class"], MaxConcurrent: row["perm_max_concurrent"],
			InternationalMinutes: row["perm_international_minutes"], CallerID: row["perm_caller_id"]}
		shown = append(shown, pr)
		path := fmt.Sprintf("permissions[%d].", i)
		ps = append(ps, config.Permission{Extension: pr.Extension, Class: pr.Class, CallerID: pr.CallerID,
			MaxConcurrent:        p.rowInt(path+"max_concurrent", pr.MaxConcurrent),
			InternationalMinutes: p.rowInt(path+"international_minutes", pr.InternationalMinutes)})
	}
	var err error = p.errs
	if len(p.errs) == 0 {
		err = s.putPermissions(r.Context(), ps)
	}
	s.afterRoutesSubmit(w, r, err, "Saved the permissions", func() (routesPage, error) {
		rt, _, err := s.loadRoutes(r.Context())
		page := newRoutesPage(rt, nil)
		page.Permissions = shown
		return page, err
	})
}

// afterRoutesSubmit redirects after a saved form, or shows the page again
// with the submitted rows (from again) and the errors.
func (s *Server) afterRoutesSubmit(w http.ResponseWriter, r *http.Request, err error, notice string, again func() (routesPage, error)) {
	if fes := fieldErrors(err); fes != nil {
		page, err := again()
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		s.renderRoutes(w, r, http.StatusUnprocessableEntity, pageData{Error: "Nothing was saved: the change has errors.", Errors: fes}, page)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/routes?notice="+url.QueryEscape(notice), http.StatusSeeOther)
}
