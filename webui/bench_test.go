package webui

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/switchboard-cc/switchboard/webui/auth"
)

// BenchmarkStaticAsset is the baseline: a request that needs no session.
func BenchmarkStaticAsset(b *testing.B) {
	f := newFixture(b, Config{})
	h := f.s.Handler()
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/static/app.css", nil))
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkAuthenticatedAPI measures an API call behind a session: cookie
// hash, session and user lookups in SQLite, role check, JSON answer.
func BenchmarkAuthenticatedAPI(b *testing.B) {
	f := newFixture(b, Config{})
	s := f.login(b, "agent1", auth.RoleAgent)
	h := f.s.Handler()
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("GET", "/api/v1/me", nil)
		r.AddCookie(s.cookie)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}
