package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// WebUser is an account of the web panel.
type WebUser struct {
	Name         string
	Role         string // "admin", "supervisor" or "agent"
	PasswordHash string // bcrypt
	DisplayName  string
	CreatedAt    time.Time
}

// WebSession is a login session, keyed by the hash of its cookie value.
type WebSession struct {
	IDHash    string
	User      string
	CSRF      string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// ErrExists is returned when creating a row whose key is already taken.
var ErrExists = errors.New("store: already exists")

// CreateWebUser adds a user; ErrExists when the name is taken.
func (s *Store) CreateWebUser(ctx context.Context, u WebUser) error {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now()
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO webui_users (name, role, password_hash, display_name, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
		u.Name, u.Role, u.PasswordHash, u.DisplayName, u.CreatedAt.Unix())
	if err != nil {
		return fmt.Errorf("store: create web user %s: %w", u.Name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrExists
	}
	return nil
}

// WebUser returns the user with that name, or ErrNotFound.
func (s *Store) WebUser(ctx context.Context, name string) (WebUser, error) {
	row := s.db.QueryRowContext(ctx, `SELECT name, role, password_hash, display_name, created_at
		FROM webui_users WHERE name = ?`, name)
	u, err := scanWebUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return WebUser{}, ErrNotFound
	}
	if err != nil {
		return WebUser{}, fmt.Errorf("store: web user %s: %w", name, err)
	}
	return u, nil
}

// WebUsers returns every user ordered by name.
func (s *Store) WebUsers(ctx context.Context) ([]WebUser, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, role, password_hash, display_name, created_at
		FROM webui_users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: list web users: %w", err)
	}
	defer rows.Close()
	var out []WebUser
	for rows.Next() {
		u, err := scanWebUser(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list web users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func scanWebUser(r scanner) (WebUser, error) {
	var u WebUser
	var created int64
	err := r.Scan(&u.Name, &u.Role, &u.PasswordHash, &u.DisplayName, &created)
	u.CreatedAt = time.Unix(created, 0)
	return u, err
}

// DeleteWebUser removes a user with its sessions and tokens; ErrNotFound
// when there was none.
func (s *Store) DeleteWebUser(ctx context.Context, name string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM webui_users WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("store: delete web user %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetWebUserPassword replaces a user's password hash and ends all of the
// user's sessions; ErrNotFound when there is no such user.
func (s *Store) SetWebUserPassword(ctx context.Context, name, hash string) error {
	return s.Update(ctx, func(tx *Tx) error {
		res, err := tx.tx.ExecContext(ctx, `UPDATE webui_users SET password_hash = ? WHERE name = ?`, hash, name)
		if err != nil {
			return fmt.Errorf("store: set password %s: %w", name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM webui_sessions WHERE user_name = ?`, name); err != nil {
			return fmt.Errorf("store: end sessions of %s: %w", name, err)
		}
		return nil
	})
}

// CreateWebSession stores a session.
func (s *Store) CreateWebSession(ctx context.Context, ws WebSession) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO webui_sessions (id_hash, user_name, csrf, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?)`, ws.IDHash, ws.User, ws.CSRF, ws.CreatedAt.Unix(), ws.ExpiresAt.Unix())
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// WebSession returns the session with that hash if it has not expired at
// now, or ErrNotFound.
func (s *Store) WebSession(ctx context.Context, idHash string, now time.Time) (WebSession, error) {
	var ws WebSession
	var created, expires int64
	err := s.db.QueryRowContext(ctx, `SELECT id_hash, user_name, csrf, created_at, expires_at
		FROM webui_sessions WHERE id_hash = ? AND expires_at > ?`, idHash, now.Unix()).
		Scan(&ws.IDHash, &ws.User, &ws.CSRF, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return WebSession{}, ErrNotFound
	}
	if err != nil {
		return WebSession{}, fmt.Errorf("store: session: %w", err)
	}
	ws.CreatedAt, ws.ExpiresAt = time.Unix(created, 0), time.Unix(expires, 0)
	return ws, nil
}

// DeleteWebSession ends one session.
func (s *Store) DeleteWebSession(ctx context.Context, idHash string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM webui_sessions WHERE id_hash = ?`, idHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// PurgeWebSessions drops sessions expired at now.
func (s *Store) PurgeWebSessions(ctx context.Context, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM webui_sessions WHERE expires_at <= ?`, now.Unix()); err != nil {
		return fmt.Errorf("store: purge sessions: %w", err)
	}
	return nil
}

// CreateWebToken stores an API token hash for a user.
func (s *Store) CreateWebToken(ctx context.Context, tokenHash, user, label string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO webui_tokens (token_hash, user_name, label, created_at)
		VALUES (?, ?, ?, ?)`, tokenHash, user, label, now.Unix())
	if err != nil {
		return fmt.Errorf("store: create token: %w", err)
	}
	return nil
}

// WebTokenUser returns the name of the user owning the token hash, or
// ErrNotFound.
func (s *Store) WebTokenUser(ctx context.Context, tokenHash string) (string, error) {
	var user string
	err := s.db.QueryRowContext(ctx, `SELECT user_name FROM webui_tokens WHERE token_hash = ?`, tokenHash).Scan(&user)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: token: %w", err)
	}
	return user, nil
}
