package webui

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

//go:embed assets
var assets embed.FS

// templateFuncs is the small arithmetic the inline SVG charts need.
var templateFuncs = template.FuncMap{
	"add":        func(a, b int) int { return a + b },
	"mul":        func(a, b int) int { return a * b },
	"barY":       func(i int) int { return i * 28 },
	"barsHeight": func(n int) int { return n*28 + 4 },
	"has":        func(list []string, s string) bool { return slices.Contains(list, s) },
	"percent":    func(f float64) string { return strconv.Itoa(int(f*100+0.5)) + "%" },
	"bytes":      byteSize,
}

// pages holds one parsed template set per page, each with the layout.
type pages struct {
	byName map[string]*template.Template
}

func loadPages() (*pages, error) {
	layout, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(assets, "assets/templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("webui: layout template: %w", err)
	}
	names, err := fs.Glob(assets, "assets/templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("webui: templates: %w", err)
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		if strings.HasSuffix(n, "/layout.html") {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(assets, n)
		if err != nil {
			return nil, fmt.Errorf("webui: template %s: %w", n, err)
		}
		p.byName[strings.TrimSuffix(n[strings.LastIndex(n, "/")+1:], ".html")] = t
	}
	return p, nil
}

// pageData is what every page template receives.
type pageData struct {
	Title  string
	User   *auth.Principal
	Nav    string
	Error  string
	Notice string
	Errors []fieldError
	Data   any
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, d pageData) {
	if p, ok := auth.FromContext(r.Context()); ok {
		d.User = &p
	}
	t, ok := s.pages.byName[name]
	if !ok {
		http.Error(w, "no such page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := t.ExecuteTemplate(w, "layout", d); err != nil {
		s.log.Warn("webui: render", "page", name, "err", err)
	}
}

func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("webui: request failed", "path", r.URL.Path, "err", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", pageData{Title: "Sign in"})
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if !auth.SameOrigin(r) {
		http.Error(w, "cross-origin login refused", http.StatusForbidden)
		return
	}
	name, pw := r.PostFormValue("username"), r.PostFormValue("password")
	_, err := s.auth.Login(r.Context(), w, r, name, pw)
	switch {
	case errors.Is(err, auth.ErrThrottled):
		s.log.Warn("webui: login throttled", "user", name, "remote", r.RemoteAddr)
		s.render(w, r, http.StatusTooManyRequests, "login", pageData{Title: "Sign in", Error: err.Error()})
	case errors.Is(err, auth.ErrBadCredentials):
		s.log.Info("webui: failed login", "user", name, "remote", r.RemoteAddr)
		s.render(w, r, http.StatusUnauthorized, "login", pageData{Title: "Sign in", Error: "Wrong user name or password."})
	case err != nil:
		s.serverError(w, r, err)
	default:
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.auth.Logout(r.Context(), w, r); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	if p.Role == auth.RoleAdmin {
		http.Redirect(w, r, "/admin/extensions", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/console", http.StatusSeeOther)
}

func (s *Server) extensionsPage(w http.ResponseWriter, r *http.Request) {
	s.renderExtensions(w, r, http.StatusOK, pageData{Notice: r.URL.Query().Get("notice")})
}

func (s *Server) renderExtensions(w http.ResponseWriter, r *http.Request, status int, d pageData) {
	exts, err := s.extensions(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Title, d.Nav, d.Data = "Extensions", "extensions", exts
	s.render(w, r, status, "extensions", d)
}

func (s *Server) extensionsSubmit(w http.ResponseWriter, r *http.Request) {
	in := extensionInput{Number: r.PostFormValue("number"), Name: r.PostFormValue("name"), Password: r.PostFormValue("password"),
		Record: r.PostFormValue("record") != ""}
	err := s.putExtension(r.Context(), in)
	if fes := fieldErrors(err); fes != nil {
		s.renderExtensions(w, r, http.StatusUnprocessableEntity, pageData{Errors: fes})
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/extensions?notice=Saved+extension+"+in.Number, http.StatusSeeOther)
}

func (s *Server) extensionDelete(w http.ResponseWriter, r *http.Request) {
	err := s.deleteExtension(r.Context(), r.PathValue("number"))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/extensions", http.StatusSeeOther)
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	s.renderUsers(w, r, http.StatusOK, pageData{Notice: r.URL.Query().Get("notice")})
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, d pageData) {
	users, err := s.st.WebUsers(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Title, d.Nav, d.Data = "Users", "users", users
	s.render(w, r, status, "users", d)
}

func (s *Server) usersSubmit(w http.ResponseWriter, r *http.Request) {
	name := r.PostFormValue("username")
	err := s.auth.CreateUser(r.Context(), name, auth.Role(r.PostFormValue("role")), r.PostFormValue("password"), r.PostFormValue("display_name"))
	if msg := userErrorMessage(err); msg != "" {
		s.renderUsers(w, r, http.StatusUnprocessableEntity, pageData{Error: msg})
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/users?notice=Created+user+"+name, http.StatusSeeOther)
}

// userErrorMessage is the message to show for a refused user, or "" when
// err is nil or not the caller's fault.
func userErrorMessage(err error) string {
	for _, e := range []error{auth.ErrBadUserName, auth.ErrBadRole, auth.ErrWeakPassword} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	if errors.Is(err, store.ErrExists) {
		return "a user with that name already exists"
	}
	return ""
}

// configEditor is the data of the YAML editor page.
type configEditor struct {
	YAML string
	// Placeholder is what the YAML shows for each secret.
	Placeholder string
}

func (s *Server) configPage(w http.ResponseWriter, r *http.Request) {
	b, err := s.exportConfig(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "config", pageData{Title: "Configuration", Nav: "config", Notice: r.URL.Query().Get("notice"), Data: configEditor{YAML: string(b), Placeholder: config.Placeholder}})
}

func (s *Server) configSubmit(w http.ResponseWriter, r *http.Request) {
	text := r.PostFormValue("yaml")
	f, fes := s.parseKnownConfig(r.Context(), []byte(text))
	if fes == nil {
		err := config.Apply(r.Context(), s.st, f)
		if fes = fieldErrors(err); fes == nil && err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if fes != nil {
		s.render(w, r, http.StatusUnprocessableEntity, "config", pageData{
			Title: "Configuration", Nav: "config", Error: "Nothing was applied: the file has errors.", Errors: fes,
			Data: configEditor{YAML: text, Placeholder: config.Placeholder},
		})
		return
	}
	http.Redirect(w, r, "/admin/config?notice=Configuration+applied", http.StatusSeeOther)
}
