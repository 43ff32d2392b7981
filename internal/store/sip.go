package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Registration is one stored binding of the SIP location service.
type Registration struct {
	AOR       string
	Contact   string
	Source    string
	Transport string
	ExpiresAt time.Time
	CallID    string
	CSeq      uint32
	UserAgent string
}

// ReplaceRegistrations writes the current bindings of each AOR in aors
// (those with no binding left are removed) and drops expired rows, in one
// transaction.
func (s *Store) ReplaceRegistrations(ctx context.Context, aors []string, regs []Registration, now time.Time) error {
	return s.Update(ctx, func(tx *Tx) error {
		for _, aor := range aors {
			if _, err := tx.tx.ExecContext(ctx, `DELETE FROM registrations WHERE aor = ?`, aor); err != nil {
				return fmt.Errorf("store: registrations %s: %w", aor, err)
			}
		}
		for _, r := range regs {
			_, err := tx.tx.ExecContext(ctx, `INSERT OR REPLACE INTO registrations
				(aor, contact, source, transport, expires_at, call_id, cseq, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				r.AOR, r.Contact, r.Source, r.Transport, r.ExpiresAt.Unix(), r.CallID, r.CSeq, r.UserAgent)
			if err != nil {
				return fmt.Errorf("store: save registration %s: %w", r.AOR, err)
			}
		}
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM registrations WHERE expires_at <= ?`, now.Unix()); err != nil {
			return fmt.Errorf("store: purge registrations: %w", err)
		}
		return nil
	})
}

// Registrations returns the bindings that have not expired at now.
func (s *Store) Registrations(ctx context.Context, now time.Time) ([]Registration, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT aor, contact, source, transport, expires_at, call_id, cseq, user_agent
		FROM registrations WHERE expires_at > ? ORDER BY aor, contact`, now.Unix())
	if err != nil {
		return nil, fmt.Errorf("store: registrations: %w", err)
	}
	defer rows.Close()
	var out []Registration
	for rows.Next() {
		var r Registration
		var exp int64
		if err := rows.Scan(&r.AOR, &r.Contact, &r.Source, &r.Transport, &exp, &r.CallID, &r.CSeq, &r.UserAgent); err != nil {
			return nil, fmt.Errorf("store: registrations: %w", err)
		}
		r.ExpiresAt = time.Unix(exp, 0)
		out = append(out, r)
	}
	return out, rows.Err()
}

// CDR is the record of one call attempt.
type CDR struct {
	ID          int64
	CallID      string
	Caller      string
	Callee      string
	StartedAt   time.Time
	AnsweredAt  time.Time // zero when never answered
	EndedAt     time.Time // zero while the call lives
	Disposition string
	HangupCause string
	SIPStatus   int
	PacketsAToB uint64
	PacketsBToA uint64
	LostA       uint64
	LostB       uint64
	JitterA     time.Duration
	JitterB     time.Duration
	Codec       string
	// Trunk is the trunk of a call to or from the phone network ("" between
	// extensions); TrunkNumber is the number on the trunk side: the DID
	// called inbound, the E.164 number sent outbound.
	Trunk       string
	TrunkNumber string
	// Recording is the call's stereo WAV, relative to the data directory
	// ("" when not recorded).
	Recording string
	// Queue is the queue the caller waited in ("" for none).
	Queue string
	// TransferredBy is the extension that transferred the call (REFER):
	// set on the record the transfer ended and on the record of the call
	// it continued as. TransferredTo is the number it was transferred to
	// (on the record the transfer ended); TransferredFrom is the id of
	// that record (on the continuing one; 0 for none).
	TransferredBy   string
	TransferredTo   string
	TransferredFrom int64
}

// Duration is the answered time of the call (zero when never answered).
func (c CDR) Duration() time.Duration {
	if c.AnsweredAt.IsZero() || c.EndedAt.IsZero() {
		return 0
	}
	return c.EndedAt.Sub(c.AnsweredAt)
}

// StartCDR records a new call attempt and returns its id. It shares a
// transaction with other calls' appends while RunGroupCommit runs.
func (s *Store) StartCDR(ctx context.Context, c CDR) (int64, error) {
	var id int64
	err := s.append(ctx, func(ctx context.Context, exec execer) error {
		res, err := exec(ctx, sqlStartCDR, c.CallID, c.Caller, c.Callee, c.StartedAt.UnixMilli())
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: start cdr: %w", err)
	}
	return id, nil
}

// FinishCDR writes the outcome of a call attempt, and returns once it is
// committed (see RunGroupCommit).
func (s *Store) FinishCDR(ctx context.Context, c CDR) error {
	err := s.append(ctx, func(ctx context.Context, exec execer) error {
		_, err := exec(ctx, sqlFinishCDR,
			c.Callee, nullMillis(c.AnsweredAt), nullMillis(c.EndedAt), c.Disposition, c.HangupCause, c.SIPStatus,
			c.PacketsAToB, c.PacketsBToA, c.LostA, c.LostB, c.JitterA.Microseconds(), c.JitterB.Microseconds(), c.Codec,
			c.Trunk, c.TrunkNumber, c.Recording, c.Queue, c.TransferredBy, c.TransferredTo, c.TransferredFrom, c.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: finish cdr %d: %w", c.ID, err)
	}
	return nil
}

// CloseOpenCDRs ends every CDR still open (calls that died with the
// process) as "interrupted" at the given time, and returns how many.
func (s *Store) CloseOpenCDRs(ctx context.Context, at time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE cdrs SET ended_at = ?, disposition = CASE WHEN answered_at IS NULL THEN 'failed' ELSE 'answered' END,
		hangup_cause = 'interrupted' WHERE ended_at IS NULL`, at.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("store: close open cdrs: %w", err)
	}
	return res.RowsAffected()
}

