package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// CustomerRow is one live customer with its identities.
type CustomerRow struct {
	ID         int64
	Name       string
	CreatedAt  time.Time
	Identities []IdentityRow
}

// IdentityRow is one identity (kind phone, email or chat, and its
// normalised value) of a customer.
type IdentityRow struct {
	Kind  string
	Value string
	// Verified reports that the identity came through a channel that
	// proves it (an email's From, a caller ID, a chat visitor token), or
	// was confirmed since; false: typed by a visitor in a form. As an
	// argument it is where the identity comes from now.
	Verified bool
}

// EntryRow is one timeline entry of a customer.
type EntryRow struct {
	ID         int64
	CustomerID int64
	Channel    string
	Kind       string
	At         time.Time
	Summary    string
	Ref        string
	Detail     map[string]string
	// Identity is the identity the entry came through; read back, its
	// Verified is that identity's current state (true without one).
	Identity IdentityRow
}

// ResolveCustomer returns the live customer owning identity id, creating a
// customer named name with that identity when none does. created reports
// whether it was created. A verified id confirms a typed identity it finds.
func (s *Store) ResolveCustomer(ctx context.Context, id IdentityRow, name string, now time.Time) (c CustomerRow, created bool, err error) {
	err = s.Update(ctx, func(tx *Tx) error {
		owner, err := identityOwner(ctx, tx.tx, id)
		switch {
		case err == nil:
			if id.Verified {
				if err := tx.setVerified(ctx, id, true); err != nil {
					return err
				}
			}
			if name != "" {
				if _, err := tx.tx.ExecContext(ctx, `UPDATE customers SET name = ? WHERE id = ? AND name = ''`, name, owner); err != nil {
					return fmt.Errorf("store: name customer %d: %w", owner, err)
				}
			}
			c, err = loadCustomer(ctx, tx.tx, owner)
			return err
		case !errors.Is(err, ErrNotFound):
			return err
		}
		res, err := tx.tx.ExecContext(ctx, `INSERT INTO customers (name, created_at) VALUES (?, ?)`, name, now.UnixMilli())
		if err != nil {
			return fmt.Errorf("store: create customer: %w", err)
		}
		cid, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("store: create customer: %w", err)
		}
		if err := tx.addIdentity(ctx, cid, id, now); err != nil {
			return err
		}
		created = true
		c, err = loadCustomer(ctx, tx.tx, cid)
		return err
	})
	return c, created, err
}

// LinkIdentity gives identity id to customer cid. When id already belongs to
// another live customer, the two are merged (the same identity means the
// same person) and the older one survives; a typed id that joins two
// customers so is marked unverified, whatever it was, since only the visitor
// says they are one. A verified id confirms the identity. It returns the
// live customer.
func (s *Store) LinkIdentity(ctx context.Context, cid int64, id IdentityRow, now time.Time) (c CustomerRow, err error) {
	err = s.Update(ctx, func(tx *Tx) error {
		live, err := liveCustomer(ctx, tx.tx, cid)
		if err != nil {
			return err
		}
		owner, err := identityOwner(ctx, tx.tx, id)
		switch {
		case errors.Is(err, ErrNotFound):
			if err := tx.addIdentity(ctx, live, id, now); err != nil {
				return err
			}
		case err != nil:
			return err
		case owner != live:
			// The older record survives: references to it stay direct.
			into, from := min(live, owner), max(live, owner)
			if err := tx.mergeCustomers(ctx, into, from); err != nil {
				return err
			}
			live = into
			if err := tx.setVerified(ctx, id, id.Verified); err != nil {
				return err
			}
		case id.Verified:
			if err := tx.setVerified(ctx, id, true); err != nil {
				return err
			}
		}
		c, err = loadCustomer(ctx, tx.tx, live)
		return err
	})
	return c, err
}

