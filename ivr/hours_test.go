package ivr

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/ivr/calendar"
)

// TestHoursNode walks an hours node on calendars in two time zones across
// a holiday and both daylight-saving days of 2026.
func TestHoursNode(t *testing.T) {
	paris, err := calendar.Parse(calendar.Spec{Name: "paris", TimeZone: "Europe/Paris",
		Hours: map[string]string{"mon-sat": "08:00-20:00", "sun": "10:00-12:00"}, Holidays: []string{"2026-12-25"}})
	if err != nil {
		t.Fatal(err)
	}
	ny, err := calendar.Parse(calendar.Spec{Name: "ny", TimeZone: "America/New_York", Hours: map[string]string{"mon-fri": "09:00-17:00"}})
	if err != nil {
		t.Fatal(err)
	}
	cals := calendar.Set{"paris": paris, "ny": ny}
	for _, tc := range []struct {
		name, calendar, at string
		want               string
	}{
		{"paris open", "paris", "2026-11-23T07:30:00Z", "open"},                           // 08:30 CET
		{"paris not yet open", "paris", "2026-11-23T06:30:00Z", "closed"},                 // 07:30 CET
		{"paris holiday", "paris", "2026-12-25T10:00:00Z", "closed"},                      // Friday, Christmas
		{"paris spring-forward sunday", "paris", "2026-03-29T08:30:00Z", "open"},          // 10:30 CEST
		{"paris spring-forward sunday before", "paris", "2026-03-29T07:30:00Z", "closed"}, // 09:30 CEST (10:30 the day before in CET terms)
		{"paris fall-back sunday", "paris", "2026-10-25T09:30:00Z", "open"},               // 10:30 CET
		{"paris fall-back sunday end", "paris", "2026-10-25T11:00:00Z", "closed"},         // 12:00 CET
		{"new york same instant closed", "ny", "2026-11-23T07:30:00Z", "closed"},          // 02:30 EST
		{"new york open", "ny", "2026-11-23T15:00:00Z", "open"},                           // 10:00 EST
		{"new york spring-forward monday", "ny", "2026-03-09T13:30:00Z", "open"},          // 09:30 EDT (08:30 in EST)
		{"new york fall-back monday", "ny", "2026-11-02T13:30:00Z", "closed"},             // 08:30 EST
	} {
		t.Run(tc.name, func(t *testing.T) {
			at, err := time.Parse(time.RFC3339, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			env := Env{Calendars: cals, Now: func() time.Time { return at }}
			n := &Node{ID: "h", Type: Hours, Calendar: tc.calendar, Open: "open", Closed: "closed"}
			got, err := Branch(context.Background(), env, n, &Context{})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Branch at %s = %s, want %s", tc.at, got, tc.want)
			}
		})
	}
	if _, err := Branch(context.Background(), Env{Calendars: cals}, &Node{ID: "h", Type: Hours, Calendar: "mars"}, &Context{}); err == nil {
		t.Error("unknown calendar: want an error")
	}
}
