package webui

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/acd/stats"
	"github.com/switchboard-cc/switchboard/internal/config"
)

// maxReportDays bounds the date range of one service report.
const maxReportDays = 92

// serviceQuery is a service report's range as given in a query string:
// days in the appliance's time zone, To included; both default to today.
// Queue, when set, narrows the chart and the intervals to one queue.
type serviceQuery struct {
	From, To string
	Queue    string
}

func serviceQueryFrom(r *http.Request, loc *time.Location) serviceQuery {
	q := r.URL.Query()
	today := time.Now().In(loc).Format(time.DateOnly)
	sq := serviceQuery{From: q.Get("from"), To: q.Get("to"), Queue: strings.TrimSpace(q.Get("queue"))}
	if sq.From == "" {
		sq.From = today
	}
	if sq.To == "" {
		sq.To = sq.From
	}
	return sq
}

// window turns the query into the instants [from, to); a bad date names
// its field.
func (q serviceQuery) window(loc *time.Location) (from, to time.Time, err error) {
	from, err = time.ParseInLocation(time.DateOnly, q.From, loc)
	if err != nil {
		return from, to, fmt.Errorf("from: want a date like 2026-11-23, got %q", q.From)
	}
	last, err := time.ParseInLocation(time.DateOnly, q.To, loc)
	if err != nil {
		return from, to, fmt.Errorf("to: want a date like 2026-11-23, got %q", q.To)
	}
	if last.Before(from) {
		return from, to, fmt.Errorf("to: %s is before from (%s)", q.To, q.From)
	}
	to = last.AddDate(0, 0, 1)
	if to.Sub(from) > maxReportDays*24*time.Hour+time.Hour {
		return from, to, fmt.Errorf("to: at most %d days from from", maxReportDays)
	}
	return from, to, nil
}

// serviceReport is the distributor's statistics over a date range, as the
// API returns it.
type serviceReport struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Timezone string `json:"timezone"`
	Queue    string `json:"queue,omitempty"`
	stats.Report
	// VolumeByChannel counts the items offered per channel and 15-minute
	// interval.
	VolumeByChannel []channelVolume `json:"volume_by_channel"`
}

// channelVolume is the number of items of one channel offered to the
// queues (the one queue asked for) in the 15-minute interval starting at
// Start: each item counts once, in the interval it first entered a queue
// in the range.
type channelVolume struct {
	Start   time.Time `json:"start"`
	Channel string    `json:"channel"`
	Offered int       `json:"offered"`
}

// volumeByChannel counts the items whose first queue entry in [from, to)
// (into queue, when set) falls in each interval, by channel, sorted by
// interval then channel.
func volumeByChannel(evs []stats.Event, from, to time.Time, queue string, loc *time.Location) []channelVolume {
	type key struct {
		start   int64
		channel string
	}
	seen := map[string]bool{}
	counts := map[key]int{}
	for _, e := range evs {
		if e.Kind != stats.Entered || e.At.Before(from) || !e.At.Before(to) || (queue != "" && e.Queue != queue) || seen[e.Item] {
			continue
		}
		seen[e.Item] = true
		counts[key{quarterStart(e.At, loc).UnixNano(), e.Channel}]++
	}
	out := make([]channelVolume, 0, len(counts))
	for k, n := range counts {
		out = append(out, channelVolume{Start: time.Unix(0, k.start).In(loc), Channel: k.channel, Offered: n})
	}
	slices.SortFunc(out, func(a, b channelVolume) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Channel, b.Channel))
	})
	return out
}

// quarterStart is the start of the 15-minute interval t falls in, in loc
// (whose offset may be a half or a quarter hour), as acd/stats cuts them.
func quarterStart(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return t.Add(-time.Duration(t.Minute()%15)*time.Minute - time.Duration(t.Second())*time.Second - time.Duration(t.Nanosecond()))
}

