package webui

import (
	"errors"
	"net/http"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

func (s *Server) deleteUser(r *http.Request) error {
	p, _ := auth.FromContext(r.Context())
	name := r.PathValue("name")
	if name == p.Name {
		return errSelfDelete
	}
	return s.st.DeleteWebUser(r.Context(), name)
}

func (s *Server) apiDeleteUser(w http.ResponseWriter, r *http.Request) {
	err := s.deleteUser(r)
	switch {
	case errors.Is(err, errSelfDelete):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such user")
	case err != nil:
		s.apiServerError(w, r, err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) apiResetPassword(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Password string `json:"password"`
	}
	if err := readJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		return
	}
	err := s.auth.SetPassword(r.Context(), r.PathValue("name"), in.Password)
	switch {
	case errors.Is(err, auth.ErrWeakPassword):
		writeError(w, http.StatusUnprocessableEntity, err.Error())
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such user")
	case err != nil:
		s.apiServerError(w, r, err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) apiChangeMyPassword(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Current  string `json:"current"`
		Password string `json:"password"`
	}
	if err := readJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		return
	}
	p, _ := auth.FromContext(r.Context())
	err := s.auth.ChangePassword(r.Context(), p.Name, in.Current, in.Password)
	switch {
	case errors.Is(err, auth.ErrBadCredentials):
		writeError(w, http.StatusForbidden, "the current password is wrong")
	case errors.Is(err, auth.ErrThrottled):
		writeError(w, http.StatusTooManyRequests, err.Error())
	case errors.Is(err, auth.ErrWeakPassword):
		writeError(w, http.StatusUnprocessableEntity, err.Error())
	case err != nil:
		s.apiServerError(w, r, err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) userDeleteSubmit(w http.ResponseWriter, r *http.Request) {
	err := s.deleteUser(r)
	switch {
	case errors.Is(err, errSelfDelete):
		s.renderUsers(w, r, http.StatusConflict, pageData{Error: err.Error()})
	case err != nil && !errors.Is(err, store.ErrNotFound):
		s.serverError(w, r, err)
	default:
		http.Redirect(w, r, "/admin/users?notice=Deleted+user", http.StatusSeeOther)
	}
}

func (s *Server) userPasswordSubmit(w http.ResponseWriter, r *http.Request) {
	err := s.auth.SetPassword(r.Context(), r.PathValue("name"), r.PostFormValue("password"))
	switch {
	case errors.Is(err, auth.ErrWeakPassword):
		s.renderUsers(w, r, http.StatusUnprocessableEntity, pageData{Error: err.Error()})
	case errors.Is(err, store.ErrNotFound):
		s.renderUsers(w, r, http.StatusNotFound, pageData{Error: "no such user"})
	case err != nil:
		s.serverError(w, r, err)
	default:
		http.Redirect(w, r, "/admin/users?notice=Password+changed", http.StatusSeeOther)
	}
}
