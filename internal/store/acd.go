package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ACDSpec is a named queue or agent of the configuration, as the JSON the
// config package owns.
type ACDSpec struct {
	Name string
	Spec []byte
}

// ACDItem is a durable work item of the distributor.
type ACDItem struct {
	ID       string
	Channel  string
	Queue    string
	Priority int
	Arrived  time.Time
	Skills   map[string]int
	Size     int
	Customer int64
	Context  map[string]string
	// State is "waiting" or "held"; Agent holds a held item.
	State string
	Agent string
	// Prefer is the agent the item is offered first.
	Prefer string
}

// ACDEvent is one entry of the distributor's event log.
type ACDEvent struct {
	Seq     int64
	At      time.Time
	Kind    string
	Item    string
	Channel string
	Queue   string
	Agent   string
	Target  string
}

// ACDPresence is an agent's presence: available (for Channels, every
// channel when empty), away with a reason, or offline.
type ACDPresence struct {
	Agent    string
	Presence string
	Channels []string
	Reason   string
	Since    time.Time
}

// ACDRequest is a presence change asked for outside the running
// distributor (the CLI), applied and deleted by it.
type ACDRequest struct {
	ID int64
	ACDPresence
}

func (t *Tx) replaceSpecs(ctx context.Context, table string, specs []ACDSpec) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM `+table); err != nil {
		return fmt.Errorf("store: %s: %w", table, err)
	}
	for _, s := range specs {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO `+table+` (name, spec) VALUES (?, ?)`, s.Name, string(s.Spec)); err != nil {
			return fmt.Errorf("store: %s %s: %w", table, s.Name, err)
		}
	}
	return t.BumpConfigRev(ctx)
}

func (s *Store) specs(ctx context.Context, table string) ([]ACDSpec, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, spec FROM `+table+` ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", table, err)
	}
	defer rows.Close()
	var out []ACDSpec
	for rows.Next() {
		var sp ACDSpec
		var spec string
		if err := rows.Scan(&sp.Name, &spec); err != nil {
			return nil, fmt.Errorf("store: %s: %w", table, err)
		}
		sp.Spec = []byte(spec)
		out = append(out, sp)
	}
	return out, rows.Err()
}

// ReplaceACDQueues replaces every queue.
func (t *Tx) ReplaceACDQueues(ctx context.Context, qs []ACDSpec) error {
	return t.replaceSpecs(ctx, "acd_queues", qs)
}

// ReplaceACDAgents replaces every agent.
func (t *Tx) ReplaceACDAgents(ctx context.Context, as []ACDSpec) error {
	return t.replaceSpecs(ctx, "acd_agents", as)
}

// ACDQueues returns the queues by name.
func (s *Store) ACDQueues(ctx context.Context) ([]ACDSpec, error) { return s.specs(ctx, "acd_queues") }

// ACDAgents returns the agents by name.
func (s *Store) ACDAgents(ctx context.Context) ([]ACDSpec, error) { return s.specs(ctx, "acd_agents") }

