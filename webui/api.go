package webui

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	b, err := assets.ReadFile("assets/openapi.json")
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// userView is a user as the API shows it: never the password hash.
type userView struct {
	Name        string    `json:"name"`
	Role        string    `json:"role"`
	DisplayName string    `json:"display_name"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	p, _ := auth.FromContext(r.Context())
	writeJSON(w, http.StatusOK, userView{Name: p.Name, Role: string(p.Role), DisplayName: p.DisplayName})
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Label string `json:"label"`
	}
	if err := readJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		return
	}
	if in.Label == "" || len(in.Label) > 64 {
		writeError(w, http.StatusBadRequest, "label: 1 to 64 characters")
		return
	}
	p, _ := auth.FromContext(r.Context())
	tok, err := s.auth.CreateToken(r.Context(), p.Name, in.Label)
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"token": tok, "label": in.Label})
}

func (s *Server) apiExtensions(w http.ResponseWriter, r *http.Request) {
	exts, err := s.extensions(r.Context())
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, exts)
}

func (s *Server) apiPutExtension(w http.ResponseWriter, r *http.Request) {
	var in extensionInput
	if err := readJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		return
	}
	err := s.putExtension(r.Context(), in)
	if fes := fieldErrors(err); fes != nil {
		writeJSON(w, http.StatusUnprocessableEntity, apiError{Error: "invalid extension", Errors: fes})
		return
	}
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, extensionView{Number: in.Number, Name: in.Name})
}

func (s *Server) apiDeleteExtension(w http.ResponseWriter, r *http.Request) {
	err := s.deleteExtension(r.Context(), r.PathValue("number"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no such extension")
		return
	}
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request) {
	users, err := s.st.WebUsers(r.Context())
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	out := make([]userView, 0, len(users))
	for _, u := range users {
		out = append(out, userView{Name: u.Name, Role: u.Role, DisplayName: u.DisplayName, CreatedAt: u.CreatedAt})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name        string `json:"name"`
		Role        string `json:"role"`
		Password    string `json:"password"`
		DisplayName string `json:"display_name"`
	}
	if err := readJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		return
	}
	err := s.auth.CreateUser(r.Context(), in.Name, auth.Role(in.Role), in.Password, in.DisplayName)
	if msg := userErrorMessage(err); msg != "" {
		writeError(w, http.StatusUnprocessableEntity, msg)
		return
	}
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, userView{Name: in.Name, Role: in.Role, DisplayName: in.DisplayName})
}

func (s *Server) apiExportConfig(w http.ResponseWriter, r *http.Request) {
	b, err := s.exportConfig(r.Context())
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Content-Disposition", `attachment; filename="switchboard.yaml"`)
	w.Write(b)
}

func (s *Server) apiImportConfig(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "body too large")
		return
	}
	f, fes := s.parseKnownConfig(r.Context(), data)
	if fes == nil {
		err := config.Apply(r.Context(), s.st, f)
		if fes = fieldErrors(err); fes == nil && err != nil {
			s.apiServerError(w, r, err)
			return
		}
	}
	if fes != nil {
		writeJSON(w, http.StatusUnprocessableEntity, apiError{Error: "nothing was applied: the file has errors", Errors: fes})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// validation is the answer of the live YAML check.
type validation struct {
	OK     bool         `json:"ok"`
	Errors []fieldError `json:"errors"`
}

func (s *Server) apiValidateConfig(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "body too large")
		return
	}
	_, fes := s.parseKnownConfig(r.Context(), data)
	if fes == nil {
		fes = []fieldError{}
	}
	writeJSON(w, http.StatusOK, validation{OK: len(fes) == 0, Errors: fes})
}

func (s *Server) apiServerError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("webui: api request failed", "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal error")
}
