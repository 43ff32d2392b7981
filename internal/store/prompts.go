package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Prompt is an uploaded prompt or music on hold. Lang is "" for music;
// Audio is 8 kHz mono G.711 µ-law. Size is the audio's length in bytes
// (filled by Prompts, which leaves Audio nil).
type Prompt struct {
	Kind, Lang, Name string
	Audio            []byte
	Size             int
	Created          time.Time
}

// PutPrompt stores p, replacing an upload of the same kind, language and
// name, and bumps the configuration revision.
func (t *Tx) PutPrompt(ctx context.Context, p Prompt) error {
	if p.Created.IsZero() {
		p.Created = time.Now()
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO prompts (kind, lang, name, audio, created) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (kind, lang, name) DO UPDATE SET audio = excluded.audio, created = excluded.created`,
		p.Kind, p.Lang, p.Name, p.Audio, p.Created.Unix())
	if err != nil {
		return fmt.Errorf("store: put %s %s/%s: %w", p.Kind, p.Lang, p.Name, err)
	}
	return t.BumpConfigRev(ctx)
}

// DeletePrompt removes an upload and bumps the configuration revision;
// ErrNotFound when there is none.
func (t *Tx) DeletePrompt(ctx context.Context, kind, lang, name string) error {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM prompts WHERE kind = ? AND lang = ? AND name = ?`, kind, lang, name)
	if err != nil {
		return fmt.Errorf("store: delete %s %s/%s: %w", kind, lang, name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %s %s/%s", ErrNotFound, kind, lang, name)
	}
	return t.BumpConfigRev(ctx)
}

// Prompts lists the uploads, without their audio, ordered by kind,
// language and name.
func (s *Store) Prompts(ctx context.Context) ([]Prompt, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT kind, lang, name, length(audio), created FROM prompts ORDER BY kind, lang, name`)
	if err != nil {
		return nil, fmt.Errorf("store: list prompts: %w", err)
	}
	defer rows.Close()
	var out []Prompt
	for rows.Next() {
		var p Prompt
		var created int64
		if err := rows.Scan(&p.Kind, &p.Lang, &p.Name, &p.Size, &created); err != nil {
			return nil, fmt.Errorf("store: list prompts: %w", err)
		}
		p.Created = time.Unix(created, 0)
		out = append(out, p)
	}
	return out, rows.Err()
}

// PromptAudio returns an upload's audio; ErrNotFound when there is none.
func (s *Store) PromptAudio(ctx context.Context, kind, lang, name string) ([]byte, error) {
	var audio []byte
	err := s.db.QueryRowContext(ctx, `SELECT audio FROM prompts WHERE kind = ? AND lang = ? AND name = ?`, kind, lang, name).Scan(&audio)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s %s/%s", ErrNotFound, kind, lang, name)
	}
	if err != nil {
		return nil, fmt.Errorf("store: read %s %s/%s: %w", kind, lang, name, err)
	}
	return audio, nil
}
