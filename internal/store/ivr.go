package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// IVRFlow is a stored IVR flow; Definition is its JSON.
type IVRFlow struct {
	Name       string
	Number     string
	Definition []byte
}

// IVRCalendar is a stored business calendar; Spec is its JSON.
type IVRCalendar struct {
	Name string
	Spec []byte
}

// FunnelEvent is one IVR funnel measurement.
type FunnelEvent struct {
	Flow, Node, Face, Step, Choice, Session string
	At                                      time.Time
}

// FunnelCount is how many events of one (node, face, step, choice) a flow has.
type FunnelCount struct {
	Node, Face, Step, Choice string
	Count                    int
}

// ReplaceIVRFlows replaces every flow with flows and bumps the
// configuration revision.
func (t *Tx) ReplaceIVRFlows(ctx context.Context, flows []IVRFlow) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM ivr_flows`); err != nil {
		return fmt.Errorf("store: replace ivr flows: %w", err)
	}
	for _, f := range flows {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO ivr_flows (name, number, definition) VALUES (?, ?, ?)`,
			f.Name, f.Number, string(f.Definition)); err != nil {
			return fmt.Errorf("store: put ivr flow %s: %w", f.Name, err)
		}
	}
	return t.BumpConfigRev(ctx)
}

// IVRFlows returns every flow ordered by name.
func (s *Store) IVRFlows(ctx context.Context) ([]IVRFlow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, number, definition FROM ivr_flows ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: list ivr flows: %w", err)
	}
	defer rows.Close()
	var out []IVRFlow
	for rows.Next() {
		var f IVRFlow
		var def string
		if err := rows.Scan(&f.Name, &f.Number, &def); err != nil {
			return nil, fmt.Errorf("store: list ivr flows: %w", err)
		}
		f.Definition = []byte(def)
		out = append(out, f)
	}
	return out, rows.Err()
}

// ReplaceIVRCalendars replaces every calendar with cals and bumps the
// configuration revision.
func (t *Tx) ReplaceIVRCalendars(ctx context.Context, cals []IVRCalendar) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM ivr_calendars`); err != nil {
		return fmt.Errorf("store: replace ivr calendars: %w", err)
	}
	for _, c := range cals {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO ivr_calendars (name, spec) VALUES (?, ?)`, c.Name, string(c.Spec)); err != nil {
			return fmt.Errorf("store: put ivr calendar %s: %w", c.Name, err)
		}
	}
	return t.BumpConfigRev(ctx)
}

// IVRCalendars returns every calendar ordered by name.
func (s *Store) IVRCalendars(ctx context.Context) ([]IVRCalendar, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, spec FROM ivr_calendars ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: list ivr calendars: %w", err)
	}
	defer rows.Close()
	var out []IVRCalendar
	for rows.Next() {
		var c IVRCalendar
		var spec string
		if err := rows.Scan(&c.Name, &spec); err != nil {
			return nil, fmt.Errorf("store: list ivr calendars: %w", err)
		}
		c.Spec = []byte(spec)
		out = append(out, c)
	}
	return out, rows.Err()
}

// AddFunnelEvent stores one funnel event, and returns once it is committed
// (see RunGroupCommit).
func (s *Store) AddFunnelEvent(ctx context.Context, e FunnelEvent) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	err := s.append(ctx, func(ctx context.Context, exec execer) error {
		_, err := exec(ctx, sqlAddFunnel, e.Flow, e.Node, e.Face, e.Step, e.Choice, e.Session, e.At.Unix())
		return err
	})
	if err != nil {
		return fmt.Errorf("store: add funnel event %s/%s: %w", e.Flow, e.Node, err)
	}
	return nil
}

// FunnelCounts returns the flow's funnel counts ordered by node, face,
// step and choice.
func (s *Store) FunnelCounts(ctx context.Context, flow string) ([]FunnelCount, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT node, face, step, choice, COUNT(*) FROM ivr_funnel
		WHERE flow = ? GROUP BY node, face, step, choice ORDER BY node, face, step, choice`, flow)
	if err != nil {
		return nil, fmt.Errorf("store: funnel %s: %w", flow, err)
	}
	defer rows.Close()
	var out []FunnelCount
	for rows.Next() {
		var c FunnelCount
		if err := rows.Scan(&c.Node, &c.Face, &c.Step, &c.Choice, &c.Count); err != nil {
			return nil, fmt.Errorf("store: funnel %s: %w", flow, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ErrCodeTaken is returned by PutIVRCode when the code is in use and not
// expired.
var ErrCodeTaken = errors.New("store: ivr code in use")

// ErrCodesFull is returned by PutIVRCode when as many codes as it allows
// are outstanding.
var ErrCodesFull = errors.New("store: ivr codes at their cap")

// PutIVRCode stores a web-to-voice code until expires, after removing
// expired codes. A code still in use gives ErrCodeTaken; max unexpired
// codes already stored give ErrCodesFull.
func (s *Store) PutIVRCode(ctx context.Context, code, queue string, ctxJSON []byte, expires time.Time, max int) error {
	return s.Update(ctx, func(t *Tx) error {
		if _, err := t.tx.ExecContext(ctx, `DELETE FROM ivr_codes WHERE expires_at <= ?`, time.Now().Unix()); err != nil {
			return fmt.Errorf("store: expire ivr codes: %w", err)
		}
		var n int
		if err := t.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM ivr_codes`).Scan(&n); err != nil {
			return fmt.Errorf("store: count ivr codes: %w", err)
		}
		if n >= max {
			return ErrCodesFull
		}
		res, err := t.tx.ExecContext(ctx, `INSERT INTO ivr_codes (code, queue, context, expires_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (code) DO NOTHING`, code, queue, string(ctxJSON), expires.Unix())
		if err != nil {
			return fmt.Errorf("store: put ivr code: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrCodeTaken
		}
		return nil
	})
}

// TakeIVRCode returns the queue and context of an unexpired code and
// deletes it in the same statement, so that a code is taken once: of two
// calls taking it at the same time, one gets ErrNotFound, as does an
// unknown or expired code.
func (s *Store) TakeIVRCode(ctx context.Context, code string, now time.Time) (queue string, ctxJSON []byte, err error) {
	var c string
	err = s.db.QueryRowContext(ctx, `DELETE FROM ivr_codes WHERE code = ? AND expires_at > ? RETURNING queue, context`,
		code, now.Unix()).Scan(&queue, &c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, ErrNotFound
	}
	if err != nil {
		return "", nil, fmt.Errorf("store: take ivr code: %w", err)
	}
	return queue, []byte(c), nil
}

// IVRCodePending reports whether code is stored and unexpired at now:
// issued and not taken yet.
func (s *Store) IVRCodePending(ctx context.Context, code string, now time.Time) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ivr_codes WHERE code = ? AND expires_at > ?`, code, now.Unix()).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: ivr code pending: %w", err)
	}
	return n > 0, nil
}
