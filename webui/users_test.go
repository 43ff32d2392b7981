package webui

import (
	"net/http"
	"testing"

	"github.com/switchboard-cc/switchboard/webui/auth"
)

func TestUserAccounts(t *testing.T) {
	f := newFixture(t, Config{})
	admin := f.login(t, "admin1", auth.RoleAdmin)
	agent := f.login(t, "agent1", auth.RoleAgent)

	if w := f.do(t, admin, "DELETE", "/api/v1/users/admin1", "", "", true); w.Code != http.StatusConflict {
		t.Fatalf("self delete: %d", w.Code)
	}
	if w := f.do(t, admin, "DELETE", "/api/v1/users/nobody", "", "", true); w.Code != http.StatusNotFound {
		t.Fatalf("unknown user: %d", w.Code)
	}
	if w := f.do(t, admin, "POST", "/api/v1/users/agent1/password", "application/json", `{"password":"short"}`, true); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("short password: %d", w.Code)
	}

	tests := []struct {
		name string
		body string
		want int
	}{
		{"wrong current", `{"current":"nope","password":"new-password-1"}`, 403},
		{"too short", `{"current":"password-agent1","password":"short"}`, 422},
		{"changed", `{"current":"password-agent1","password":"new-password-1"}`, 204},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if w := f.do(t, agent, "POST", "/api/v1/me/password", "application/json", tt.body, true); w.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.want, w.Body)
			}
		})
	}
	if w := f.do(t, agent, "GET", "/api/v1/me", "", "", false); w.Code != http.StatusUnauthorized {
		t.Fatalf("session kept after a password change: %d", w.Code)
	}
	w := f.do(t, session{}, "POST", "/login", "application/x-www-form-urlencoded", "username=agent1&password=new-password-1", false)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("login with the new password: %d", w.Code)
	}
	if w := f.do(t, admin, "DELETE", "/api/v1/users/agent1", "", "", true); w.Code != http.StatusNoContent {
		t.Fatalf("delete: %d", w.Code)
	}
	s := session{cookie: w.Result().Cookies()[0]}
	if w := f.do(t, s, "GET", "/api/v1/me", "", "", false); w.Code != http.StatusUnauthorized {
		t.Fatalf("deleted user's session still works: %d", w.Code)
	}
}
