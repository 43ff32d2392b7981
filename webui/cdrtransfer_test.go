package webui

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

// addTransfer writes a call from caller to callee that by transferred to
// to, as sip/b2bua does: the record the transfer ended and the linked one
// that went on. It returns both ids.
func addTransfer(t *testing.T, st *store.Store, at time.Time, caller, callee, by, to string) (ended, continued int64) {
	t.Helper()
	mid := at.Add(time.Minute)
	ended = addCDR(t, st, store.CDR{CallID: "x-" + to, Caller: caller, Callee: callee, StartedAt: at, AnsweredAt: at, EndedAt: mid,
		Disposition: "answered", SIPStatus: 200, TransferredBy: by, TransferredTo: to})
	continued = addCDR(t, st, store.CDR{CallID: "x-" + to, Caller: caller, Callee: to, StartedAt: mid, AnsweredAt: mid, EndedAt: mid.Add(time.Minute),
		Disposition: "answered", SIPStatus: 200, TransferredBy: by, TransferredFrom: ended})
	return ended, continued
}

// TestCDRTransferPage checks the Transfer column of the CDR page: the
// record a transfer ended says to whom and by whom, the one that continued
// it links to it on the page, or to a search that shows it when it is not.
func TestCDRTransferPage(t *testing.T) {
	f := newFixture(t, Config{})
	day := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	addCDR(t, f.st, store.CDR{CallID: "plain", Caller: "+3399", Callee: "1003", StartedAt: day.Add(-time.Hour), Disposition: "busy", SIPStatus: 486})
	ended, continued := addTransfer(t, f.st, day, "+3312", "1001", "1001", "2002")
	sup := f.login(t, "sup1", auth.RoleSupervisor)

	page := f.do(t, sup, "GET", "/reports/cdrs", "", "", false)
	body := page.Body.String()
	if page.Code != http.StatusOK || !strings.Contains(body, "<th>Transfer</th>") {
		t.Fatalf("page: %d", page.Code)
	}
	if !strings.Contains(body, `<tr id="cdr-1">`) || !strings.Contains(body, "transferred to 2002 by 1001</td>") {
		t.Error("the record the transfer ended does not say so")
	}
	if !strings.Contains(body, `continued from <a href="#cdr-2">#2</a>`) || ended != 2 || continued != 3 {
		t.Errorf("no link to the record on the page (ids %d, %d)", ended, continued)
	}
	if n := strings.Count(body, "transferred to"); n != 1 {
		t.Errorf("%d records say transferred to, want 1", n)
	}

	// Searching for the target, the record before is not on the page: the
	// link is a search by the caller that shows it.
	page = f.do(t, sup, "GET", "/reports/cdrs?number=2002", "", "", false)
	body = page.Body.String()
	link := `/reports/cdrs?number=%2B3312&to=2026-11-20#cdr-2`
	if strings.Contains(body, `id="cdr-2"`) || !strings.Contains(body, `continued from <a href="`+strings.ReplaceAll(link, "&", "&amp;")+`">#2</a>`) {
		t.Fatalf("link to a record off the page missing:\n%s", body)
	}
	page = f.do(t, sup, "GET", link[:strings.Index(link, "#")], "", "", false)
	if !strings.Contains(page.Body.String(), `<tr id="cdr-2">`) {
		t.Error("the link's search does not show the record")
	}
}

// TestCDRTransferFilter checks that transferred=true keeps both records of
// each transfer on the page, in the JSON and in the CSV, and nothing else.
func TestCDRTransferFilter(t *testing.T) {
	f := newFixture(t, Config{})
	day := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	addCDR(t, f.st, store.CDR{CallID: "plain", Caller: "+3399", Callee: "1003", StartedAt: day, Disposition: "busy", SIPStatus: 486})
	addTransfer(t, f.st, day, "+3312", "1001", "1001", "2002")
	sup := f.login(t, "sup1", auth.RoleSupervisor)

	tests := []struct {
		query   string
		want    int
		checked bool
	}{
		{"", 3, false},
		{"?transferred=true", 2, true},
		{"?transferred=1&number=2002", 1, true},
		{"?transferred=false", 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var rows []cdrView
			w := f.do(t, sup, "GET", "/api/v1/cdrs"+tt.query, "", "", false)
			if err := json.Unmarshal(w.Body.Bytes(), &rows); err != nil || len(rows) != tt.want {
				t.Fatalf("json: %d records, want %d: %s", len(rows), tt.want, w.Body)
			}
			recs, err := csv.NewReader(f.do(t, sup, "GET", "/api/v1/cdrs.csv"+tt.query, "", "", false).Body).ReadAll()
			if err != nil || len(recs) != tt.want+1 {
				t.Fatalf("csv: %v, %d records, want %d", err, len(recs)-1, tt.want)
			}
			page := f.do(t, sup, "GET", "/reports/cdrs"+tt.query, "", "", false).Body.String()
			if !strings.Contains(page, `id="stat-total">`+strconv.Itoa(tt.want)+`<`) {
				t.Fatalf("page total is not %d", tt.want)
			}
			if checked := strings.Contains(page, `value="1" checked`); checked != tt.checked {
				t.Errorf("checkbox checked %v, want %v", checked, tt.checked)
			}
		})
	}
}

