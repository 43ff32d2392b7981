package ivr

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.OpenFile(t.Context(), filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestCodesRoundTripAndExpire(t *testing.T) {
	st := openStore(t)
	now := time.Now()
	codes := Codes{Store: st, TTL: time.Hour, Now: func() time.Time { return now }}
	wc := Context{Flow: "main", Face: Web, Intent: "billing", Path: []string{"welcome", "billing"}}
	code, expires, err := codes.Issue(t.Context(), "billing", wc)
	if err != nil {
		t.Fatal(err)
	}
	if !expires.Equal(now.Add(time.Hour)) {
		t.Fatalf("expires %v, want %v", expires, now.Add(time.Hour))
	}
	if len(code) != 4 {
		t.Fatalf("code %q is not 4 digits", code)
	}
	q, got, err := codes.Resolve(t.Context(), code)
	if err != nil || q != "billing" || got.Intent != "billing" || len(got.Path) != 2 {
		t.Fatalf("Resolve = %q %+v %v", q, got, err)
	}
	if q, _, err := codes.Resolve(t.Context(), "99999"); err != nil || q != "" {
		t.Fatalf("unknown code resolved to %q, %v", q, err)
	}
	now = now.Add(2 * time.Hour)
	if q, _, err := codes.Resolve(t.Context(), code); err != nil || q != "" {
		t.Fatalf("expired code resolved to %q, %v", q, err)
	}
}

func TestStoreFunnelCounts(t *testing.T) {
	st := openStore(t)
	rec := StoreFunnel{Store: st}
	for _, e := range []Event{
		{Flow: "main", Node: "welcome", Face: Voice, Step: Entered},
		{Flow: "main", Node: "welcome", Face: Voice, Step: Chose, Choice: "1"},
		{Flow: "main", Node: "welcome", Face: Web, Step: Entered},
		{Flow: "main", Node: "welcome", Face: Voice, Step: Entered},
		{Flow: "other", Node: "welcome", Face: Voice, Step: Entered},
	} {
		if err := rec.Record(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	counts, err := st.FunnelCounts(t.Context(), "main")
	if err != nil {
		t.Fatal(err)
	}
	want := []store.FunnelCount{
		{Node: "welcome", Face: "voice", Step: "choice", Choice: "1", Count: 1},
		{Node: "welcome", Face: "voice", Step: "enter", Count: 2},
		{Node: "welcome", Face: "web", Step: "enter", Count: 1},
	}
	if len(counts) != len(want) {
		t.Fatalf("counts = %+v", counts)
	}
	for i := range want {
		if counts[i] != want[i] {
			t.Errorf("counts[%d] = %+v, want %+v", i, counts[i], want[i])
		}
	}
}
