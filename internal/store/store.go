// Package store is the appliance's single writer of record: the only package
// that speaks SQL. It opens SQLite (mattn/go-sqlite3) in WAL mode and applies
// the versioned migrations embedded in the binary.
//
// Each subsystem keeps its tables in its own migration file (numbered in its
// own range, see migrations/README) and its queries in its own file here.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// FileName is the database file inside the data directory.
const FileName = "switchboard.db"

// Store wraps the SQLite database of one data directory.
type Store struct {
	db    *sql.DB
	group groupWriter // see RunGroupCommit
	rev   revQuery    // see ConfigRev
}

// Open opens (creating if needed) the database in dir and migrates it to the
// newest schema this binary knows.
func Open(ctx context.Context, dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("store: create data dir: %w", err)
	}
	return OpenFile(ctx, filepath.Join(dir, FileName))
}

// OpenFile opens the database at path ("" or ":memory:" is not supported:
// tests use a file under t.TempDir()).
func OpenFile(ctx context.Context, path string) (*Store, error) {
	dsn := "file:" + path + "?_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=10000&_foreign_keys=on&_txlock=immediate"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	s := &Store{db: db, group: groupWriter{wake: make(chan struct{}, 1)}}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.closeRev()
	return s.db.Close()
}

// Tx is a write transaction. Subsystems add methods on *Tx in their own files.
type Tx struct {
	tx *sql.Tx
}

// Update runs fn in one IMMEDIATE transaction and commits it when fn returns
// nil; any error rolls everything back.
func (s *Store) Update(ctx context.Context, fn func(*Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(&Tx{tx: tx}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// legacyVersions are the migrations of the releases made before the
// schema_migrations table: a data directory they wrote holds those up to
// its PRAGMA user_version, and only those (later ranges' files, like
// 0100_acd, came after 0701 in time).
var legacyVersions = []int{1, 2, 10, 200, 300, 301, 400, 401, 500, 600, 700, 701}

// migrate applies every embedded migration not yet applied to the
// database, each in its own transaction, in version order. Versions are
// ranges per subsystem (migrations/README), so a migration can land after
// one of a higher version: what is applied is the set in
// schema_migrations, not the highest version.
func (s *Store) migrate(ctx context.Context) error {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("store: read migrations: %w", err)
	}
	type migration struct {
		version int
		name    string
	}
	var list []migration
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		if !ok {
			return fmt.Errorf("store: migration %s: name must be NNNN_what.sql", name)
		}
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return fmt.Errorf("store: migration %s: bad version", name)
		}
		if prev, dup := seen[v]; dup {
			return fmt.Errorf("store: migrations %s and %s share version %d", prev, name, v)
		}
		seen[v] = name
		list = append(list, migration{v, name})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].version < list[j].version })

	if err := s.Update(ctx, trackMigrations(ctx)); err != nil {
		return fmt.Errorf("store: schema_migrations: %w", err)
	}
	for _, m := range list {
		body, err := migrationFiles.ReadFile("migrations/" + m.name)
		if err != nil {
			return fmt.Errorf("store: read migration %s: %w", m.name, err)
		}
		err = s.Update(ctx, func(tx *Tx) error {
			// Another process opening the same data directory (the CLI
			// while the server starts) may have applied it meanwhile: it
			// is looked up under the write lock.
			var applied int
			if err := tx.tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", m.version).Scan(&applied); err != nil {
				return err
			}
			if applied > 0 {
				return nil
			}
			if _, err := tx.tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			if _, err := tx.tx.ExecContext(ctx, "INSERT INTO schema_migrations (version) VALUES (?)", m.version); err != nil {
				return err
			}
			current, err := userVersion(ctx, tx)
			if err != nil {
				return err
			}
			_, err = tx.tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", max(m.version, current)))
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migration %s: %w", m.name, err)
		}
	}
	return nil
}

// trackMigrations creates schema_migrations when the database has none,
// filled with what its user_version says a legacy release applied.
func trackMigrations(ctx context.Context) func(*Tx) error {
	return func(tx *Tx) error {
		var tables int
		if err := tx.tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").Scan(&tables); err != nil {
			return err
		}
		if tables > 0 {
			return nil
		}
		if _, err := tx.tx.ExecContext(ctx, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY)"); err != nil {
			return err
		}
		current, err := userVersion(ctx, tx)
		if err != nil {
			return err
		}
		for _, v := range legacyVersions {
			if v > current {
				break
			}
			if _, err := tx.tx.ExecContext(ctx, "INSERT INTO schema_migrations (version) VALUES (?)", v); err != nil {
				return err
			}
		}
		return nil
	}
}

// userVersion is the database's PRAGMA user_version: the highest version
// applied, 0 on a new database.
func userVersion(ctx context.Context, tx *Tx) (int, error) {
	var v int
	if err := tx.tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// ErrNotFound is returned by lookups that match no row.
var ErrNotFound = errors.New("store: not found")
