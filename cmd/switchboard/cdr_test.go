package main

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// TestCDRExportTransferred checks `cdr export --csv --transferred`: only the
// two records of a transfer, newest first, the continued one naming the
// record it continued and the first naming none (an empty cell, as the
// panel's CSV).
func TestCDRExportTransferred(t *testing.T) {
	data := t.TempDir()
	ctx := t.Context()
	st, err := store.Open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	first, err := st.StartCDR(ctx, store.CDR{CallID: "x", Caller: "+3312", Callee: "1001", StartedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	ended := store.CDR{ID: first, CallID: "x", Caller: "+3312", Callee: "1001", StartedAt: at, EndedAt: at.Add(time.Minute),
		Disposition: "answered", TransferredBy: "1001", TransferredTo: "1002"}
	if err := st.FinishCDR(ctx, ended); err != nil {
		t.Fatal(err)
	}
	cont := store.CDR{CallID: "x", Caller: "+3312", Callee: "1002", StartedAt: at.Add(time.Minute)}
	if cont.ID, err = st.StartCDR(ctx, cont); err != nil {
		t.Fatal(err)
	}
	cont.EndedAt, cont.Disposition, cont.TransferredBy, cont.TransferredFrom = at.Add(2*time.Minute), "answered", "1001", first
	if err := st.FinishCDR(ctx, cont); err != nil {
		t.Fatal(err)
	}
	if _, err := st.StartCDR(ctx, store.CDR{CallID: "y", Caller: "+3399", Callee: "1003", StartedAt: at.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out, err := run(t, "--data", data, "cdr", "export", "--csv", "--transferred")
	if err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 3 {
		t.Fatalf("export =\n%s\n%v; want a header and the transfer's two records", out, err)
	}
	col := map[string]int{}
	for i, name := range recs[0] {
		col[name] = i
	}
	next, end := recs[1], recs[2]
	if next[col["callee"]] != "1002" || next[col["transferred_from"]] != end[col["id"]] || next[col["transferred_by"]] != "1001" {
		t.Errorf("continued record %v", next)
	}
	if end[col["transferred_to"]] != "1002" || end[col["transferred_from"]] != "" {
		t.Errorf("ended record %v: want transferred to 1002, from none (empty)", end)
	}
}