// computeService reads the event log and computes the statistics of the
// queue visits that entered in the query's range.
func (s *Server) computeService(ctx context.Context, q serviceQuery, loc *time.Location) (serviceReport, error) {
	from, to, err := q.window(loc)
	if err != nil {
		return serviceReport{}, &queryError{err}
	}
	opts := stats.Options{Location: loc, From: from, To: to, Targets: map[string]time.Duration{}}
	queues, _, err := config.LoadACD(ctx, s.st)
	if err != nil {
		return serviceReport{}, err
	}
	for _, cq := range queues {
		if cq.ServiceLevel > 0 {
			opts.Targets[cq.Name] = cq.ServiceLevel.Std()
		}
	}
	// Events after To still count: a visit that entered in the range may
	// be answered or completed after it.
	rows, err := s.st.ACDEvents(ctx, from, time.Time{})
	if err != nil {
		return serviceReport{}, err
	}
	evs := make([]stats.Event, 0, len(rows))
	for _, r := range rows {
		evs = append(evs, stats.Event{Seq: r.Seq, At: r.At, Kind: stats.Kind(r.Kind), Item: r.Item, Channel: r.Channel,
			Queue: r.Queue, Agent: r.Agent, Target: r.Target})
	}
	rep := stats.Compute(evs, opts)
	if rep.Queues == nil {
		rep.Queues = []stats.QueueStats{}
	}
	if rep.Agents == nil {
		rep.Agents = []stats.AgentStats{}
	}
	intervals := []stats.IntervalStats{}
	for _, iv := range rep.Intervals {
		if q.Queue == "" || iv.Queue == q.Queue {
			intervals = append(intervals, iv)
		}
	}
	rep.Intervals = intervals
	return serviceReport{From: q.From, To: q.To, Timezone: loc.String(), Queue: q.Queue, Report: rep,
		VolumeByChannel: volumeByChannel(evs, from, to, q.Queue, loc)}, nil
}

// queryError is a request's query the caller got wrong.
type queryError struct{ err error }

func (e *queryError) Error() string { return e.err.Error() }
func (e *queryError) Unwrap() error { return e.err }

func (s *Server) apiService(w http.ResponseWriter, r *http.Request) {
	loc := s.location(r.Context())
	rep, err := s.computeService(r.Context(), serviceQueryFrom(r, loc), loc)
	if qe, ok := err.(*queryError); ok {
		writeError(w, http.StatusBadRequest, qe.Error())
		return
	}
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// servicePageData is what the service report template shows.
type servicePageData struct {
	Query     serviceQuery
	Queues    []serviceRow
	Agents    []serviceRow
	Intervals []serviceRow
	Chart     dayChart
	Volume    volumeChart
	// QueueNames fills the queue filter.
	QueueNames []string
}

// serviceRow is one line of a report table, figures already formatted.
type serviceRow struct {
	Name string
	// Start is an interval's start ("" for queues and agents).
	Start                                                 string
	Entered, Offered, Answered, Abandoned, Short          int
	Overflowed, Transferred, Declines, NoAnswers, Handled int
	ServiceLevel, AbandonRate                             string
	ASA, AHT, LongestWait                                 string
}

func toServiceRow(name string, st stats.Stats) serviceRow {
	return serviceRow{Name: name, Entered: st.Entered, Offered: st.Offered, Answered: st.Answered, Abandoned: st.Abandoned,
		Short: st.ShortAbandoned, Overflowed: st.Overflowed, Transferred: st.Transferred, Declines: st.Declines,
		NoAnswers: st.NoAnswers, Handled: st.Handled,
		ServiceLevel: ratio(st.ServiceLevel, st.Answered+st.Abandoned), AbandonRate: ratio(st.AbandonRate, st.Answered+st.Abandoned),
		ASA: meanText(st.ASA, st.Answered), AHT: meanText(st.AHT, st.Handled), LongestWait: clock(st.LongestWait)}
}

// ratio renders a share as a whole percentage, "–" with nothing counted.
func ratio(f float64, n int) string {
	if n == 0 {
		return "–"
	}
	return strconv.Itoa(int(f*100+0.5)) + "%"
}

// meanText renders a mean duration, "–" with nothing averaged.
func meanText(d time.Duration, n int) string {
	if n == 0 {
		return "–"
	}
	return clock(d)
}

func (s *Server) servicePage(w http.ResponseWriter, r *http.Request) {
	loc := s.location(r.Context())
	q := serviceQueryFrom(r, loc)
	rep, err := s.computeService(r.Context(), q, loc)
	if qe, ok := err.(*queryError); ok {
		s.render(w, r, http.StatusBadRequest, "service", pageData{Title: "Service", Nav: "service", Error: qe.Error(), Data: servicePageData{Query: q}})
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := servicePageData{Query: q, Chart: newDayChart(rep.Intervals, loc), Volume: newVolumeChart(rep.VolumeByChannel, config.Channels, loc)}
	for _, qs := range rep.Queues {
		d.Queues = append(d.Queues, toServiceRow(qs.Queue, qs.Stats))
		d.QueueNames = append(d.QueueNames, qs.Queue)
	}
	for _, as := range rep.Agents {
		d.Agents = append(d.Agents, toServiceRow(as.Agent, as.Stats))
	}
	for _, iv := range rep.Intervals {
		row := toServiceRow(iv.Queue, iv.Stats)
		row.Start = iv.Start.In(loc).Format("2006-01-02 15:04")
		d.Intervals = append(d.Intervals, row)
	}
	s.render(w, r, http.StatusOK, "service", pageData{Title: "Service", Nav: "service", Data: d})
}
