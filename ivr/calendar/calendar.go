// Package calendar decides whether a business calendar is open at an
// instant: weekly hours in a time zone, holidays, and dated exceptions that
// replace a day's hours. Hours are wall-clock times of the calendar's zone,
// so on daylight-saving days an "09:00-18:00" day is still open from nine
// to six local time (and lasts an hour less or more).
package calendar

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrSyntax is wrapped by every Parse error.
var ErrSyntax = errors.New("calendar: syntax")

// Span is a half-open range of minutes since local midnight, [From, To).
type Span struct{ From, To int }

// Calendar is a parsed calendar.
type Calendar struct {
	Name       string
	Location   *time.Location
	Weekly     [7][]Span // by time.Weekday
	Holidays   map[string]bool
	Exceptions map[string][]Span // by date "2006-01-02"; empty = closed
}

// Spec is a calendar as written in the configuration file.
type Spec struct {
	Name     string
	TimeZone string            // IANA name; empty means UTC
	Hours    map[string]string // "mon-fri": "09:00-18:00", "sat": "09:00-12:00,14:00-17:00"
	Holidays []string          // "2026-12-25"
	// Exceptions replace a date's hours: "2026-12-24": "09:00-12:00", or
	// "closed".
	Exceptions map[string]string
}

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// Parse builds a Calendar from its Spec.
func Parse(s Spec) (*Calendar, error) {
	c := &Calendar{Name: s.Name, Location: time.UTC, Holidays: map[string]bool{}, Exceptions: map[string][]Span{}}
	if s.TimeZone != "" {
		loc, err := time.LoadLocation(s.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("%w: timezone %q: %v", ErrSyntax, s.TimeZone, err)
		}
		c.Location = loc
	}
	keys := make([]string, 0, len(s.Hours))
	for k := range s.Hours {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		days, err := ParseDays(k)
		if err != nil {
			return nil, err
		}
		spans, err := ParseSpans(s.Hours[k])
		if err != nil {
			return nil, fmt.Errorf("hours %s: %w", k, err)
		}
		for _, d := range days {
			c.Weekly[d] = append(c.Weekly[d], spans...)
		}
	}
	for _, h := range s.Holidays {
		if _, err := time.Parse(time.DateOnly, h); err != nil {
			return nil, fmt.Errorf("%w: holiday %q is not YYYY-MM-DD", ErrSyntax, h)
		}
		c.Holidays[h] = true
	}
	for d, v := range s.Exceptions {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return nil, fmt.Errorf("%w: exception %q is not YYYY-MM-DD", ErrSyntax, d)
		}
		spans, err := ParseSpans(v)
		if err != nil {
			return nil, fmt.Errorf("exception %s: %w", d, err)
		}
		c.Exceptions[d] = spans
	}
	return c, nil
}

// ParseDays reads "mon", "mon-fri", "sat,sun" or "fri-mon" (wrapping).
func ParseDays(s string) ([]time.Weekday, error) {
	var out []time.Weekday
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(strings.ToLower(part))
		from, to, isRange := strings.Cut(part, "-")
		a, ok := dayNames[from]
		if !ok {
			return nil, fmt.Errorf("%w: day %q (use mon, tue, … sun)", ErrSyntax, from)
		}
		b := a
		if isRange {
			if b, ok = dayNames[to]; !ok {
				return nil, fmt.Errorf("%w: day %q (use mon, tue, … sun)", ErrSyntax, to)
			}
		}
		for d := a; ; d = (d + 1) % 7 {
			out = append(out, d)
			if d == b {
				break
			}
		}
	}
	return out, nil
}

// ParseSpans reads "09:00-12:00,14:00-18:00" or "closed" (no span).
// "24:00" may end a span.
func ParseSpans(s string) ([]Span, error) {
	s = strings.TrimSpace(s)
	if s == "closed" {
		return []Span{}, nil
	}
	var out []Span
	for part := range strings.SplitSeq(s, ",") {
		a, b, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return nil, fmt.Errorf("%w: %q is not HH:MM-HH:MM", ErrSyntax, part)
		}
		from, err := clock(a)
		if err != nil {
			return nil, err
		}
		to, err := clock(b)
		if err != nil {
			return nil, err
		}
		if to <= from {
			return nil, fmt.Errorf("%w: %q ends before it starts", ErrSyntax, part)
		}
		out = append(out, Span{from, to})
	}
	return out, nil
}

func clock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(h) != 2 || len(m) != 2 || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("%w: %q is not a time HH:MM", ErrSyntax, s)
	}
	return hh*60 + mm, nil
}

// Open reports whether the calendar is open at t: an exception for t's
// local date decides alone, a holiday closes the day, otherwise the weekly
// hours of t's local weekday apply.
func (c *Calendar) Open(t time.Time) bool {
	local := t.In(c.Location)
	date := local.Format(time.DateOnly)
	spans, ok := c.Exceptions[date]
	if !ok {
		if c.Holidays[date] {
			return false
		}
		spans = c.Weekly[local.Weekday()]
	}
	m := local.Hour()*60 + local.Minute()
	for _, s := range spans {
		if m >= s.From && m < s.To {
			return true
		}
	}
	return false
}

// Set is a collection of calendars by name; it satisfies ivr.Calendars.
type Set map[string]*Calendar

// OpenAt reports whether the named calendar is open at t.
func (s Set) OpenAt(name string, t time.Time) (bool, error) {
	c, ok := s[name]
	if !ok {
		return false, fmt.Errorf("calendar: unknown calendar %q", name)
	}
	return c.Open(t), nil
}
