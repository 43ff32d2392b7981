package webui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/ivr/calendar"
)

// The calendar, mailbox and widget pages and APIs join the routes that
// TestAdminRoutesRefuseAgentsAndMissingCSRF checks: refused to agents,
// supervisors and requests without the CSRF token, accepted for an admin.
func init() {
	adminRoutes = append(adminRoutes, []struct{ method, path, ctype, body string }{
		{"GET", "/admin/calendars", "", ""},
		{"POST", "/admin/calendars", "application/x-www-form-urlencoded", "name=zcal&hours_mon=09:00-17:00"},
		{"POST", "/admin/calendars/zcal/delete", "application/x-www-form-urlencoded", ""},
		{"GET", "/api/v1/calendars", "", ""},
		{"PUT", "/api/v1/calendars/ycal", "application/json", `{"hours":{"mon-fri":"08:00-12:00"}}`},
		{"DELETE", "/api/v1/calendars/ycal", "", ""},
		{"GET", "/admin/widgets", "", ""},
		{"POST", "/admin/widgets", "application/x-www-form-urlencoded", "name=zw&queue=q&origins=https://z.example.com"},
		{"POST", "/admin/widgets/zw/delete", "application/x-www-form-urlencoded", ""},
		{"GET", "/api/v1/widgets", "", ""},
		{"PUT", "/api/v1/widgets/yw", "application/json", `{"queue":"q","origins":["https://y.example.com"]}`},
		{"DELETE", "/api/v1/widgets/yw", "", ""},
		{"GET", "/admin/mailboxes", "", ""},
		{"POST", "/admin/mailboxes", "application/x-www-form-urlencoded", "name=zm&imap=imaps://u@mail.example.com&imap_password=pw&queue=q"},
		{"POST", "/admin/mailboxes/zm/delete", "application/x-www-form-urlencoded", ""},
		{"GET", "/api/v1/mailboxes", "", ""},
		{"PUT", "/api/v1/mailboxes/ym", "application/json", `{"imap":"imaps://u:pw@mail.example.com","queue":"q"}`},
		{"DELETE", "/api/v1/mailboxes/ym", "", ""},
	}...)
}

// entryCase is one JSON request to an admin API and what must come back:
// the status and, for a refusal, the field path named (and a text in the
// body).
type entryCase struct {
	name, method, path, body string
	status                   int
	errPath, errText         string
}

// runEntryCases sends each case as admin, in order, as a subtest.
func runEntryCases(t *testing.T, f *fixture, admin session, cases []entryCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := f.do(t, admin, tc.method, tc.path, "application/json", tc.body, true)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if tc.errPath != "" {
				if fes := decodeErrors(t, w.Body.Bytes()); !hasPath(fes, tc.errPath) || !strings.Contains(w.Body.String(), tc.errText) {
					t.Fatalf("errors %+v do not name %s (%q)", fes, tc.errPath, tc.errText)
				}
			}
		})
	}
}

// formPoster returns a function that posts a form as admin (with the
// CSRF field) and returns the status and body.
func formPoster(t *testing.T, f *fixture, admin session) func(path string, form url.Values) (int, string) {
	return func(path string, form url.Values) (int, string) {
		t.Helper()
		form.Set("csrf", admin.csrf)
		res := f.do(t, admin, "POST", path, "application/x-www-form-urlencoded", form.Encode(), false).Result()
		return res.StatusCode, readAll(t, res)
	}
}

