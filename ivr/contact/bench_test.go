package contact

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/ivr"
)

// BenchmarkPage renders the intent page (live conditions asked, template
// executed); BenchmarkStaticBaseline serves a fixed page of the same size
// through the same recorder, the floor of any handler.
func BenchmarkPage(b *testing.B) {
	live := &fakeLive{}
	live.set(0, time.Minute)
	// One client asks for every page: no page-view limit.
	h, err := New(Config{Flows: Flows{"main": demoFlow()}, Env: ivr.Env{Live: live, Calendars: openCalendar(true)}, PageViewsPerMinute: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/contact/main?n=support&s=0123456789abcdef", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

func BenchmarkStaticBaseline(b *testing.B) {
	live := &fakeLive{}
	live.set(0, time.Minute)
	h, err := New(Config{Flows: Flows{"main": demoFlow()}, Env: ivr.Env{Live: live, Calendars: openCalendar(true)}})
	if err != nil {
		b.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/contact/main?n=support&s=0123456789abcdef", nil))
	page := rec.Body.Bytes()
	static := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	req := httptest.NewRequest("GET", "/contact/main", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		static.ServeHTTP(rec, req)
	}
}
