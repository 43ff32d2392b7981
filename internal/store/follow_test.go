package store

import (
	"context"
	"testing"
	"time"
)

// TestFollowConfigAppliesAtOnceThenOnChanges: the revision in force when
// following starts is applied at once (a change made just before is not
// lost), then each new revision once.
func TestFollowConfigAppliesAtOnceThenOnChanges(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bump := func() {
		t.Helper()
		if err := st.Update(ctx, func(tx *Tx) error { return tx.BumpConfigRev(ctx) }); err != nil {
			t.Fatal(err)
		}
	}
	bump() // made after the caller loaded, before it follows
	want, err := st.ConfigRev(ctx)
	if err != nil {
		t.Fatal(err)
	}
	revs := make(chan int64, 16)
	done := make(chan error, 1)
	go func() {
		done <- st.FollowConfig(ctx, 5*time.Millisecond, func(_ context.Context, rev int64) { revs <- rev })
	}()
	next := func() int64 {
		t.Helper()
		select {
		case r := <-revs:
			return r
		case <-time.After(10 * time.Second):
			t.Fatal("apply not called")
			return 0
		}
	}
	if r := next(); r != want {
		t.Fatalf("first apply at revision %d, want %d", r, want)
	}
	bump()
	if r := next(); r != want+1 {
		t.Fatalf("after a change: revision %d, want %d", r, want+1)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-revs:
		t.Fatalf("revision %d applied twice", r)
	default:
	}
}