// TestCalendarsAPI creates, changes and deletes calendars through the REST
// API: bad input is named by its field, a calendar an hours node uses
// cannot be deleted (the error names the flow), and the list says whether
// each calendar is open now, as ivr/calendar decides.
func TestCalendarsAPI(t *testing.T) {
	f, _, admin := acdAdminFixture(t)
	runEntryCases(t, f, admin, []entryCase{
		{"unknown zone", "PUT", "/api/v1/calendars/shop", `{"timezone":"Mars/Olympus","hours":{"mon":"09:00-12:00"}}`, 422, "timezone", "Mars/Olympus"},
		{"bad days", "PUT", "/api/v1/calendars/shop", `{"hours":{"monday-friday":"09:00-12:00"}}`, 422, "hours.monday-friday", ""},
		{"bad hours", "PUT", "/api/v1/calendars/shop", `{"hours":{"mon":"9h-12h"}}`, 422, "hours.mon", ""},
		{"hours backwards", "PUT", "/api/v1/calendars/shop", `{"hours":{"mon":"18:00-09:00"}}`, 422, "hours", "ends before it starts"},
		{"bad holiday", "PUT", "/api/v1/calendars/shop", `{"holidays":["25/12/2026"]}`, 422, "holidays", ""},
		{"bad exception", "PUT", "/api/v1/calendars/shop", `{"exceptions":{"2026-12-24":"morning"}}`, 422, "exceptions.2026-12-24", ""},
		{"unknown field", "PUT", "/api/v1/calendars/shop", `{"opens":"9"}`, 400, "opens", ""},
		{"bad name", "PUT", "/api/v1/calendars/Shop!", `{}`, 422, "name", ""},
		{"create", "PUT", "/api/v1/calendars/shop", `{"timezone":"America/New_York","hours":{"mon-sat":"10:00-19:00"},"holidays":["2026-12-25"],"exceptions":{"2026-12-24":"10:00-14:00"}}`, 201, "", ""},
		{"change", "PUT", "/api/v1/calendars/shop", `{"name":"shop","timezone":"America/New_York","hours":{"mon-fri":"10:00-19:00"}}`, 200, "", ""},
		{"used by a flow", "DELETE", "/api/v1/calendars/office", "", 409, "flows[0].nodes.hours.calendar", "flow main node hours"},
		{"unknown", "DELETE", "/api/v1/calendars/nope", "", 404, "", ""},
	})

	w := f.do(t, admin, "GET", "/api/v1/calendars", "", "", false)
	var list []map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || len(list) != 2 {
		t.Fatalf("calendars: %s", w.Body)
	}
	cals, err := config.ExportCalendars(t.Context(), f.st)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cals {
		cal, err := calendar.FromConfig(c, "Europe/Paris")
		if err != nil {
			t.Fatal(err)
		}
		// The list is evaluated a moment before: accept a change of minute.
		if open := cal.Open(time.Now()); list[i]["name"] != c.Name || (list[i]["open_now"] != open && cal.Open(time.Now().Add(-time.Minute)) == open) {
			t.Errorf("%s: open_now %v, ivr/calendar says %v", c.Name, list[i]["open_now"], open)
		}
	}
	if list[1]["name"] != "shop" || list[1]["zone_in_force"] != "America/New_York" || list[1]["holidays"] != nil {
		t.Errorf("shop listed as %v (the change replaces the whole entry)", list[1])
	}

	if w := f.do(t, admin, "DELETE", "/api/v1/calendars/shop", "", "", true); w.Code != http.StatusNoContent {
		t.Fatalf("delete shop: %d %s", w.Code, w.Body)
	}
	exp, err := config.Export(t.Context(), f.st)
	if err != nil || len(exp.Calendars) != 1 || len(exp.Flows) != 1 || len(exp.Queues) != 2 || len(exp.Chat) != 1 {
		t.Fatalf("other sections changed: %+v %v", exp, err)
	}
}

// TestCalendarsPage drives the calendar form: hours by week day become the
// file's day ranges, a bad time zone is named and nothing saved, HTML in
// what the admin typed comes back inert, and deleting a calendar a flow
// uses is refused with the flow's name.
func TestCalendarsPage(t *testing.T) {
	f, _, admin := acdAdminFixture(t)
	post := formPoster(t, f, admin)
	page := f.do(t, admin, "GET", "/admin/calendars", "", "", false).Body.String()
	if !strings.Contains(page, `<tr data-calendar="office">`) || !strings.Contains(page, `data-f="open"`) {
		t.Fatalf("calendars page without office:\n%s", page)
	}

	status, body := post("/admin/calendars", url.Values{"name": {"<b>shop</b>"}, "timezone": {"Nowhere/<i>x</i>"}, "hours_mon": {"09:00-12:00"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "timezone: unknown time zone") || !strings.Contains(body, "name: must be") {
		t.Fatalf("bad calendar: %d\n%s", status, body)
	}
	if strings.Contains(body, "<b>shop") || strings.Contains(body, "<i>x") || !strings.Contains(body, "&lt;b&gt;shop&lt;/b&gt;") {
		t.Fatalf("typed HTML not escaped:\n%s", body)
	}

	form := url.Values{"name": {"shop"}, "timezone": {"Europe/London"}, "holidays": {"2026-12-25\n2026-12-26"}, "exceptions": {"2026-12-24 09:00-12:00\n2026-12-31 closed"}}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri"} {
		form.Set("hours_"+d, "09:00-18:00")
	}
	form.Set("hours_sat", "10:00-12:00")
	if status, body := post("/admin/calendars", form); status != http.StatusSeeOther {
		t.Fatalf("save shop: %d\n%s", status, body)
	}
	cals, _ := config.ExportCalendars(t.Context(), f.st)
	shop := cals[1]
	if shop.Hours["mon-fri"] != "09:00-18:00" || shop.Hours["sat"] != "10:00-12:00" || len(shop.Hours) != 2 ||
		len(shop.Holidays) != 2 || shop.Exceptions["2026-12-31"] != "closed" || shop.TimeZone != "Europe/London" {
		t.Fatalf("shop saved as %+v", shop)
	}
	edit := f.do(t, admin, "GET", "/admin/calendars?edit=shop", "", "", false).Body.String()
	if !strings.Contains(edit, `id="calendar-hours-sat" value="10:00-12:00"`) || !strings.Contains(edit, "2026-12-24 09:00-12:00\n2026-12-31 closed") {
		t.Fatalf("edit form not filled:\n%s", edit)
	}

	if status, body := post("/admin/calendars/office/delete", url.Values{}); status != http.StatusConflict || !strings.Contains(body, "flow main node hours uses calendar office") {
		t.Fatalf("delete a calendar in use: %d\n%s", status, body)
	}
	if status, _ := post("/admin/calendars/shop/delete", url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("delete shop: %d", status)
	}
}
