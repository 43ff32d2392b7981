package store

import (
	"context"
	"testing"
)

// TestConfigRevFollowsBumps checks the prepared read sees every bump,
// including one committed through another Store on the same file (the
// CLI while the server runs).
func TestConfigRevFollowsBumps(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cli, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	before, err := st.ConfigRev(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []*Store{st, cli} {
		if err := w.Update(ctx, func(tx *Tx) error { return tx.BumpConfigRev(ctx) }); err != nil {
			t.Fatal(err)
		}
		got, err := st.ConfigRev(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := before + int64(i) + 1; got != want {
			t.Fatalf("after bump %d: revision %d, want %d", i+1, got, want)
		}
	}
}

// BenchmarkConfigRev reads the revision with the prepared statement,
// beside the baseline that prepares it at each read.
func BenchmarkConfigRev(b *testing.B) {
	ctx := context.Background()
	st := openTemp(b)
	b.Run("prepared", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := st.ConfigRev(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var rev int64
			if err := st.db.QueryRowContext(ctx, sqlConfigRev).Scan(&rev); err != nil {
				b.Fatal(err)
			}
		}
	})
}
