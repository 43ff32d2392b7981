package calendar

import (
	"errors"
	"testing"
	"time"
)

func TestOpen(t *testing.T) {
	cal, err := Parse(Spec{
		Name:       "office",
		TimeZone:   "Europe/Paris",
		Hours:      map[string]string{"mon-fri": "09:00-12:00,14:00-18:00", "sat": "10:00-12:00"},
		Holidays:   []string{"2026-12-25"},
		Exceptions: map[string]string{"2026-12-24": "09:00-12:00", "2026-12-26": "10:00-11:00", "2026-12-28": "closed"},
	})
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name string
		at   string
		want bool
	}{
		{"monday morning Paris", "2026-11-23T09:30:00+01:00", true},
		{"same instant in UTC", "2026-11-23T08:30:00Z", true},
		{"before opening in Paris though 09:00 in UTC+0 would be open", "2026-11-23T08:30:00+01:00", false},
		{"lunch break", "2026-11-23T12:30:00+01:00", false},
		{"closing minute is closed", "2026-11-23T18:00:00+01:00", false},
		{"last open minute", "2026-11-23T17:59:00+01:00", true},
		{"saturday", "2026-11-28T10:30:00+01:00", true},
		{"sunday", "2026-11-29T10:30:00+01:00", false},
		{"holiday on a friday", "2026-12-25T10:00:00+01:00", false},
		{"exception shortens a thursday", "2026-12-24T15:00:00+01:00", false},
		{"exception morning", "2026-12-24T09:15:00+01:00", true},
		{"exception opens a saturday differently", "2026-12-26T10:30:00+01:00", true},
		{"exception closes a monday", "2026-12-28T10:00:00+01:00", false},
		// 2026-03-29: Paris goes from +01:00 to +02:00 at 02:00 local.
		{"spring-forward sunday closed", "2026-03-29T10:00:00+02:00", false},
		{"monday after spring-forward opens at 09:00 summer time", "2026-03-30T07:00:00Z", true},
		{"monday after spring-forward 08:30 local is closed", "2026-03-30T06:30:00Z", false},
		// 2026-10-25: back to +01:00; the friday before, 17:30 local is 15:30Z.
		{"friday before fall-back summer time", "2026-10-23T15:30:00Z", true},
		{"monday after fall-back 17:30 local is 16:30Z", "2026-10-26T16:30:00Z", true},
		{"monday after fall-back 18:30 local is 17:30Z", "2026-10-26T17:30:00Z", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cal.Open(at(tc.at)); got != tc.want {
				t.Errorf("Open(%s) = %v, want %v", tc.at, got, tc.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec Spec
	}{
		{"bad zone", Spec{TimeZone: "Mars/Olympus"}},
		{"bad day", Spec{Hours: map[string]string{"mon-funday": "09:00-10:00"}}},
		{"bad span", Spec{Hours: map[string]string{"mon": "9-10"}}},
		{"reversed span", Spec{Hours: map[string]string{"mon": "10:00-09:00"}}},
		{"25 o'clock", Spec{Hours: map[string]string{"mon": "09:00-25:00"}}},
		{"bad holiday", Spec{Holidays: []string{"25/12/2026"}}},
		{"bad exception", Spec{Exceptions: map[string]string{"2026-12-24": "noon"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Parse(tc.spec); !errors.Is(err, ErrSyntax) {
				t.Fatalf("Parse = %v, want ErrSyntax", err)
			}
		})
	}
}

func TestParseDaysWraps(t *testing.T) {
	days, err := ParseDays("fri-mon")
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Weekday{time.Friday, time.Saturday, time.Sunday, time.Monday}
	if len(days) != len(want) {
		t.Fatalf("got %v", days)
	}
	for i := range want {
		if days[i] != want[i] {
			t.Fatalf("got %v, want %v", days, want)
		}
	}
}

func FuzzParseSpans(f *testing.F) {
	for _, s := range []string{"09:00-18:00", "09:00-12:00,14:00-18:00", "closed", "00:00-24:00", "9-5", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spans, err := ParseSpans(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error %v does not wrap ErrSyntax", err)
			}
			return
		}
		for _, sp := range spans {
			if sp.From < 0 || sp.To > 24*60 || sp.From >= sp.To {
				t.Fatalf("ParseSpans(%q) gave bad span %+v", s, sp)
			}
		}
	})
}
