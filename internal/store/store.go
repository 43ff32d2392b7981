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
func (s *Store) Close() error { return s.db.Close() }

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

// migrate applies every embedded migration newer than the database's
// user_version, each in its own transaction, in version order.
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

	var current int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("store: read schema version: %w", err)
	}
	for _, m := range list {
		if m.version <= current {
			continue
		}
		body, err := migrationFiles.ReadFile("migrations/" + m.name)
		if err != nil {
			return fmt.Errorf("store: read migration %s: %w", m.name, err)
		}
		err = s.Update(ctx, func(tx *Tx) error {
			// Another process opening the same data directory (the CLI
			// while the server starts) may have applied it meanwhile: the
			// version is read again under the write lock.
			var now int
			if err := tx.tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&now); err != nil {
				return err
			}
			if now >= m.version {
				return nil
			}
			if _, err := tx.tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version))
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migration %s: %w", m.name, err)
		}
	}
	return nil
}

// ErrNotFound is returned by lookups that match no row.
var ErrNotFound = errors.New("store: not found")