// PutACDItem inserts or replaces a durable work item.
func (s *Store) PutACDItem(ctx context.Context, it ACDItem) error {
	skills, err := json.Marshal(it.Skills)
	if err != nil {
		return fmt.Errorf("store: acd item %s: %w", it.ID, err)
	}
	c, err := json.Marshal(it.Context)
	if err != nil {
		return fmt.Errorf("store: acd item %s: %w", it.ID, err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO acd_items (id, channel, queue, priority, arrived_at, skills, size, customer, context, state, agent, prefer)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET channel = excluded.channel, queue = excluded.queue, priority = excluded.priority,
			arrived_at = excluded.arrived_at, context = excluded.context, state = excluded.state, agent = excluded.agent, prefer = excluded.prefer`,
		it.ID, it.Channel, it.Queue, it.Priority, it.Arrived.UnixMilli(), string(skills), it.Size, it.Customer, string(c), it.State, it.Agent, it.Prefer)
	if err != nil {
		return fmt.Errorf("store: acd item %s: %w", it.ID, err)
	}
	return nil
}

// DeleteACDItem removes a durable work item that ended.
func (s *Store) DeleteACDItem(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM acd_items WHERE id = ?`, id); err != nil {
		return fmt.Errorf("store: delete acd item %s: %w", id, err)
	}
	return nil
}

// ACDItems returns the durable work items in arrival order.
func (s *Store) ACDItems(ctx context.Context) ([]ACDItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, channel, queue, priority, arrived_at, skills, size, customer, context, state, agent, prefer
		FROM acd_items ORDER BY arrived_at, id`)
	if err != nil {
		return nil, fmt.Errorf("store: acd items: %w", err)
	}
	defer rows.Close()
	var out []ACDItem
	for rows.Next() {
		var it ACDItem
		var arrived int64
		var skills, c string
		if err := rows.Scan(&it.ID, &it.Channel, &it.Queue, &it.Priority, &arrived, &skills, &it.Size, &it.Customer, &c, &it.State, &it.Agent, &it.Prefer); err != nil {
			return nil, fmt.Errorf("store: acd items: %w", err)
		}
		it.Arrived = time.UnixMilli(arrived)
		if err := json.Unmarshal([]byte(skills), &it.Skills); err != nil {
			return nil, fmt.Errorf("store: acd item %s skills: %w", it.ID, err)
		}
		if err := json.Unmarshal([]byte(c), &it.Context); err != nil {
			return nil, fmt.Errorf("store: acd item %s context: %w", it.ID, err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// AppendACDEvents appends events to the log in one transaction and returns
// them with their sequence numbers.
func (s *Store) AppendACDEvents(ctx context.Context, evs []ACDEvent) ([]ACDEvent, error) {
	err := s.Update(ctx, func(tx *Tx) error {
		stmt, err := tx.tx.PrepareContext(ctx, `INSERT INTO acd_events (at, kind, item, channel, queue, agent, target) VALUES (?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("store: acd events: %w", err)
		}
		defer stmt.Close()
		for i, e := range evs {
			res, err := stmt.ExecContext(ctx, e.At.UnixMilli(), e.Kind, e.Item, e.Channel, e.Queue, e.Agent, e.Target)
			if err != nil {
				return fmt.Errorf("store: acd event: %w", err)
			}
			if evs[i].Seq, err = res.LastInsertId(); err != nil {
				return fmt.Errorf("store: acd event: %w", err)
			}
		}
		return nil
	})
	return evs, err
}

