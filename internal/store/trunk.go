package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Trunk is one stored SIP trunk (see sip/trunk.Trunk for the meaning of
// each field).
type Trunk struct {
	Name                string
	Type                string
	Host                string
	Username            string
	Password            string
	Transport           string
	Codecs              []string
	DTMF                string
	OutboundProxy       string
	CountryCode         string
	NationalPrefix      string
	InternationalPrefix string
	CalledFrom          string
	ExpirySeconds       int
	DIDs                []string
}

// ErrNoTrunk reports a trunk name that is not stored.
var ErrNoTrunk = errors.New("store: no such trunk")

const trunkCols = `name, type, host, username, password, transport, codecs, dtmf, outbound_proxy,
	country_code, national_prefix, international_prefix, called_from, expiry_seconds, dids`

// PutTrunk inserts or replaces a trunk.
func (t *Tx) PutTrunk(ctx context.Context, tr Trunk) error {
	codecs, _ := json.Marshal(nonNil(tr.Codecs))
	dids, _ := json.Marshal(nonNil(tr.DIDs))
	_, err := t.tx.ExecContext(ctx, `INSERT OR REPLACE INTO trunks (`+trunkCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		tr.Name, tr.Type, tr.Host, tr.Username, tr.Password, tr.Transport, string(codecs), tr.DTMF, tr.OutboundProxy,
		tr.CountryCode, tr.NationalPrefix, tr.InternationalPrefix, tr.CalledFrom, tr.ExpirySeconds, string(dids))
	if err != nil {
		return fmt.Errorf("store: put trunk %s: %w", tr.Name, err)
	}
	return t.BumpConfigRev(ctx)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// DeleteTrunk removes a trunk; ErrNoTrunk when it does not exist.
func (t *Tx) DeleteTrunk(ctx context.Context, name string) error {
	res, err := t.tx.ExecContext(ctx, `DELETE FROM trunks WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("store: delete trunk %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %s", ErrNoTrunk, name)
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM trunk_status WHERE name = ?`, name); err != nil {
		return fmt.Errorf("store: delete trunk %s status: %w", name, err)
	}
	return t.BumpConfigRev(ctx)
}

// ReplaceTrunks makes trs the whole set of trunks.
func (t *Tx) ReplaceTrunks(ctx context.Context, trs []Trunk) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM trunks`); err != nil {
		return fmt.Errorf("store: trunks: %w", err)
	}
	for _, tr := range trs {
		if err := t.PutTrunk(ctx, tr); err != nil {
			return err
		}
	}
	return nil
}

// Trunks returns every trunk by name.
func (s *Store) Trunks(ctx context.Context) ([]Trunk, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+trunkCols+` FROM trunks ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: trunks: %w", err)
	}
	defer rows.Close()
	var out []Trunk
	for rows.Next() {
		var tr Trunk
		var codecs, dids string
		if err := rows.Scan(&tr.Name, &tr.Type, &tr.Host, &tr.Username, &tr.Password, &tr.Transport, &codecs, &tr.DTMF, &tr.OutboundProxy,
			&tr.CountryCode, &tr.NationalPrefix, &tr.InternationalPrefix, &tr.CalledFrom, &tr.ExpirySeconds, &dids); err != nil {
			return nil, fmt.Errorf("store: trunks: %w", err)
		}
		if err := json.Unmarshal([]byte(codecs), &tr.Codecs); err != nil {
			return nil, fmt.Errorf("store: trunk %s codecs: %w", tr.Name, err)
		}
		if err := json.Unmarshal([]byte(dids), &tr.DIDs); err != nil {
			return nil, fmt.Errorf("store: trunk %s dids: %w", tr.Name, err)
		}
		out = append(out, tr)
	}
	return out, rows.Err()
}

// InboundRoute is one stored inbound route, in order.
type InboundRoute struct {
	DID   string
	To    string
	Trunk string
}

