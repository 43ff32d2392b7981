package store

import (
	"context"
	"fmt"
)

// BumpConfigRev marks business configuration as changed; call it in every
// transaction that changes configuration a running server caches.
func (t *Tx) BumpConfigRev(ctx context.Context) error {
	if _, err := t.tx.ExecContext(ctx, "UPDATE config_rev SET rev = rev + 1 WHERE id = 1"); err != nil {
		return fmt.Errorf("store: bump config revision: %w", err)
	}
	return nil
}

// ConfigRev returns the configuration revision (see BumpConfigRev).
func (s *Store) ConfigRev(ctx context.Context) (int64, error) {
	var rev int64
	if err := s.db.QueryRowContext(ctx, "SELECT rev FROM config_rev WHERE id = 1").Scan(&rev); err != nil {
		return 0, fmt.Errorf("store: read config revision: %w", err)
	}
	return rev, nil
}
