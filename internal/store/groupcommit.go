package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// GroupCommitDelay is how long the group-commit writer waits, after the
// first write of a batch arrives, for more writes to share its
// transaction. Every write still returns only after its commit.
const GroupCommitDelay = 2 * time.Millisecond

// groupMax bounds the writes committed in one transaction.
const groupMax = 512

// checkpointEvery is how many group commits pass between the writer's
// passive WAL checkpoints.
const checkpointEvery = 256

// The per-call appends the group-commit writer prepares once.
const (
	sqlStartCDR  = `INSERT INTO cdrs (call_id, caller, callee, started_at) VALUES (?, ?, ?, ?)`
	sqlFinishCDR = `UPDATE cdrs SET callee = ?, answered_at = ?, ended_at = ?, disposition = ?, hangup_cause = ?,
		sip_status = ?, packets_a_to_b = ?, packets_b_to_a = ?, lost_a = ?, lost_b = ?, jitter_a_us = ?, jitter_b_us = ?, codec = ?,
		trunk = ?, trunk_number = ?, recording = ?, queue = ?, transferred_by = ?, transferred_to = ?, transferred_from = ? WHERE id = ?`
	sqlAddFunnel = `INSERT INTO ivr_funnel (flow, node, face, step, choice, session, at) VALUES (?, ?, ?, ?, ?, ?, ?)`
)

// execer runs one statement: *sql.DB, *sql.Tx or a prepared *sql.Stmt
// bound to a transaction.
type execer func(ctx context.Context, query string, args ...any) (sql.Result, error)

// groupWrite is one append waiting for its group commit. run does the
// write inside the batch's transaction; done gets its outcome once the
// transaction committed (or failed).
type groupWrite struct {
	run  func(ctx context.Context, exec execer) error
	done chan error
}

// groupWriter commits the per-call appends (CDR start and finish, IVR
// funnel rows) of many calls in one transaction: at hundreds of calls a
// second one SQLite transaction per row, each preparing its statement
// again, cost a tenth of the server's CPU.
type groupWriter struct {
	wake chan struct{} // one token: writes are pending

	mu      sync.Mutex // guards the following fields
	running bool
	pending []groupWrite
}

// RunGroupCommit commits the per-call appends of every caller in shared
// transactions (see GroupCommitDelay) until ctx ends, then commits what is
// still pending and returns. While it does not run (the CLI, tests, a
// stopped server), each append is its own transaction. An append returns
// only once committed, with or without it: a CDR that was finished is on
// disk, whatever happens to the process next.
//
// The writer commits on a connection of its own that never checkpoints
// the WAL inside a commit (SQLite runs a checkpoint in the commit that
// takes the WAL past 1,000 pages, copying and syncing pages while the
// batch waits; at 140 calls a second the commits were a fifth of the
// server's CPU): it runs a passive checkpoint itself every
// checkpointEvery commits, after their callers got their answer.
func (s *Store) RunGroupCommit(ctx context.Context) error {
	w := &s.group
	stmts, err := s.prepareGroup(ctx)
	if err != nil {
		return err
	}
	defer closeStmts(stmts)
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: group commit: %w", err)
	}
	defer func() {
		conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA wal_autocheckpoint = 1000`)
		conn.Close()
	}()
	if _, err := conn.ExecContext(ctx, `PRAGMA wal_autocheckpoint = 0`); err != nil {
		return fmt.Errorf("store: group commit: %w", err)
	}
	commits := 0
	commit := func(batch []groupWrite) {
		if len(batch) == 0 {
			return
		}
		s.commitGroup(context.WithoutCancel(ctx), conn, stmts, batch)
		if commits++; commits%checkpointEvery == 0 {
			// A passive checkpoint that could not copy everything (readers
			// in the way) leaves the rest to the next one; it fails only
			// with the database, which the next commit reports.
			s.db.ExecContext(context.WithoutCancel(ctx), `PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
	w.mu.Lock()
	if w.running {
		w.mu.Unlock()
		return errors.New("store: group commit already running")
	}
	w.running = true
	w.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			w.mu.Lock()
			w.running = false
			last := w.pending
			w.pending = nil
			w.mu.Unlock()
			commit(last)
			return nil
		case <-w.wake:
		}
		linger(ctx, GroupCommitDelay)
		w.mu.Lock()
		batch := w.pending
		if len(batch) > groupMax {
			batch, w.pending = batch[:groupMax:groupMax], batch[groupMax:]
			w.signal()
		} else {
			w.pending = nil
		}
		w.mu.Unlock()
		commit(batch)
	}
}

// linger waits d or until ctx ends.
func linger(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// signal wakes the writer; w.mu is held.
func (w *groupWriter) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// groupStmts are the group writer's prepared statements by SQL text.
type groupStmts map[string]*sql.Stmt

func (s *Store) prepareGroup(ctx context.Context) (groupStmts, error) {
	stmts := groupStmts{}
	for _, q := range []string{sqlStartCDR, sqlFinishCDR, sqlAddFunnel} {
		st, err := s.db.PrepareContext(ctx, q)
		if err != nil {
			closeStmts(stmts)
			return nil, fmt.Errorf("store: group commit: prepare: %w", err)
		}
		stmts[q] = st
	}
	return stmts, nil
}

func closeStmts(stmts groupStmts) {
	for _, st := range stmts {
		st.Close()
	}
}

// commitGroup runs batch in one transaction and tells each write how it
// went. When the transaction fails, each write is retried alone so that
// one bad row fails only its own caller.
func (s *Store) commitGroup(ctx context.Context, conn *sql.Conn, stmts groupStmts, batch []groupWrite) {
	err := runGroup(ctx, conn, stmts, batch)
	if err == nil || len(batch) == 1 {
		for _, g := range batch {
			g.done <- err
		}
		return
	}
	for _, g := range batch {
		g.done <- runGroup(ctx, conn, stmts, []groupWrite{g})
	}
}

// runGroup runs batch in one transaction on conn. The statements were
// prepared on the pool, so that each transaction reuses conn's copy (one
// prepared on the Conn would be prepared again in each transaction).
func runGroup(ctx context.Context, conn *sql.Conn, stmts groupStmts, batch []groupWrite) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	inTx := map[string]*sql.Stmt{}
	exec := func(ctx context.Context, query string, args ...any) (sql.Result, error) {
		st, ok := inTx[query]
		if !ok {
			parent, prepared := stmts[query]
			if !prepared {
				return tx.ExecContext(ctx, query, args...)
			}
			st = tx.StmtContext(ctx, parent)
			inTx[query] = st
		}
		return st.ExecContext(ctx, args...)
	}
	for _, g := range batch {
		if err := g.run(ctx, exec); err != nil {
			tx.Rollback()
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// append runs write in the next group commit and waits for it, or runs it
// on its own when the group writer is not running.
func (s *Store) append(ctx context.Context, write func(ctx context.Context, exec execer) error) error {
	w := &s.group
	w.mu.Lock()
	if !w.running {
		w.mu.Unlock()
		return write(ctx, s.db.ExecContext)
	}
	done := make(chan error, 1)
	w.pending = append(w.pending, groupWrite{run: write, done: done})
	w.signal()
	w.mu.Unlock()
	// The write is committed or refused even if ctx ends meanwhile: once
	// queued it is part of the record.
	return <-done
}
