package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// startGroup starts the group-commit writer on st and returns its stop,
// which waits for it to return.
func startGroup(t *testing.T, st *Store) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- st.RunGroupCommit(ctx) }()
	// Appends made before the writer runs go straight to the database,
	// so the test waits for it to be running to exercise batching.
	deadline := time.Now().Add(5 * time.Second)
	for {
		st.group.mu.Lock()
		running := st.group.running
		st.group.mu.Unlock()
		if running || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunGroupCommit: %v", err)
		}
	}
}

// openTemp opens a store in a fresh directory, closed when the test ends.
func openTemp(t testing.TB) *Store {
	t.Helper()
	st, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestGroupCommitCalls starts and finishes the CDRs of many concurrent
// calls with funnel rows through the group writer, and after it stopped:
// every write is committed when it returns, ids are distinct, and nothing
// is lost when the writer stops.
func TestGroupCommitCalls(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	stop := startGroup(t, st)
	const calls = 200
	var wg sync.WaitGroup
	ids := make(chan int64, calls+1)
	errs := make(chan error, calls)
	call := func(i int) error {
		started := time.UnixMilli(1_700_000_000_000 + int64(i))
		c := CDR{CallID: fmt.Sprintf("call-%d", i), Caller: "1000", Callee: "700", StartedAt: started}
		id, err := st.StartCDR(ctx, c)
		if err != nil {
			return err
		}
		if err := st.AddFunnelEvent(ctx, FunnelEvent{Flow: "f", Node: "q", Face: "voice", Step: "enter", Session: c.CallID}); err != nil {
			return err
		}
		c.ID, c.AnsweredAt, c.EndedAt, c.Disposition = id, started, started.Add(time.Second), "answered"
		if err := st.FinishCDR(ctx, c); err != nil {
			return err
		}
		ids <- id
		return nil
	}
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- call(i)
		}()
	}
	wg.Wait()
	stop()
	// After the writer stopped, appends are their own transactions.
	if err := call(calls); err != nil {
		t.Fatalf("call after the writer stopped: %v", err)
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("call: %v", err)
		}
	}
	close(ids)
	seen := map[int64]bool{}
	for id := range ids {
		if seen[id] {
			t.Fatalf("CDR id %d given twice", id)
		}
		seen[id] = true
	}
	cdrs, err := st.ListCDRs(ctx, CDRFilter{Limit: 2 * calls})
	if err != nil {
		t.Fatal(err)
	}
	if len(cdrs) != calls+1 {
		t.Fatalf("%d CDRs stored, want %d", len(cdrs), calls+1)
	}
	for _, c := range cdrs {
		if c.Disposition != "answered" || c.Duration() != time.Second {
			t.Fatalf("CDR %d not finished: %+v", c.ID, c)
		}
	}
	counts, err := st.FunnelCounts(ctx, "f")
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 1 || counts[0].Count != calls+1 {
		t.Fatalf("funnel counts %+v, want one row of %d", counts, calls+1)
	}
}

// TestGroupCommitFailureIsolated checks that a write failing inside a
// batch fails only its own caller: the others of the batch are committed.
func TestGroupCommitFailureIsolated(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	stop := startGroup(t, st)
	defer stop()
	bad := errors.New("bad row")
	var wg sync.WaitGroup
	results := make([]error, 20)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 7 {
				results[i] = st.append(ctx, func(context.Context, execer) error { return bad })
				return
			}
			results[i] = st.AddFunnelEvent(ctx, FunnelEvent{Flow: "f", Node: "n", Face: "voice", Step: "enter"})
		}()
	}
	wg.Wait()
	for i, err := range results {
		if i == 7 && !errors.Is(err, bad) {
			t.Errorf("failing write: got %v, want %v", err, bad)
		}
		if i != 7 && err != nil {
			t.Errorf("write %d: %v", i, err)
		}
	}
	counts, err := st.FunnelCounts(ctx, "f")
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 1 || counts[0].Count != len(results)-1 {
		t.Fatalf("funnel counts %+v, want one row of %d", counts, len(results)-1)
	}
}