// ACDEvents returns the events at or after from and before to (zero: no
// bound), in order.
func (s *Store) ACDEvents(ctx context.Context, from, to time.Time) ([]ACDEvent, error) {
	hi := int64(1<<62 - 1)
	if !to.IsZero() {
		hi = to.UnixMilli()
	}
	rows, err := s.db.QueryContext(ctx, `SELECT seq, at, kind, item, channel, queue, agent, target FROM acd_events
		WHERE at >= ? AND at < ? ORDER BY seq`, from.UnixMilli(), hi)
	if err != nil {
		return nil, fmt.Errorf("store: acd events: %w", err)
	}
	defer rows.Close()
	var out []ACDEvent
	for rows.Next() {
		var e ACDEvent
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.Kind, &e.Item, &e.Channel, &e.Queue, &e.Agent, &e.Target); err != nil {
			return nil, fmt.Errorf("store: acd events: %w", err)
		}
		e.At = time.UnixMilli(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// PutACDPresence stores an agent's presence.
func (s *Store) PutACDPresence(ctx context.Context, p ACDPresence) error {
	ch, err := json.Marshal(nonNil(p.Channels))
	if err != nil {
		return fmt.Errorf("store: presence %s: %w", p.Agent, err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO acd_presence (agent, presence, channels, reason, since) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (agent) DO UPDATE SET presence = excluded.presence, channels = excluded.channels, reason = excluded.reason, since = excluded.since`,
		p.Agent, p.Presence, string(ch), p.Reason, p.Since.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: presence %s: %w", p.Agent, err)
	}
	return nil
}

// ACDPresences returns every stored presence.
func (s *Store) ACDPresences(ctx context.Context) ([]ACDPresence, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT agent, presence, channels, reason, since FROM acd_presence ORDER BY agent`)
	if err != nil {
		return nil, fmt.Errorf("store: presences: %w", err)
	}
	defer rows.Close()
	var out []ACDPresence
	for rows.Next() {
		var p ACDPresence
		var ch string
		var since int64
		if err := rows.Scan(&p.Agent, &p.Presence, &ch, &p.Reason, &since); err != nil {
			return nil, fmt.Errorf("store: presences: %w", err)
		}
		if err := json.Unmarshal([]byte(ch), &p.Channels); err != nil {
			return nil, fmt.Errorf("store: presence %s channels: %w", p.Agent, err)
		}
		p.Since = time.UnixMilli(since)
		out = append(out, p)
	}
	return out, rows.Err()
}

// AddACDRequest queues a presence change for the running distributor.
func (s *Store) AddACDRequest(ctx context.Context, p ACDPresence) error {
	ch, err := json.Marshal(nonNil(p.Channels))
	if err != nil {
		return fmt.Errorf("store: presence request %s: %w", p.Agent, err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO acd_requests (agent, presence, channels, reason, at) VALUES (?, ?, ?, ?, ?)`,
		p.Agent, p.Presence, string(ch), p.Reason, p.Since.UnixMilli()); err != nil {
		return fmt.Errorf("store: presence request %s: %w", p.Agent, err)
	}
	return nil
}

// TakeACDRequests returns and deletes the queued presence requests, oldest
// first.
func (s *Store) TakeACDRequests(ctx context.Context) ([]ACDRequest, error) {
	var out []ACDRequest
	err := s.Update(ctx, func(tx *Tx) error {
		rows, err := tx.tx.QueryContext(ctx, `SELECT id, agent, presence, channels, reason, at FROM acd_requests ORDER BY id`)
		if err != nil {
			return fmt.Errorf("store: presence requests: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r ACDRequest
			var ch string
			var at int64
			if err := rows.Scan(&r.ID, &r.Agent, &r.Presence, &ch, &r.Reason, &at); err != nil {
				return fmt.Errorf("store: presence requests: %w", err)
			}
			if err := json.Unmarshal([]byte(ch), &r.Channels); err != nil {
				return fmt.Errorf("store: presence request %d: %w", r.ID, err)
			}
			r.Since = time.UnixMilli(at)
			out = append(out, r)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: presence requests: %w", err)
		}
		if len(out) == 0 {
			return nil
		}
		_, err = tx.tx.ExecContext(ctx, `DELETE FROM acd_requests WHERE id <= ?`, out[len(out)-1].ID)
		return err
	})
	return out, err
}

// PutACDSnapshot stores the distributor's live snapshot (JSON).
func (s *Store) PutACDSnapshot(ctx context.Context, at time.Time, body []byte) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO acd_snapshot (id, at, body) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET at = excluded.at, body = excluded.body`, at.UnixMilli(), string(body))
	if err != nil {
		return fmt.Errorf("store: acd snapshot: %w", err)
	}
	return nil
}

// ACDSnapshot returns the last stored snapshot and when it was taken, or
// ErrNotFound.
func (s *Store) ACDSnapshot(ctx context.Context) (time.Time, []byte, error) {
	var at int64
	var body string
	err := s.db.QueryRowContext(ctx, `SELECT at, body FROM acd_snapshot WHERE id = 1`).Scan(&at, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil, ErrNotFound
	}
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("store: acd snapshot: %w", err)
	}
	return time.UnixMilli(at), []byte(body), nil
}