// OutboundRoute is one stored outbound route, in order.
type OutboundRoute struct {
	Pattern   string
	Strip     int
	Prepend   string
	Trunks    []string
	Class     string
	Emergency bool
	CallerID  string
}

// Routes is the whole stored dial plan.
type Routes struct {
	Inbound   []InboundRoute
	Outbound  []OutboundRoute
	Emergency []string
}

// ReplaceRoutes makes r the whole dial plan.
func (t *Tx) ReplaceRoutes(ctx context.Context, r Routes) error {
	for _, q := range []string{`DELETE FROM routes_inbound`, `DELETE FROM routes_outbound`, `DELETE FROM emergency_numbers`} {
		if _, err := t.tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: routes: %w", err)
		}
	}
	for i, in := range r.Inbound {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO routes_inbound (pos, did, dest, trunk) VALUES (?,?,?,?)`, i, in.DID, in.To, in.Trunk); err != nil {
			return fmt.Errorf("store: inbound route %d: %w", i, err)
		}
	}
	for i, o := range r.Outbound {
		trunks, _ := json.Marshal(nonNil(o.Trunks))
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO routes_outbound (pos, pattern, strip, prepend, trunks, class, emergency, caller_id) VALUES (?,?,?,?,?,?,?,?)`,
			i, o.Pattern, o.Strip, o.Prepend, string(trunks), o.Class, o.Emergency, o.CallerID); err != nil {
			return fmt.Errorf("store: outbound route %d: %w", i, err)
		}
	}
	for _, n := range r.Emergency {
		if _, err := t.tx.ExecContext(ctx, `INSERT OR IGNORE INTO emergency_numbers (number) VALUES (?)`, n); err != nil {
			return fmt.Errorf("store: emergency number %s: %w", n, err)
		}
	}
	return nil
}

