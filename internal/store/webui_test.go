package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestWebSessionsExpireAndCascade(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Unix(1_800_000_000, 0)
	if err := s.CreateWebUser(ctx, WebUser{Name: "ann", Role: "agent", PasswordHash: "h"}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateWebUser(ctx, WebUser{Name: "ann", Role: "admin", PasswordHash: "h"}); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate user: %v", err)
	}
	for _, ws := range []WebSession{
		{IDHash: "old", User: "ann", CSRF: "c1", CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour)},
		{IDHash: "live", User: "ann", CSRF: "c2", CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
	} {
		if err := s.CreateWebSession(ctx, ws); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.WebSession(ctx, "old", now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired session found: %v", err)
	}
	if ws, err := s.WebSession(ctx, "live", now); err != nil || ws.CSRF != "c2" {
		t.Fatalf("live session: %+v %v", ws, err)
	}
	if err := s.PurgeWebSessions(ctx, now); err != nil {
		t.Fatal(err)
	}
	var n int
	s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM webui_sessions").Scan(&n)
	if n != 1 {
		t.Fatalf("%d sessions after purge, want 1", n)
	}
	if err := s.CreateWebToken(ctx, "tok", "ann", "ci", now); err != nil {
		t.Fatal(err)
	}
	if err := s.SetWebUserPassword(ctx, "ann", "h2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WebSession(ctx, "live", now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("session survived a password change: %v", err)
	}
	if err := s.DeleteWebUser(ctx, "ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WebTokenUser(ctx, "tok"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("token survived its user: %v", err)
	}
}
