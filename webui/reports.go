package webui

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// maxCDRRows bounds one CDR search or export.
const maxCDRRows = 10000

// cdrQuery is a CDR search as given in a query string: dates are days in
// the appliance's time zone, To included.
type cdrQuery struct {
	Number      string
	Disposition string
	Queue       string
	From, To    string
	// Transferred keeps the records either end of a call transfer.
	Transferred bool
}

func cdrQueryFrom(r *http.Request) cdrQuery {
	q := r.URL.Query()
	transferred, _ := strconv.ParseBool(q.Get("transferred"))
	return cdrQuery{
		Number:      strings.TrimSpace(q.Get("number")),
		Disposition: strings.TrimSpace(q.Get("disposition")),
		Queue:       strings.TrimSpace(q.Get("queue")),
		From:        q.Get("from"),
		To:          q.Get("to"),
		Transferred: transferred,
	}
}

// filter turns the query into a store filter; a bad date names its field.
func (q cdrQuery) filter(loc *time.Location, limit int) (store.CDRFilter, error) {
	f := store.CDRFilter{Number: q.Number, Disposition: q.Disposition, Queue: q.Queue, Transferred: q.Transferred, Limit: limit}
	if q.From != "" {
		d, err := time.ParseInLocation(time.DateOnly, q.From, loc)
		if err != nil {
			return f, fmt.Errorf("from: want a date like 2026-11-23")
		}
		f.From = d
	}
	if q.To != "" {
		d, err := time.ParseInLocation(time.DateOnly, q.To, loc)
		if err != nil {
			return f, fmt.Errorf("to: want a date like 2026-11-23")
		}
		f.To = d.AddDate(0, 0, 1)
	}
	return f, nil
}