// MergeCustomers moves every identity and entry of customer from into
// customer into, and marks from as merged. It returns the survivor.
func (s *Store) MergeCustomers(ctx context.Context, into, from int64) (c CustomerRow, err error) {
	err = s.Update(ctx, func(tx *Tx) error {
		a, err := liveCustomer(ctx, tx.tx, into)
		if err != nil {
			return err
		}
		b, err := liveCustomer(ctx, tx.tx, from)
		if err != nil {
			return err
		}
		if a != b {
			if err := tx.mergeCustomers(ctx, a, b); err != nil {
				return err
			}
		}
		c, err = loadCustomer(ctx, tx.tx, a)
		return err
	})
	return c, err
}

// SplitCustomer moves the identities ids of customer cid, with the entries
// that came through them, to a new customer named name, and returns it.
func (s *Store) SplitCustomer(ctx context.Context, cid int64, ids []IdentityRow, name string, now time.Time) (c CustomerRow, err error) {
	err = s.Update(ctx, func(tx *Tx) error {
		live, err := liveCustomer(ctx, tx.tx, cid)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := ownsIdentity(ctx, tx.tx, "split", live, id); err != nil {
				return err
			}
		}
		res, err := tx.tx.ExecContext(ctx, `INSERT INTO customers (name, created_at) VALUES (?, ?)`, name, now.UnixMilli())
		if err != nil {
			return fmt.Errorf("store: split customer %d: %w", live, err)
		}
		nid, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("store: split customer %d: %w", live, err)
		}
		for _, id := range ids {
			if _, err := tx.tx.ExecContext(ctx, `UPDATE customer_identities SET customer_id = ? WHERE kind = ? AND value = ?`, nid, id.Kind, id.Value); err != nil {
				return fmt.Errorf("store: split identity: %w", err)
			}
			if _, err := tx.tx.ExecContext(ctx, `UPDATE customer_entries SET customer_id = ?
				WHERE customer_id = ? AND identity_kind = ? AND identity_value = ?`, nid, live, id.Kind, id.Value); err != nil {
				return fmt.Errorf("store: split entries: %w", err)
			}
		}
		c, err = loadCustomer(ctx, tx.tx, nid)
		return err
	})
	return c, err
}

// ConfirmIdentity marks identity id of the live customer of cid verified
// (an agent confirmed it by hand) and returns the customer. It returns
// ErrNotFound when the identity is not that customer's.
func (s *Store) ConfirmIdentity(ctx context.Context, cid int64, id IdentityRow) (c CustomerRow, err error) {
	err = s.Update(ctx, func(tx *Tx) error {
		live, err := liveCustomer(ctx, tx.tx, cid)
		if err != nil {
			return err
		}
		if err := ownsIdentity(ctx, tx.tx, "confirm", live, id); err != nil {
			return err
		}
		if err := tx.setVerified(ctx, id, true); err != nil {
			return err
		}
		c, err = loadCustomer(ctx, tx.tx, live)
		return err
	})
	return c, err
}

// AddCustomerEntry records e on the live customer of e.CustomerID. An entry
// with a Ref replaces the earlier one of the same channel, kind and ref.
func (s *Store) AddCustomerEntry(ctx context.Context, e EntryRow) (int64, error) {
	detail, err := json.Marshal(e.Detail)
	if err != nil {
		return 0, fmt.Errorf("store: entry detail: %w", err)
	}
	if e.Detail == nil {
		detail = []byte("{}")
	}
	var id int64
	err = s.Update(ctx, func(tx *Tx) error {
		live, err := liveCustomer(ctx, tx.tx, e.CustomerID)
		if err != nil {
			return err
		}
		row := tx.tx.QueryRowContext(ctx, `INSERT INTO customer_entries
			(customer_id, channel, kind, at, summary, ref, detail, identity_kind, identity_value)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (channel, kind, ref) WHERE ref <> '' DO UPDATE SET
				customer_id = excluded.customer_id, at = excluded.at, summary = excluded.summary,
				detail = excluded.detail, identity_kind = excluded.identity_kind, identity_value = excluded.identity_value
			RETURNING id`,
			live, e.Channel, e.Kind, e.At.UnixMilli(), e.Summary, e.Ref, string(detail), e.Identity.Kind, e.Identity.Value)
		if err := row.Scan(&id); err != nil {
			return fmt.Errorf("store: add entry: %w", err)
		}
		return nil
	})
	return id, err
}

