package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Extension is a desk phone's SIP account as stored: its password is kept
// only as digest HA1 hashes for Realm.
type Extension struct {
	Number    string
	Name      string
	HA1MD5    string
	HA1SHA256 string
	Realm     string
	// Record says calls to and from the extension are recorded.
	Record    bool
	CreatedAt time.Time
}

// Extension returns the extension with that number, or ErrNotFound.
func (s *Store) Extension(ctx context.Context, number string) (Extension, error) {
	row := s.db.QueryRowContext(ctx, `SELECT number, name, ha1_md5, ha1_sha256, realm, record, created_at
		FROM extensions WHERE number = ?`, number)
	e, err := scanExtension(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Extension{}, ErrNotFound
	}
	if err != nil {
		return Extension{}, fmt.Errorf("store: extension %s: %w", number, err)
	}
	return e, nil
}

// Extensions returns every extension ordered by number.
func (s *Store) Extensions(ctx context.Context) ([]Extension, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT number, name, ha1_md5, ha1_sha256, realm, record, created_at
		FROM extensions ORDER BY number`)
	if err != nil {
		return nil, fmt.Errorf("store: list extensions: %w", err)
	}
	defer rows.Close()
	var out []Extension
	for rows.Next() {
		e, err := scanExtension(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list extensions: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(...any) error }

func scanExtension(r scanner) (Extension, error) {
	var e Extension
	var created int64
	err := r.Scan(&e.Number, &e.Name, &e.HA1MD5, &e.HA1SHA256, &e.Realm, &e.Record, &created)
	e.CreatedAt = time.Unix(created, 0)
	return e, err
}

// PutExtension creates or replaces an extension and bumps the configuration
// revision.
func (t *Tx) PutExtension(ctx context.Context, e Extension) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now()
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO extensions (number, name, ha1_md5, ha1_sha256, realm, record, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (number) DO UPDATE SET name = excluded.name, ha1_md5 = excluded.ha1_md5,
			ha1_sha256 = excluded.ha1_sha256, realm = excluded.realm, record = excluded.record`,
		e.Number, e.Name, e.HA1MD5, e.HA1SHA256, e.Realm, e.Record, e.CreatedAt.Unix())
	if err != nil {
		return fmt.Errorf("store: put extension %s: %w", e.Number, err)
	}
	return t.BumpConfigRev(ctx)
}

// DeleteExtension removes an extension; ErrNotFound when there was none.
func (t *Tx) DeleteExtension(ctx context.Context, number string) error {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM extensions WHERE number = ?`, number)
	if err != nil {
		return fmt.Errorf("store: delete extension %s: %w", number, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return t.BumpConfigRev(ctx)
}

// Extension returns the extension with that number inside the transaction.
func (t *Tx) Extension(ctx context.Context, number string) (Extension, error) {
	row := t.tx.QueryRowContext(ctx, `SELECT number, name, ha1_md5, ha1_sha256, realm, record, created_at
		FROM extensions WHERE number = ?`, number)
	e, err := scanExtension(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Extension{}, ErrNotFound
	}
	if err != nil {
		return Extension{}, fmt.Errorf("store: extension %s: %w", number, err)
	}
	return e, nil
}

// ExtensionNumbers lists every extension number inside the transaction.
func (t *Tx) ExtensionNumbers(ctx context.Context) ([]string, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT number FROM extensions ORDER BY number`)
	if err != nil {
		return nil, fmt.Errorf("store: list extensions: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("store: list extensions: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