// location is the appliance's time zone from the settings (UTC when unset
// or unknown).
func (s *Server) location(ctx context.Context) *time.Location {
	name, err := s.st.Setting(ctx, config.KeyTimezone)
	if err != nil || name == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// cdrView is a CDR as the panel shows it.
type cdrView struct {
	ID          int64     `json:"id"`
	CallID      string    `json:"call_id"`
	Caller      string    `json:"caller"`
	Callee      string    `json:"callee"`
	StartedAt   time.Time `json:"started_at"`
	AnsweredAt  time.Time `json:"answered_at,omitzero"`
	EndedAt     time.Time `json:"ended_at,omitzero"`
	Disposition string    `json:"disposition"`
	HangupCause string    `json:"hangup_cause"`
	SIPStatus   int       `json:"sip_status"`
	TalkSeconds int64     `json:"talk_seconds"`
	Codec       string    `json:"codec"`
	// Queue is the queue the caller waited in ("" for none).
	Queue string `json:"queue,omitempty"`
	// Recording is true when GET /api/v1/cdrs/{id}/recording has the call's
	// WAV.
	Recording bool `json:"recording"`
	// TransferredBy is the extension that transferred the call, on the
	// record the transfer ended (with TransferredTo, the number it was
	// transferred to) and on the one that continued it (with
	// TransferredFrom, the id of the record before).
	TransferredBy   string `json:"transferred_by,omitempty"`
	TransferredTo   string `json:"transferred_to,omitempty"`
	TransferredFrom int64  `json:"transferred_from,omitempty"`
}

func toCDRView(c store.CDR, loc *time.Location) cdrView {
	v := cdrView{ID: c.ID, CallID: c.CallID, Caller: c.Caller, Callee: c.Callee, StartedAt: c.StartedAt.In(loc),
		Disposition: c.Disposition, HangupCause: c.HangupCause, SIPStatus: c.SIPStatus,
		TalkSeconds: int64(c.Duration() / time.Second), Codec: c.Codec, Queue: c.Queue, Recording: c.Recording != "",
		TransferredBy: c.TransferredBy, TransferredTo: c.TransferredTo, TransferredFrom: c.TransferredFrom}
	if !c.AnsweredAt.IsZero() {
		v.AnsweredAt = c.AnsweredAt.In(loc)
	}
	if !c.EndedAt.IsZero() {
		v.EndedAt = c.EndedAt.In(loc)
	}
	return v
}

// cdrSummary sums up a CDR search.
type cdrSummary struct {
	Total         int
	Answered      int
	AnswerPercent int
	AvgTalk       time.Duration
	ByDisposition []dispositionCount
}

type dispositionCount struct {
	Disposition string
	Count       int
	// Width is the bar's share of the widest bar, 0 to 100.
	Width int
}

func summarize(cdrs []store.CDR) cdrSummary {
	s := cdrSummary{Total: len(cdrs)}
	var talk time.Duration
	counts := map[string]int{}
	var order []string
	for _, c := range cdrs {
		if !c.AnsweredAt.IsZero() {
			s.Answered++
			talk += c.Duration()
		}
		d := c.Disposition
		if d == "" {
			d = "in progress"
		}
		if counts[d] == 0 {
			order = append(order, d)
		}
		counts[d]++
	}
	if s.Total > 0 {
		s.AnswerPercent = s.Answered * 100 / s.Total
	}
	if s.Answered > 0 {
		s.AvgTalk = (talk / time.Duration(s.Answered)).Round(time.Second)
	}
	most := 0
	for _, d := range order {
		most = max(most, counts[d])
	}
	for _, d := range order {
		s.ByDisposition = append(s.ByDisposition, dispositionCount{Disposition: d, Count: counts[d], Width: counts[d] * 100 / most})
	}
	return s
}

// cdrReport is the data of the CDR page.
type cdrReport struct {
	Query   cdrQuery
	Rows    []cdrRow
	Summary cdrSummary
	CSV     string
	Limited bool
}

const cdrPageRows = 500

func (s *Server) cdrPage(w http.ResponseWriter, r *http.Request) {
	q := cdrQueryFrom(r)
	loc := s.location(r.Context())
	f, err := q.filter(loc, maxCDRRows)
	if err != nil {
		s.render(w, r, http.StatusBadRequest, "cdrs", pageData{Title: "Calls", Nav: "cdrs", Error: err.Error(), Data: cdrReport{Query: q}})
		return
	}
	cdrs, err := s.st.ListCDRs(r.Context(), f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	rep := cdrReport{Query: q, Summary: summarize(cdrs), CSV: "/api/v1/cdrs.csv?" + r.URL.RawQuery, Limited: len(cdrs) > cdrPageRows}
	rep.Rows = cdrRows(cdrs[:min(len(cdrs), cdrPageRows)], loc)
	s.render(w, r, http.StatusOK, "cdrs", pageData{Title: "Calls", Nav: "cdrs", Data: rep})
}

func (s *Server) apiCDRs(w http.ResponseWriter, r *http.Request) {
	loc := s.location(r.Context())
	q := cdrQueryFrom(r)
	f, err := q.filter(loc, maxCDRRows)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	cdrs, err := s.st.ListCDRs(r.Context(), f)
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	out := make([]cdrView, 0, len(cdrs))
	for _, c := range cdrs {
		out = append(out, toCDRView(c, loc))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiCDRsCSV(w http.ResponseWriter, r *http.Request) {
	loc := s.location(r.Context())
	q := cdrQueryFrom(r)
	f, err := q.filter(loc, maxCDRRows)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	cdrs, err := s.st.ListCDRs(r.Context(), f)
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="calls.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "call_id", "caller", "callee", "started_at", "answered_at", "ended_at", "disposition", "hangup_cause", "sip_status", "talk_seconds", "codec", "queue",
		"transferred_by", "transferred_to", "transferred_from"})
	for _, c := range cdrs {
		v := toCDRView(c, loc)
		cw.Write([]string{
			strconv.FormatInt(v.ID, 10), csvCell(v.CallID), csvCell(v.Caller), csvCell(v.Callee),
			csvTime(v.StartedAt), csvTime(v.AnsweredAt), csvTime(v.EndedAt),
			csvCell(v.Disposition), csvCell(v.HangupCause), strconv.Itoa(v.SIPStatus), strconv.FormatInt(v.TalkSeconds, 10), csvCell(v.Codec), csvCell(v.Queue),
			csvCell(v.TransferredBy), csvCell(v.TransferredTo), csvID(v.TransferredFrom),
		})
	}
	cw.Flush()
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// csvCell defuses a cell a spreadsheet would run as a formula (caller
// names and numbers come from the network); a phone number such as
// +33612345678 is left as it is.
func csvCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return "'" + s
	case '+', '-':
		if strings.Trim(s[1:], "0123456789") != "" {
			return "'" + s
		}
	}
	return s
}

// apiCDRRecording serves a recorded call's WAV file.
func (s *Server) apiCDRRecording(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, "id: want a CDR number")
		return
	}
	rel, err := s.st.CDRRecording(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && rel == "") {
		writeError(w, http.StatusNotFound, "no recording for this call")
		return
	}
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	if !filepath.IsLocal(rel) || s.cfg.Recordings == "" {
		writeError(w, http.StatusNotFound, "no recording for this call")
		return
	}
	// Inside the directory, even through a link planted in it.
	f, err := os.OpenInRoot(s.cfg.Recordings, rel)
	if err != nil {
		writeError(w, http.StatusNotFound, "the recording file is missing")
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		s.apiServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=\"call-%d.wav\"", id))
	http.ServeContent(w, r, "", st.ModTime(), f)
}
