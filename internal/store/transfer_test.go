package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestTransferredCDRs writes a transferred call as two linked records and
// reads them back: the first names the transferor and the target, the
// second links to the first.
func TestTransferredCDRs(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	at := time.UnixMilli(1_700_000_000_000)
	first := CDR{CallID: "x", Caller: "+3312", Callee: "1001", StartedAt: at}
	id, err := st.StartCDR(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	first.ID, first.AnsweredAt, first.EndedAt, first.Disposition = id, at, at.Add(time.Minute), "answered"
	first.TransferredBy, first.TransferredTo = "1001", "1002"
	if err := st.FinishCDR(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := CDR{CallID: "x", Caller: "+3312", Callee: "1002", StartedAt: first.EndedAt}
	if second.ID, err = st.StartCDR(ctx, second); err != nil {
		t.Fatal(err)
	}
	second.EndedAt, second.Disposition, second.TransferredBy, second.TransferredFrom = at.Add(2*time.Minute), "answered", "1001", id
	if err := st.FinishCDR(ctx, second); err != nil {
		t.Fatal(err)
	}
	got, err := st.ListCDRs(ctx, CDRFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d records, want 2", len(got))
	}
	if r := got[1]; r.TransferredBy != "1001" || r.TransferredTo != "1002" || r.TransferredFrom != 0 {
		t.Errorf("first record: by %q to %q from %d", r.TransferredBy, r.TransferredTo, r.TransferredFrom)
	}
	if r := got[0]; r.TransferredBy != "1001" || r.TransferredTo != "" || r.TransferredFrom != id {
		t.Errorf("second record: by %q to %q from %d, want from %d", r.TransferredBy, r.TransferredTo, r.TransferredFrom, id)
	}

	// Newer calls without a transfer do not push the transfer's records
	// out of a search for transferred calls, whatever its limit.
	for i := range 3 {
		if _, err := st.StartCDR(ctx, CDR{CallID: fmt.Sprint("plain", i), Caller: "+3399", Callee: "1003", StartedAt: at.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err = st.ListCDRs(ctx, CDRFilter{Transferred: true, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != second.ID || got[1].ID != id {
		t.Errorf("transferred search: %+v, want records %d and %d", got, second.ID, id)
	}
}
