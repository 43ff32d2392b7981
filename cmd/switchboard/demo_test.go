package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// TestDemoSeedsOnce checks that the embedded demo configuration is valid,
// is applied at the first start and prints its passwords only then.
func TestDemoSeedsOnce(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenFile(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out bytes.Buffer
	if err := seedDemo(ctx, st, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out.String(), "password") != len(demoExtensions) {
		t.Fatalf("first start printed:\n%s", out.String())
	}
	exts, err := st.Extensions(ctx)
	if err != nil || len(exts) != len(demoExtensions) {
		t.Fatalf("extensions = %v, %v", exts, err)
	}
	out.Reset()
	if err := seedDemo(ctx, st, &out); err != nil || out.Len() != 0 {
		t.Fatalf("second start: %v, printed %q", err, out.String())
	}
}
