package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// sqlConfigRev reads the configuration revision.
const sqlConfigRev = "SELECT rev FROM config_rev WHERE id = 1"

// revQuery is ConfigRev's statement, prepared on first use.
type revQuery struct {
	mu   sync.Mutex // guards stmt
	stmt *sql.Stmt
}

// BumpConfigRev marks business configuration as changed; call it in every
// transaction that changes configuration a running server caches.
func (t *Tx) BumpConfigRev(ctx context.Context) error {
	if _, err := t.tx.ExecContext(ctx, "UPDATE config_rev SET rev = rev + 1 WHERE id = 1"); err != nil {
		return fmt.Errorf("store: bump config revision: %w", err)
	}
	return nil
}

// ConfigRev returns the configuration revision (see BumpConfigRev). Every
// call reads it (each Cached value asks), so its statement is prepared
// once: preparing it again each time was most of its cost.
func (s *Store) ConfigRev(ctx context.Context) (int64, error) {
	stmt, err := s.revStmt(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: read config revision: %w", err)
	}
	var rev int64
	if err := stmt.QueryRowContext(ctx).Scan(&rev); err != nil {
		return 0, fmt.Errorf("store: read config revision: %w", err)
	}
	return rev, nil
}

func (s *Store) revStmt(ctx context.Context) (*sql.Stmt, error) {
	s.rev.mu.Lock()
	defer s.rev.mu.Unlock()
	if s.rev.stmt == nil {
		stmt, err := s.db.PrepareContext(ctx, sqlConfigRev)
		if err != nil {
			return nil, err
		}
		s.rev.stmt = stmt
	}
	return s.rev.stmt, nil
}

// closeRev closes ConfigRev's statement.
func (s *Store) closeRev() {
	s.rev.mu.Lock()
	defer s.rev.mu.Unlock()
	if s.rev.stmt != nil {
		s.rev.stmt.Close()
		s.rev.stmt = nil
	}
}
