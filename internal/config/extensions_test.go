package config

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// TestExtensionRecordRoundTrips checks that an extension's record flag is
// stored on import, exported, and cleared by a file that drops it.
func TestExtensionRecordRoundTrips(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenFile(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	apply := func(yaml string) {
		t.Helper()
		f, err := Parse([]byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		if err := Apply(ctx, st, f); err != nil {
			t.Fatal(err)
		}
	}
	apply("extensions:\n  - {number: \"1001\", password: secret123, record: true}\n  - {number: \"1002\", password: secret456}\n")
	for number, want := range map[string]bool{"1001": true, "1002": false} {
		e, err := st.Extension(ctx, number)
		if err != nil {
			t.Fatal(err)
		}
		if e.Record != want {
			t.Errorf("stored %s record = %v, want %v", number, e.Record, want)
		}
	}
	out, err := Export(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Extensions) != 2 || !out.Extensions[0].Record || out.Extensions[1].Record {
		t.Fatalf("export = %+v, want 1001 recorded and 1002 not", out.Extensions)
	}
	apply("extensions:\n  - {number: \"1001\", password: secret123}\n")
	if e, _ := st.Extension(ctx, "1001"); e.Record {
		t.Fatal("record still set after a file without it")
	}
}
