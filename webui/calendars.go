package webui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/ivr/calendar"
)

// sectionCalendars is the configuration section the calendars page edits.
const sectionCalendars = "calendars"

// weekDays are the days of the calendar form, Monday first, as the file
// writes them.
var weekDays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

func calendarName(c config.Calendar) string { return c.Name }

// putCalendar creates calendar c or replaces the calendar of that name; the
// voice runner and the contact page read calendars at each question, so
// the next call or page view follows it.
func (s *Server) putCalendar(ctx context.Context, c config.Calendar) (bool, error) {
	if err := checkCalendar(c); err != nil {
		return false, err
	}
	return putEntry(ctx, s, sectionCalendars, func(f *config.File) *[]config.Calendar { return &f.Calendars }, c, calendarName)
}

// putEntry creates x in the section list(f) of the configuration or
// replaces the entry of x's name there, as editConfig does.
func putEntry[T any](ctx context.Context, s *Server, section string, list func(*config.File) *[]T, x T, name func(T) string) (created bool, err error) {
	err = s.editConfig(ctx, []string{section}, func(f *config.File) (string, int, error) {
		i, added := upsert(list(f), x, name)
		created = added
		return section, i, nil
	})
	return created, err
}

// deleteEntry removes the entry named n of the section list(f), or returns
// errNoEntry.
func deleteEntry[T any](ctx context.Context, s *Server, section string, list func(*config.File) *[]T, n string, name func(T) string) error {
	return s.editConfig(ctx, []string{section}, func(f *config.File) (string, int, error) {
		return section, -1, remove(list(f), n, name)
	})
}

// checkCalendar validates c alone as `config import` would, then parses
// it as the voice runner will: hours that pass the file's patterns but not
// the parser (a span that ends before it starts) would otherwise fail
// every hours node at its first call.
func checkCalendar(c config.Calendar) error {
	one, err := yaml.Marshal(map[string]any{sectionCalendars: []config.Calendar{c}})
	if err != nil {
		return fmt.Errorf("webui: encode: %w", err)
	}
	if _, err := config.Parse(one); err != nil {
		return relativeErrors(err, sectionCalendars, 0)
	}
	if _, err := calendar.FromConfig(c, ""); err != nil {
		return config.ErrorList{{Path: "hours", Msg: err.Error()}}
	}
	return nil
}

// deleteCalendar removes a calendar; one an hours node of a flow still
// asks is refused, naming the flow and node.
func (s *Server) deleteCalendar(ctx context.Context, name string) error {
	return s.editConfig(ctx, []string{sectionCalendars}, func(f *config.File) (string, int, error) {
		if err := remove(&f.Calendars, name, calendarName); err != nil {
			return "", 0, err
		}
		var users config.ErrorList
		for i, fl := range f.Flows {
			for _, id := range slices.Sorted(maps.Keys(fl.Nodes)) {
				if n := fl.Nodes[id]; n.Type == "hours" && n.Calendar == name {
					users = append(users, &config.FieldError{Path: fmt.Sprintf("flows[%d].nodes.%s.calendar", i, id),
						Msg: fmt.Sprintf("flow %s node %s uses calendar %s", fl.Name, id, name)})
				}
			}
		}
		if users != nil {
			return "", 0, users
		}
		return sectionCalendars, -1, nil
	})
}

// calendarView is a calendar with its hours by week day and whether it is
// open now.
type calendarView struct {
	config.Calendar
	// Days are the hours of each of weekDays ("" closed).
	Days []string
	// Zone is the time zone in force (the calendar's or the settings').
	Zone string
	Open bool
	// Problem says why the calendar cannot be evaluated.
	Problem string
}

// calendarViews reads the calendars and evaluates each at now.
func (s *Server) calendarViews(ctx context.Context, now time.Time) ([]calendarView, error) {
	cals, err := config.ExportCalendars(ctx, s.st)
	if err != nil {
		return nil, err
	}
	zone, err := s.st.Setting(ctx, config.KeyTimezone)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	out := make([]calendarView, 0, len(cals))
	for _, c := range cals {
		v := calendarView{Calendar: c, Zone: cmp.Or(c.TimeZone, zone, "UTC")}
		cal, err := calendar.FromConfig(c, zone)
		if err != nil {
			v.Problem = err.Error()
		} else {
			v.Open = cal.Open(now)
			v.Days = weeklyText(cal)
		}
		out = append(out, v)
	}
	return out, nil
}

// weeklyText writes a calendar's hours for each of weekDays.
func weeklyText(cal *calendar.Calendar) []string {
	out := make([]string, len(weekDays))
	for i := range weekDays {
		var parts []string
		for _, sp := range cal.Weekly[(i+1)%7] {
			parts = append(parts, fmt.Sprintf("%02d:%02d-%02d:%02d", sp.From/60, sp.From%60, sp.To/60, sp.To%60))
		}
		out[i] = strings.Join(parts, ",")
	}
	return out
}

