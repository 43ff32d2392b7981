package store

import (
	"context"
	"errors"
	"testing"
)

// TestCachedLoadsAgainOnlyWhenTheRevisionMoves: reads between two
// configuration changes share one load; a change loads again; a failed
// load is not kept.
func TestCachedLoadsAgainOnlyWhenTheRevisionMoves(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	loads := 0
	fail := false
	c := NewCached(st, func(context.Context, *Store) (int, error) {
		if fail {
			return 0, errors.New("boom")
		}
		loads++
		return loads, nil
	})
	get := func() int {
		t.Helper()
		v, err := c.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if a, b := get(), get(); a != 1 || b != 1 {
		t.Fatalf("two reads at one revision: %d, %d loads", a, b)
	}
	bump := func() {
		t.Helper()
		if err := st.Update(ctx, func(tx *Tx) error { return tx.BumpConfigRev(ctx) }); err != nil {
			t.Fatal(err)
		}
	}
	bump()
	fail = true
	if _, err := c.Get(ctx); err == nil {
		t.Fatal("a failed load returned no error")
	}
	fail = false
	if v := get(); v != 2 {
		t.Fatalf("after a change and a failed load: load %d, want 2", v)
	}
	if v := get(); v != 2 {
		t.Fatalf("no change: load %d, want 2", v)
	}
}