// Routes returns the stored dial plan.
func (s *Store) Routes(ctx context.Context) (Routes, error) {
	var r Routes
	rows, err := s.db.QueryContext(ctx, `SELECT did, dest, trunk FROM routes_inbound ORDER BY pos`)
	if err != nil {
		return r, fmt.Errorf("store: routes: %w", err)
	}
	for rows.Next() {
		var in InboundRoute
		if err := rows.Scan(&in.DID, &in.To, &in.Trunk); err != nil {
			rows.Close()
			return r, fmt.Errorf("store: routes: %w", err)
		}
		r.Inbound = append(r.Inbound, in)
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT pattern, strip, prepend, trunks, class, emergency, caller_id FROM routes_outbound ORDER BY pos`)
	if err != nil {
		return r, fmt.Errorf("store: routes: %w", err)
	}
	for rows.Next() {
		var o OutboundRoute
		var trunks string
		if err := rows.Scan(&o.Pattern, &o.Strip, &o.Prepend, &trunks, &o.Class, &o.Emergency, &o.CallerID); err != nil {
			rows.Close()
			return r, fmt.Errorf("store: routes: %w", err)
		}
		if err := json.Unmarshal([]byte(trunks), &o.Trunks); err != nil {
			rows.Close()
			return r, fmt.Errorf("store: route %s trunks: %w", o.Pattern, err)
		}
		r.Outbound = append(r.Outbound, o)
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, `SELECT number FROM emergency_numbers ORDER BY rowid`)
	if err != nil {
		return r, fmt.Errorf("store: routes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return r, fmt.Errorf("store: routes: %w", err)
		}
		r.Emergency = append(r.Emergency, n)
	}
	return r, rows.Err()
}

// Permission is one extension's outbound permissions and toll-fraud limits;
// zero values mean the defaults.
type Permission struct {
	Extension            string
	Class                string
	MaxConcurrent        int
	InternationalMinutes int
	CallerID             string
}

// ReplacePermissions makes ps the whole set of extension permissions.
func (t *Tx) ReplacePermissions(ctx context.Context, ps []Permission) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM extension_permissions`); err != nil {
		return fmt.Errorf("store: permissions: %w", err)
	}
	for _, p := range ps {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO extension_permissions (extension, class, max_concurrent, international_minutes, caller_id) VALUES (?,?,?,?,?)`,
			p.Extension, p.Class, p.MaxConcurrent, p.InternationalMinutes, p.CallerID); err != nil {
			return fmt.Errorf("store: permission %s: %w", p.Extension, err)
		}
	}
	return nil
}

// Permissions returns every extension's permissions by extension.
func (s *Store) Permissions(ctx context.Context) ([]Permission, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT extension, class, max_concurrent, international_minutes, caller_id FROM extension_permissions ORDER BY extension`)
	if err != nil {
		return nil, fmt.Errorf("store: permissions: %w", err)
	}
	defer rows.Close()
	var out []Permission
	for rows.Next() {
		var p Permission
		if err := rows.Scan(&p.Extension, &p.Class, &p.MaxConcurrent, &p.InternationalMinutes, &p.CallerID); err != nil {
			return nil, fmt.Errorf("store: permissions: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// TrunkStatus is a trunk's last reported registration state.
type TrunkStatus struct {
	Name    string
	State   string
	Reason  string
	Expires time.Time
	Updated time.Time
}

// PutTrunkStatus records a trunk's live state (written by the running
// server, read by `trunk status`).
func (s *Store) PutTrunkStatus(ctx context.Context, st TrunkStatus) error {
	var exp int64
	if !st.Expires.IsZero() {
		exp = st.Expires.UnixMilli()
	}
	_, err := s.db.ExecContext(ctx, `INSERT OR REPLACE INTO trunk_status (name, state, reason, expires_ms, updated_ms) VALUES (?,?,?,?,?)`,
		st.Name, st.State, st.Reason, exp, st.Updated.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: trunk status %s: %w", st.Name, err)
	}
	return nil
}

// TrunkStatus returns the last recorded state of a trunk; ok is false when
// none was recorded.
func (s *Store) TrunkStatus(ctx context.Context, name string) (st TrunkStatus, ok bool, err error) {
	var exp, upd int64
	err = s.db.QueryRowContext(ctx, `SELECT name, state, reason, expires_ms, updated_ms FROM trunk_status WHERE name = ?`, name).
		Scan(&st.Name, &st.State, &st.Reason, &exp, &upd)
	if errors.Is(err, sql.ErrNoRows) {
		return TrunkStatus{}, false, nil
	}
	if err != nil {
		return TrunkStatus{}, false, fmt.Errorf("store: trunk status %s: %w", name, err)
	}
	if exp != 0 {
		st.Expires = time.UnixMilli(exp)
	}
	st.Updated = time.UnixMilli(upd)
	return st, true, nil
}

// AddInternationalUsage adds answered international call time to an
// extension's total for day (YYYY-MM-DD).
func (s *Store) AddInternationalUsage(ctx context.Context, extension, day string, d time.Duration) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO international_usage (extension, day, seconds) VALUES (?, ?, ?)
		ON CONFLICT (extension, day) DO UPDATE SET seconds = seconds + excluded.seconds`, extension, day, int64(d.Round(time.Second)/time.Second))
	if err != nil {
		return fmt.Errorf("store: international usage %s: %w", extension, err)
	}
	return nil
}

// InternationalUsage returns each extension's international call time on
// day (YYYY-MM-DD).
func (s *Store) InternationalUsage(ctx context.Context, day string) (map[string]time.Duration, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT extension, seconds FROM international_usage WHERE day = ?`, day)
	if err != nil {
		return nil, fmt.Errorf("store: international usage: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Duration{}
	for rows.Next() {
		var ext string
		var secs int64
		if err := rows.Scan(&ext, &secs); err != nil {
			return nil, fmt.Errorf("store: international usage: %w", err)
		}
		out[ext] = time.Duration(secs) * time.Second
	}
	return out, rows.Err()
}