// groupDays writes hours given for each of weekDays as the file's day
// ranges: consecutive days with the same hours share one key ("mon-fri").
func groupDays(days []string) map[string]string {
	out := map[string]string{}
	for i := 0; i < len(days); {
		j := i
		for j+1 < len(days) && days[j+1] == days[i] {
			j++
		}
		if days[i] != "" {
			key := weekDays[i]
			if j > i {
				key += "-" + weekDays[j]
			}
			out[key] = days[i]
		}
		i = j + 1
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (s *Server) apiCalendars(w http.ResponseWriter, r *http.Request) {
	views, err := s.calendarViews(r.Context(), time.Now())
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	out := make([]map[string]any, 0, len(views))
	for _, v := range views {
		m, err := entryJSON(v.Calendar)
		if err != nil {
			s.apiServerError(w, r, err)
			return
		}
		m["open_now"], m["zone_in_force"] = v.Open, v.Zone
		if v.Problem != "" {
			m["problem"] = v.Problem
		}
		out = append(out, m)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiPutCalendar(w http.ResponseWriter, r *http.Request) {
	var c config.Calendar
	s.apiPutEntry(w, r, &c, &c.Name, func() (bool, error) { return s.putCalendar(r.Context(), c) })
}

func (s *Server) apiDeleteCalendar(w http.ResponseWriter, r *http.Request) {
	s.apiDeleteEntry(w, r, s.deleteCalendar)
}

// calendarsPage is what the calendars template shows.
type calendarsPage struct {
	Calendars []calendarView
	Form      calendarForm
	Days      []string
}

// calendarForm is a calendar as the form shows it.
type calendarForm struct {
	Editing  bool
	Name     string
	TimeZone string
	// Days are the hours typed for each of weekDays.
	Days []string
	// Holidays are dates, one a line; Exceptions "DATE HOURS" lines.
	Holidays, Exceptions string
}

func calendarFormOf(v calendarView) calendarForm {
	f := calendarForm{Editing: true, Name: v.Name, TimeZone: v.TimeZone, Days: v.Days, Holidays: strings.Join(v.Holidays, "\n")}
	var lines []string
	for _, d := range slices.Sorted(maps.Keys(v.Exceptions)) {
		lines = append(lines, d+" "+v.Exceptions[d])
	}
	f.Exceptions = strings.Join(lines, "\n")
	return f
}

func (s *Server) renderCalendars(w http.ResponseWriter, r *http.Request, status int, d pageData, form calendarForm) {
	views, err := s.calendarViews(r.Context(), time.Now())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if form.Days == nil {
		form.Days = make([]string, len(weekDays))
	}
	d.Nav, d.Title = sectionCalendars, "Calendars"
	d.Data = calendarsPage{Calendars: views, Form: form, Days: weekDays}
	s.render(w, r, status, sectionCalendars, d)
}

func (s *Server) calendarsPage(w http.ResponseWriter, r *http.Request) {
	form := calendarForm{Days: []string{"09:00-18:00", "09:00-18:00", "09:00-18:00", "09:00-18:00", "09:00-18:00", "", ""}}
	if name := r.URL.Query().Get("edit"); name != "" {
		views, err := s.calendarViews(r.Context(), time.Now())
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		if i := slices.IndexFunc(views, func(v calendarView) bool { return v.Name == name }); i >= 0 {
			form = calendarFormOf(views[i])
		}
	}
	s.renderCalendars(w, r, http.StatusOK, pageData{Notice: r.URL.Query().Get("notice")}, form)
}

func (s *Server) calendarSubmit(w http.ResponseWriter, r *http.Request) {
	p := &formParser{r: r}
	form := calendarForm{Name: p.text("name"), TimeZone: p.text("timezone"), Holidays: r.PostFormValue("holidays"), Exceptions: r.PostFormValue("exceptions")}
	for _, d := range weekDays {
		form.Days = append(form.Days, p.text("hours_"+d))
	}
	c := config.Calendar{Name: form.Name, TimeZone: form.TimeZone, Hours: groupDays(form.Days), Holidays: strings.Fields(strings.ReplaceAll(form.Holidays, ",", " "))}
	for line := range strings.Lines(form.Exceptions) {
		date, hours, _ := strings.Cut(strings.TrimSpace(line), " ")
		if date == "" {
			continue
		}
		if c.Exceptions == nil {
			c.Exceptions = map[string]string{}
		}
		if c.Exceptions[date] = strings.TrimSpace(hours); c.Exceptions[date] == "" {
			p.fail("exceptions", "write %s's hours after the date (09:00-12:00 or closed)", date)
		}
	}
	var err error = p.errs
	if len(p.errs) == 0 {
		_, err = s.putCalendar(r.Context(), c)
	}
	s.afterSubmit(w, r, err, sectionCalendars, "calendar "+c.Name, func(status int, d pageData) { s.renderCalendars(w, r, status, d, form) })
}

// afterSubmit ends the form post of a calendar, mailbox or widget (what):
// saved, back to page with a notice; refused, the form again (rerender)
// with the errors by field.
func (s *Server) afterSubmit(w http.ResponseWriter, r *http.Request, err error, page, what string, rerender func(status int, d pageData)) {
	if fes := fieldErrors(err); fes != nil {
		rerender(http.StatusUnprocessableEntity, pageData{Error: "Nothing was saved: the " + what + " has errors.", Errors: fes})
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/"+page+"?notice="+url.QueryEscape("Saved "+what), http.StatusSeeOther)
}

func (s *Server) calendarDelete(w http.ResponseWriter, r *http.Request) {
	s.entryDelete(w, r, sectionCalendars, func(r *http.Request) error { return s.deleteCalendar(r.Context(), r.PathValue("name")) },
		func(status int, d pageData) { s.renderCalendars(w, r, status, d, calendarForm{}) })
}