// CDRFilter selects CDRs; zero fields match everything.
type CDRFilter struct {
	Number      string // caller or callee
	Disposition string
	Queue       string
	From, To    time.Time
	// Transferred keeps the records either end of a transfer: the one a
	// transfer ended and the one that continued it.
	Transferred bool
	Limit       int // zero means 1000
}

// ListCDRs returns CDRs matching f, newest first.
func (s *Store) ListCDRs(ctx context.Context, f CDRFilter) ([]CDR, error) {
	var where []string
	var args []any
	if f.Number != "" {
		where = append(where, "(caller = ? OR callee = ?)")
		args = append(args, f.Number, f.Number)
	}
	if f.Disposition != "" {
		where = append(where, "disposition = ?")
		args = append(args, f.Disposition)
	}
	if f.Queue != "" {
		where = append(where, "queue = ?")
		args = append(args, f.Queue)
	}
	if !f.From.IsZero() {
		where = append(where, "started_at >= ?")
		args = append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		where = append(where, "started_at < ?")
		args = append(args, f.To.UnixMilli())
	}
	if f.Transferred {
		where = append(where, "(transferred_to <> '' OR transferred_from <> 0)")
	}
	q := `SELECT id, call_id, caller, callee, started_at, answered_at, ended_at, disposition, hangup_cause, sip_status,
		packets_a_to_b, packets_b_to_a, lost_a, lost_b, jitter_a_us, jitter_b_us, codec, trunk, trunk_number, recording, queue,
		transferred_by, transferred_to, transferred_from FROM cdrs`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list cdrs: %w", err)
	}
	defer rows.Close()
	var out []CDR
	for rows.Next() {
		var c CDR
		var started int64
		var answered, ended sql.NullInt64
		var ja, jb int64
		if err := rows.Scan(&c.ID, &c.CallID, &c.Caller, &c.Callee, &started, &answered, &ended, &c.Disposition, &c.HangupCause,
			&c.SIPStatus, &c.PacketsAToB, &c.PacketsBToA, &c.LostA, &c.LostB, &ja, &jb, &c.Codec, &c.Trunk, &c.TrunkNumber, &c.Recording, &c.Queue,
			&c.TransferredBy, &c.TransferredTo, &c.TransferredFrom); err != nil {
			return nil, fmt.Errorf("store: list cdrs: %w", err)
		}
		c.StartedAt = time.UnixMilli(started)
		if answered.Valid {
			c.AnsweredAt = time.UnixMilli(answered.Int64)
		}
		if ended.Valid {
			c.EndedAt = time.UnixMilli(ended.Int64)
		}
		c.JitterA, c.JitterB = time.Duration(ja)*time.Microsecond, time.Duration(jb)*time.Microsecond
		out = append(out, c)
	}
	return out, rows.Err()
}

func nullMillis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// CDRRecording returns the recording path of CDR id ("" when the call was
// not recorded), or ErrNotFound.
func (s *Store) CDRRecording(ctx context.Context, id int64) (string, error) {
	var rec string
	err := s.db.QueryRowContext(ctx, `SELECT recording FROM cdrs WHERE id = ?`, id).Scan(&rec)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: cdr %d recording: %w", id, err)
	}
	return rec, nil
}
