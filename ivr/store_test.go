package ivr

import (
	"errors"
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

// TestCodesRedeemOnceAndExpire: a code is CodeDigits digits, redeemed
// once, and not after it expires.
func TestCodesRedeemOnceAndExpire(t *testing.T) {
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
	if len(code) != CodeDigits {
		t.Fatalf("code %q is not %d digits", code, CodeDigits)
	}
	if ok, err := codes.Pending(t.Context(), code); !ok || err != nil {
		t.Fatalf("Pending = %v, %v", ok, err)
	}
	q, got, err := codes.Redeem(t.Context(), code)
	if err != nil || q != "billing" || got.Intent != "billing" || len(got.Path) != 2 {
		t.Fatalf("Redeem = %q %+v %v", q, got, err)
	}
	if q, _, err := codes.Redeem(t.Context(), code); err != nil || q != "" {
		t.Fatalf("a redeemed code redeemed again to %q, %v", q, err)
	}
	if ok, err := codes.Pending(t.Context(), code); ok || err != nil {
		t.Fatalf("Pending = %v, %v once redeemed", ok, err)
	}
	if q, _, err := codes.Redeem(t.Context(), "999999"); err != nil || q != "" {
		t.Fatalf("unknown code redeemed to %q, %v", q, err)
	}
	code, _, err = codes.Issue(t.Context(), "billing", wc)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Hour)
	if q, _, err := codes.Redeem(t.Context(), code); err != nil || q != "" {
		t.Fatalf("expired code redeemed to %q, %v", q, err)
	}
}

// TestCodesCap: past Max outstanding codes Issue gives ErrNoCodes.
func TestCodesCap(t *testing.T) {
	codes := Codes{Store: openStore(t), Max: 2}
	for range 2 {
		if _, _, err := codes.Issue(t.Context(), "support", Context{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := codes.Issue(t.Context(), "support", Context{}); !errors.Is(err, ErrNoCodes) {
		t.Fatalf("third code: %v, want ErrNoCodes", err)
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

// BenchmarkIssue issues a code with MaxCodes-1 others outstanding (each
// issue counts them); BenchmarkIssueBaseline with none, the floor.
func BenchmarkIssue(b *testing.B) { benchmarkIssue(b, MaxCodes-1) }

func BenchmarkIssueBaseline(b *testing.B) { benchmarkIssue(b, 0) }

func benchmarkIssue(b *testing.B, outstanding int) {
	st, err := store.OpenFile(b.Context(), filepath.Join(b.TempDir(), "db.sqlite"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	codes := Codes{Store: st}
	for range outstanding {
		if _, _, err := codes.Issue(b.Context(), "support", Context{}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		code, _, err := codes.Issue(b.Context(), "support", Context{})
		if err != nil {
			b.Fatal(err)
		}
		// Redeemed at once, so that the count stays where it is.
		if q, _, err := codes.Redeem(b.Context(), code); err != nil || q == "" {
			b.Fatal(q, err)
		}
	}
}
