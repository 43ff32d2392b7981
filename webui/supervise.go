package webui

import (
	"context"
	"errors"
	"net/http"
	"regexp"
)

// Supervisor joins a supervisor's desk phone to an agent's live call.
type Supervisor interface {
	// Supervise rings extension (the supervisor's phone) and, once it
	// answers, joins it to agent's call in mode "listen", "whisper" or
	// "barge". It returns once the phone is being rung.
	Supervise(ctx context.Context, agent, extension, mode string) error
}

// Errors a Supervisor returns, mapped to HTTP statuses.
var (
	// ErrNoCall: the agent is on no bridged call.
	ErrNoCall = errors.New("the agent is on no call")
	// ErrSupervised: the call already has a supervisor.
	ErrSupervised = errors.New("the call already has a supervisor")
	// ErrPhoneOffline: the supervisor's extension has no registered phone.
	ErrPhoneOffline = errors.New("that extension has no registered phone")
)

// superviseRequest is the body of POST /api/v1/agents/{agent}/supervise.
type superviseRequest struct {
	Mode      string `json:"mode"`
	Extension string `json:"extension"`
}

var extensionRE = regexp.MustCompile(`^[0-9]{2,8}$`)

func (s *Server) apiSupervise(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Supervisor == nil {
		writeError(w, http.StatusNotFound, "calls cannot be supervised on this appliance")
		return
	}
	var req superviseRequest
	if err := readJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, "bad JSON: "+err.Error())
		return
	}
	switch req.Mode {
	case "listen", "whisper", "barge":
	default:
		writeError(w, http.StatusUnprocessableEntity, "mode: listen, whisper or barge")
		return
	}
	if !extensionRE.MatchString(req.Extension) {
		writeError(w, http.StatusUnprocessableEntity, "extension: the supervisor's desk phone number, 2 to 8 digits")
		return
	}
	err := s.cfg.Supervisor.Supervise(r.Context(), r.PathValue("agent"), req.Extension, req.Mode)
	switch {
	case errors.Is(err, ErrUnknownAgent), errors.Is(err, ErrNoCall):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrSupervised), errors.Is(err, ErrPhoneOffline):
		writeError(w, http.StatusConflict, err.Error())
	case err != nil:
		s.apiServerError(w, r, err)
	default:
		writeJSON(w, http.StatusAccepted, map[string]string{"status": "ringing " + req.Extension})
	}
}
