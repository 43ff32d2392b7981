package webui

import (
	"net/url"
	"strconv"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// cdrRow is a CDR as a row of the CDR page.
type cdrRow struct {
	cdrView
	// FromLink leads to the record this one continued (TransferredFrom):
	// its row on the page, or else a search by this record's caller, who
	// was a party to that record too, up to this record's day.
	FromLink string
}

// cdrRows makes the page's rows of cdrs.
func cdrRows(cdrs []store.CDR, loc *time.Location) []cdrRow {
	shown := make(map[int64]bool, len(cdrs))
	for _, c := range cdrs {
		shown[c.ID] = true
	}
	rows := make([]cdrRow, 0, len(cdrs))
	for _, c := range cdrs {
		row := cdrRow{cdrView: toCDRView(c, loc)}
		if from := c.TransferredFrom; from != 0 {
			anchor := "#cdr-" + strconv.FormatInt(from, 10)
			if shown[from] {
				row.FromLink = anchor
			} else {
				q := url.Values{"number": {c.Caller}, "to": {row.StartedAt.Format(time.DateOnly)}}
				row.FromLink = "/reports/cdrs?" + q.Encode() + anchor
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// csvID is a record id as a CSV cell, empty for none.
func csvID(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}
