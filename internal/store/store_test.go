package store

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestConcurrentOpensMigrateOnce(t *testing.T) {
	dir := t.TempDir()
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			st, err := Open(context.Background(), dir)
			if err == nil {
				err = st.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent open of a fresh data directory: %v", err)
		}
	}
}

// TestUpgradeFromALegacyRelease opens a data directory written by a
// release that knew only PRAGMA user_version (migrations 0001…0701): the
// migrations that landed later with lower versions than 0701 (0100_acd…)
// are applied too, and the set is tracked from then on.
func TestUpgradeFromALegacyRelease(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	applyRaw(t, db, func(v int) bool { return slices.Contains(legacyVersions, v) })
	if _, err := db.Exec("PRAGMA user_version = 701"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	st, err := OpenFile(ctx, path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer st.Close()
	var acd, tracked int
	if err := st.db.QueryRow("SELECT count(*) FROM sqlite_master WHERE name = 'acd_items'").Scan(&acd); err != nil || acd != 1 {
		t.Fatalf("acd_items after the upgrade: %d, %v", acd, err)
	}
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			files++
		}
	}
	if err := st.db.QueryRow("SELECT count(*) FROM schema_migrations").Scan(&tracked); err != nil || tracked != files {
		t.Fatalf("%d migrations tracked of %d files, %v", tracked, files, err)
	}
	st.Close()
	again, err := OpenFile(ctx, path) // nothing left to apply
	if err != nil {
		t.Fatalf("second open: %v", err)
	}
	again.Close()
}

// applyRaw runs on db, outside the store, the embedded migrations whose
// version keep accepts, in order, and returns their versions.
func applyRaw(t *testing.T, db *sql.DB, keep func(version int) bool) []int {
	t.Helper()
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	var applied []int
	for _, e := range entries {
		v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil || !keep(v) {
			continue
		}
		body, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		applied = append(applied, v)
	}
	return applied
}