// Customer returns the live customer that cid is or was merged into.
func (s *Store) Customer(ctx context.Context, cid int64) (c CustomerRow, err error) {
	err = s.customerRead(ctx, func(q customerQuerier) error {
		live, err := liveCustomer(ctx, q, cid)
		if err != nil {
			return err
		}
		c, err = loadCustomer(ctx, q, live)
		return err
	})
	return c, err
}

// CustomerTimeline returns at most limit entries of the live customer of
// cid, newest first.
func (s *Store) CustomerTimeline(ctx context.Context, cid int64, limit int) ([]EntryRow, error) {
	var out []EntryRow
	err := s.customerRead(ctx, func(q customerQuerier) error {
		live, err := liveCustomer(ctx, q, cid)
		if err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT e.id, e.customer_id, e.channel, e.kind, e.at, e.summary, e.ref, e.detail,
				e.identity_kind, e.identity_value, coalesce(i.verified, 1)
			FROM customer_entries e LEFT JOIN customer_identities i
				ON i.kind = e.identity_kind AND i.value = e.identity_value AND i.customer_id = e.customer_id
			WHERE e.customer_id = ? ORDER BY e.at DESC, e.id DESC LIMIT ?`, live, limit)
		if err != nil {
			return fmt.Errorf("store: timeline %d: %w", live, err)
		}
		defer rows.Close()
		for rows.Next() {
			var e EntryRow
			var at int64
			var detail string
			if err := rows.Scan(&e.ID, &e.CustomerID, &e.Channel, &e.Kind, &at, &e.Summary, &e.Ref, &detail, &e.Identity.Kind, &e.Identity.Value, &e.Identity.Verified); err != nil {
				return fmt.Errorf("store: timeline %d: %w", live, err)
			}
			e.At = time.UnixMilli(at)
			if err := json.Unmarshal([]byte(detail), &e.Detail); err != nil {
				return fmt.Errorf("store: timeline %d: entry %d detail: %w", live, e.ID, err)
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

// SearchCustomers returns at most limit live customers whose name contains
// name, or who own an identity whose value contains one of values
// (case-insensitive), by name.
func (s *Store) SearchCustomers(ctx context.Context, name string, values []string, limit int) ([]CustomerRow, error) {
	var out []CustomerRow
	err := s.customerRead(ctx, func(q customerQuerier) error {
		query := `SELECT id FROM customers WHERE merged_into IS NULL AND (name LIKE ? ESCAPE '\'`
		args := []any{"%" + customerLikeEscape(name) + "%"}
		for _, v := range values {
			query += ` OR id IN (SELECT customer_id FROM customer_identities WHERE value LIKE ? ESCAPE '\')`
			args = append(args, "%"+customerLikeEscape(v)+"%")
		}
		query += `) ORDER BY name COLLATE NOCASE, id LIMIT ?`
		args = append(args, limit)
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("store: search customers: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("store: search customers: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: search customers: %w", err)
		}
		for _, id := range ids {
			c, err := loadCustomer(ctx, q, id)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

// customerQuerier is what the customer queries need: a write transaction,
// or the connection of a read snapshot.
type customerQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// customerRead runs fn in a deferred (read) transaction on one connection,
// so that several queries see one snapshot without taking the write lock
// (the driver begins every sql.Tx IMMEDIATE).
func (s *Store) customerRead(ctx context.Context, fn func(customerQuerier) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: read: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
		return fmt.Errorf("store: begin read: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	return fn(conn)
}

func customerLikeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// liveCustomer follows merged_into from cid to the customer that lives.
func liveCustomer(ctx context.Context, q customerQuerier, cid int64) (int64, error) {
	for range 64 {
		var next sql.NullInt64
		err := q.QueryRowContext(ctx, `SELECT merged_into FROM customers WHERE id = ?`, cid).Scan(&next)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("store: customer %d: %w", cid, ErrNotFound)
		}
		if err != nil {
			return 0, fmt.Errorf("store: customer %d: %w", cid, err)
		}
		if !next.Valid {
			return cid, nil
		}
		cid = next.Int64
	}
	return 0, fmt.Errorf("store: customer %d: merge chain too long", cid)
}

func identityOwner(ctx context.Context, q customerQuerier, id IdentityRow) (int64, error) {
	var cid int64
	err := q.QueryRowContext(ctx, `SELECT customer_id FROM customer_identities WHERE kind = ? AND value = ?`, id.Kind, id.Value).Scan(&cid)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("store: identity %s: %w", id.Kind, err)
	}
	return cid, nil
}

// ownsIdentity returns nil when identity id belongs to live customer cid,
// else an error (ErrNotFound when it is unknown or another's) naming op.
func ownsIdentity(ctx context.Context, q customerQuerier, op string, cid int64, id IdentityRow) error {
	owner, err := identityOwner(ctx, q, id)
	if err != nil {
		return fmt.Errorf("store: %s %s %s: %w", op, id.Kind, id.Value, err)
	}
	if owner != cid {
		return fmt.Errorf("store: %s %s %s: belongs to customer %d: %w", op, id.Kind, id.Value, owner, ErrNotFound)
	}
	return nil
}

func (t *Tx) addIdentity(ctx context.Context, cid int64, id IdentityRow, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO customer_identities (kind, value, customer_id, added_at, verified) VALUES (?, ?, ?, ?, ?)`,
		id.Kind, id.Value, cid, now.UnixMilli(), id.Verified)
	if err != nil {
		return fmt.Errorf("store: add identity to customer %d: %w", cid, err)
	}
	return nil
}

// setVerified sets whether identity id is verified. A row that already
// says so is not written again: every call and email from a verified
// identity asks.
func (t *Tx) setVerified(ctx context.Context, id IdentityRow, verified bool) error {
	if _, err := t.tx.ExecContext(ctx, `UPDATE customer_identities SET verified = ? WHERE kind = ? AND value = ? AND verified IS NOT ?`, verified, id.Kind, id.Value, verified); err != nil {
		return fmt.Errorf("store: identity %s verified: %w", id.Kind, err)
	}
	return nil
}

// mergeCustomers moves everything of live customer from into live customer
// into; the survivor keeps its name, or takes from's when it has none.
func (t *Tx) mergeCustomers(ctx context.Context, into, from int64) error {
	stmts := []struct {
		q    string
		args []any
	}{
		{`UPDATE customer_identities SET customer_id = ? WHERE customer_id = ?`, []any{into, from}},
		{`UPDATE customer_entries SET customer_id = ? WHERE customer_id = ?`, []any{into, from}},
		{`UPDATE customers SET name = (SELECT name FROM customers WHERE id = ?) WHERE id = ? AND name = ''`, []any{from, into}},
		{`UPDATE customers SET merged_into = ? WHERE id = ?`, []any{into, from}},
	}
	for _, s := range stmts {
		if _, err := t.tx.ExecContext(ctx, s.q, s.args...); err != nil {
			return fmt.Errorf("store: merge customer %d into %d: %w", from, into, err)
		}
	}
	return nil
}

func loadCustomer(ctx context.Context, q customerQuerier, cid int64) (CustomerRow, error) {
	c := CustomerRow{ID: cid}
	var created int64
	err := q.QueryRowContext(ctx, `SELECT name, created_at FROM customers WHERE id = ?`, cid).Scan(&c.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("store: customer %d: %w", cid, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("store: customer %d: %w", cid, err)
	}
	c.CreatedAt = time.UnixMilli(created)
	rows, err := q.QueryContext(ctx, `SELECT kind, value, verified FROM customer_identities WHERE customer_id = ? ORDER BY kind, added_at, value`, cid)
	if err != nil {
		return c, fmt.Errorf("store: customer %d identities: %w", cid, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id IdentityRow
		if err := rows.Scan(&id.Kind, &id.Value, &id.Verified); err != nil {
			return c, fmt.Errorf("store: customer %d identities: %w", cid, err)
		}
		c.Identities = append(c.Identities, id)
	}
	return c, rows.Err()
}
