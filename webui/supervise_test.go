package webui

import (
	"context"
	"net/http"
	"testing"

	"github.com/switchboard-cc/switchboard/webui/auth"
)

// fakeSupervisor records the supervision asked for and answers err.
type fakeSupervisor struct {
	err                    error
	agent, extension, mode string
}

func (f *fakeSupervisor) Supervise(_ context.Context, agent, extension, mode string) error {
	f.agent, f.extension, f.mode = agent, extension, mode
	return f.err
}

func TestSuperviseAPI(t *testing.T) {
	sup := &fakeSupervisor{}
	f := newFixture(t, Config{Supervisor: sup})
	agent := f.login(t, "agent1", auth.RoleAgent)
	boss := f.login(t, "boss", auth.RoleSupervisor)
	path := "/api/v1/agents/alice/supervise"
	if w := f.do(t, agent, "POST", path, "application/json", `{"mode":"listen","extension":"1004"}`, true); w.Code != http.StatusForbidden {
		t.Errorf("agent: %d", w.Code)
	}
	if w := f.do(t, boss, "POST", path, "application/json", `{"mode":"listen","extension":"1004"}`, false); w.Code != http.StatusForbidden {
		t.Errorf("no CSRF token: %d", w.Code)
	}
	w := f.do(t, boss, "POST", path, "application/json", `{"mode":"whisper","extension":"1004"}`, true)
	if w.Code != http.StatusAccepted || sup.agent != "alice" || sup.extension != "1004" || sup.mode != "whisper" {
		t.Errorf("whisper: %d %s, supervisor got %+v", w.Code, w.Body, sup)
	}
	for body, code := range map[string]int{
		`{"mode":"spy","extension":"1004"}`:    http.StatusUnprocessableEntity,
		`{"mode":"barge","extension":"10<b>"}`: http.StatusUnprocessableEntity,
		`{"mode":"barge"`:                      http.StatusBadRequest,
	} {
		if w := f.do(t, boss, "POST", path, "application/json", body, true); w.Code != code {
			t.Errorf("%s: %d, want %d", body, w.Code, code)
		}
	}
	for err, code := range map[error]int{ErrNoCall: 404, ErrUnknownAgent: 404, ErrSupervised: 409, ErrPhoneOffline: 409} {
		sup.err = err
		if w := f.do(t, boss, "POST", path, "application/json", `{"mode":"barge","extension":"1004"}`, true); w.Code != code {
			t.Errorf("%v: %d, want %d", err, w.Code, code)
		}
	}
}
