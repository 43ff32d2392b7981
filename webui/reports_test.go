package webui

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

// addCDR writes c as a finished record, as the SIP side does, and returns
// its id.
func addCDR(t *testing.T, st *store.Store, c store.CDR) int64 {
	t.Helper()
	id, err := st.StartCDR(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	c.ID = id
	if err := st.FinishCDR(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestCDRReport(t *testing.T) {
	f := newFixture(t, Config{})
	day := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	addCDR(t, f.st, store.CDR{CallID: "a", Caller: "+33612345678", Callee: "1001", StartedAt: day,
		AnsweredAt: day.Add(5 * time.Second), EndedAt: day.Add(65 * time.Second), Disposition: "answered", SIPStatus: 200, Queue: "support"})
	addCDR(t, f.st, store.CDR{CallID: "b", Caller: "=HYPERLINK(\"http://evil\")", Callee: "1001", StartedAt: day.Add(time.Hour),
		EndedAt: day.Add(time.Hour + 20*time.Second), Disposition: "busy", SIPStatus: 486})
	addCDR(t, f.st, store.CDR{CallID: "c", Caller: "1002", Callee: "1003", StartedAt: day.AddDate(0, 0, 2),
		EndedAt: day.AddDate(0, 0, 2).Add(time.Second), Disposition: "no-answer", SIPStatus: 480})
	agent := f.login(t, "agent1", auth.RoleAgent)
	sup := f.login(t, "sup1", auth.RoleSupervisor)

	for _, path := range []string{"/reports/cdrs", "/api/v1/cdrs", "/api/v1/cdrs.csv"} {
		if w := f.do(t, agent, "GET", path, "", "", false); w.Code != http.StatusForbidden {
			t.Fatalf("agent on %s: %d", path, w.Code)
		}
	}

	w := f.do(t, sup, "GET", "/api/v1/cdrs?number=1001&from=2026-11-20&to=2026-11-20", "", "", false)
	var rows []cdrView
	if err := json.Unmarshal(w.Body.Bytes(), &rows); err != nil || len(rows) != 2 {
		t.Fatalf("search: %d %s", w.Code, w.Body)
	}
	if rows[0].CallID != "b" || rows[1].TalkSeconds != 60 {
		t.Fatalf("rows %+v", rows)
	}
	w = f.do(t, sup, "GET", "/api/v1/cdrs?queue=support", "", "", false)
	if err := json.Unmarshal(w.Body.Bytes(), &rows); err != nil || len(rows) != 1 || rows[0].CallID != "a" || rows[0].Queue != "support" {
		t.Fatalf("search by queue: %d %s", w.Code, w.Body)
	}
	if w := f.do(t, sup, "GET", "/api/v1/cdrs?from=yesterday", "", "", false); w.Code != http.StatusBadRequest {
		t.Fatalf("bad date: %d", w.Code)
	}

	w = f.do(t, sup, "GET", "/api/v1/cdrs.csv", "", "", false)
	recs, err := csv.NewReader(strings.NewReader(w.Body.String())).ReadAll()
	if err != nil || len(recs) != 4 || recs[0][0] != "id" {
		t.Fatalf("csv: %v %q", err, w.Body)
	}
	queue := slices.Index(recs[0], "queue")
	callers, queues := map[string]string{}, map[string]string{}
	for _, r := range recs[1:] {
		callers[r[1]], queues[r[1]] = r[2], r[queue]
	}
	if queue < 0 || queues["a"] != "support" || queues["b"] != "" {
		t.Fatalf("csv queues %q (header %q)", queues, recs[0])
	}
	if callers["a"] != "+33612345678" || !strings.HasPrefix(callers["b"], "'=") {
		t.Fatalf("csv callers %q", callers)
	}

	page := f.do(t, sup, "GET", "/reports/cdrs?to=2026-11-21", "", "", false)
	body := page.Body.String()
	if page.Code != http.StatusOK || !strings.Contains(body, `id="stat-total">2<`) || !strings.Contains(body, "<svg") {
		t.Fatalf("report page: %d", page.Code)
	}
	if strings.Contains(body, `=HYPERLINK("http`) {
		t.Fatal("caller not escaped on the report page")
	}
	if !strings.Contains(body, "50%") || !strings.Contains(body, "1m0s") {
		t.Fatal("summary figures missing")
	}
}

func TestCSVCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"1001", "1001"},
		{"+33612345678", "+33612345678"},
		{"=1+1", "'=1+1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"+1+cmd", "'+1+cmd"},
		{"-2", "-2"},
		{"-cmd", "'-cmd"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := csvCell(tt.in); got != tt.want {
				t.Fatalf("csvCell(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCDRRecordingDownload(t *testing.T) {
	rec := t.TempDir()
	f := newFixture(t, Config{Recordings: rec})
	day := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	if err := os.MkdirAll(filepath.Join(rec, "2026/11/20"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rec, "2026/11/20", "1-100000.wav"), []byte("RIFF....WAVE"), 0o644); err != nil {
		t.Fatal(err)
	}
	addCDR(t, f.st, store.CDR{CallID: "a", Caller: "1001", Callee: "1002", StartedAt: day, AnsweredAt: day, EndedAt: day.Add(time.Minute),
		Disposition: "answered", Recording: "2026/11/20/1-100000.wav"})
	addCDR(t, f.st, store.CDR{CallID: "b", Caller: "1001", Callee: "1002", StartedAt: day, Disposition: "busy"})
	addCDR(t, f.st, store.CDR{CallID: "c", Caller: "1001", Callee: "1002", StartedAt: day, Disposition: "answered", Recording: "../../etc/passwd"})
	agent := f.login(t, "agent1", auth.RoleAgent)
	sup := f.login(t, "sup1", auth.RoleSupervisor)
	if w := f.do(t, agent, "GET", "/api/v1/cdrs/1/recording", "", "", false); w.Code != http.StatusForbidden {
		t.Errorf("agent: %d", w.Code)
	}
	w := f.do(t, sup, "GET", "/api/v1/cdrs/1/recording", "", "", false)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "audio/wav" || w.Body.String() != "RIFF....WAVE" {
		t.Errorf("download: %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	for path, code := range map[string]int{"/api/v1/cdrs/2/recording": 404, "/api/v1/cdrs/3/recording": 404,
		"/api/v1/cdrs/99/recording": 404, "/api/v1/cdrs/x/recording": 400} {
		if w := f.do(t, sup, "GET", path, "", "", false); w.Code != code {
			t.Errorf("%s: %d, want %d", path, w.Code, code)
		}
	}
	page := f.do(t, sup, "GET", "/reports/cdrs?from=2026-11-20&to=2026-11-20", "", "", false)
	if !strings.Contains(page.Body.String(), `href="/api/v1/cdrs/1/recording"`) || !strings.Contains(page.Body.String(), `<audio controls preload="none" src="/api/v1/cdrs/1/recording"`) {
		t.Errorf("the CDR page has no player and link for the recording")
	}
}