// TestCDRTransferJSONAndCSV checks the transfer fields of the JSON (absent
// when empty, like queue) and the CSV's transfer columns, named as in
// switchboard cdr export --csv.
func TestCDRTransferJSONAndCSV(t *testing.T) {
	f := newFixture(t, Config{})
	day := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	addCDR(t, f.st, store.CDR{CallID: "plain", Caller: "+3399", Callee: "1003", StartedAt: day.Add(-time.Hour), Disposition: "busy"})
	ended, continued := addTransfer(t, f.st, day, "+3312", "1001", "1001", "=cmd|' /C calc'!A0")
	sup := f.login(t, "sup1", auth.RoleSupervisor)

	var rows []map[string]any
	w := f.do(t, sup, "GET", "/api/v1/cdrs", "", "", false)
	if err := json.Unmarshal(w.Body.Bytes(), &rows); err != nil || len(rows) != 3 {
		t.Fatalf("json: %v %s", err, w.Body)
	}
	byID := map[float64]map[string]any{}
	for _, r := range rows {
		byID[r["id"].(float64)] = r
	}
	tests := []struct {
		name     string
		id       int64
		by, to   any
		from     any
		wantKeys int
	}{
		{"plain", 1, nil, nil, nil, 0},
		{"ended", ended, "1001", "=cmd|' /C calc'!A0", nil, 2},
		{"continued", continued, "1001", nil, float64(ended), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := byID[float64(tt.id)]
			if r["transferred_by"] != tt.by || r["transferred_to"] != tt.to || r["transferred_from"] != tt.from {
				t.Errorf("record %d: by %v to %v from %v", tt.id, r["transferred_by"], r["transferred_to"], r["transferred_from"])
			}
			keys := 0
			for k := range r {
				if strings.HasPrefix(k, "transferred_") {
					keys++
				}
			}
			if keys != tt.wantKeys {
				t.Errorf("record %d has %d transfer keys, want %d", tt.id, keys, tt.wantKeys)
			}
		})
	}

	recs, err := csv.NewReader(f.do(t, sup, "GET", "/api/v1/cdrs.csv", "", "", false).Body).ReadAll()
	if err != nil || len(recs) != 4 {
		t.Fatalf("csv: %v %q", err, recs)
	}
	n := len(recs[0])
	if got := strings.Join(recs[0][n-3:], ","); got != "transferred_by,transferred_to,transferred_from" {
		t.Fatalf("csv header ends %q", got)
	}
	want := map[string]string{"1": ",,", "2": "1001,'=cmd|' /C calc'!A0,", "3": "1001,,2"}
	for _, r := range recs[1:] {
		if got := strings.Join(r[n-3:], ","); got != want[r[0]] {
			t.Errorf("csv record %s ends %q, want %q", r[0], got, want[r[0]])
		}
	}
}

// TestCDRTransferEscaped checks that numbers from the network in transfer
// fields are escaped on the page.
func TestCDRTransferEscaped(t *testing.T) {
	f := newFixture(t, Config{})
	day := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	addTransfer(t, f.st, day, `"><script>alert(1)</script>`, "1001", "<b>1001</b>", "<script>alert(2)</script>")
	sup := f.login(t, "sup1", auth.RoleSupervisor)

	body := f.do(t, sup, "GET", "/reports/cdrs?number=%3Cscript%3Ealert(2)%3C/script%3E", "", "", false).Body.String()
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<b>1001") {
		t.Fatalf("transfer fields not escaped:\n%s", body)
	}
	if !strings.Contains(body, "continued from <a href=\"/reports/cdrs?number=%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E&amp;to=2026-11-20#cdr-1\">#1</a>") {
		t.Errorf("link to the record before missing or not encoded:\n%s", body)
	}
	body = f.do(t, sup, "GET", "/reports/cdrs", "", "", false).Body.String()
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "transferred to &lt;script&gt;alert(2)&lt;/script&gt; by &lt;b&gt;1001&lt;/b&gt;") {
		t.Fatalf("transfer fields not escaped:\n%s", body)
	}
}
