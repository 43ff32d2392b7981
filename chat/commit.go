package chat

import (
	"context"
	"fmt"
	"sync"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// maxBatch bounds how many messages one transaction commits.
const maxBatch = 512

// checkpointEvery is how many commits lead to a WAL checkpoint beside the
// committer (a commit writes three or four pages to the WAL: about the
// 1,000 pages at which SQLite would checkpoint in a commit).
const checkpointEvery = 256

// commitReq is one message waiting for the committer.
type commitReq struct {
	msg   store.NewChatMessage
	reply chan commitRes
}

type commitRes struct {
	added store.AddedChatMessage
	err   error
}

// commitLoop is the group committer: it writes every message waiting at
// once in one transaction, so a thousand visitors writing at once cost a
// few commits rather than a thousand (and no SQLite busy-wait sleeps). Its
// commits run no WAL checkpoint: every checkpointEvery commits it asks the
// checkpointer, a goroutine of its own, for one. It runs until ctx ends,
// then closes w.
func (s *Server) commitLoop(ctx context.Context, w *store.ChatWriter) {
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		if err := w.Close(); err != nil {
			s.log.Warn("chat: closing the committer", "err", err)
		}
	}()
	kick := make(chan struct{}, 1)
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-kick:
			}
			if err := w.Checkpoint(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("chat: WAL checkpoint", "err", err)
			}
		}
	})
	batch := make([]commitReq, 0, maxBatch)
	msgs := make([]store.NewChatMessage, 0, maxBatch)
	for commits := 1; ; commits++ {
		select {
		case <-ctx.Done():
			return
		case r := <-s.commits:
			batch = append(batch[:0], r)
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-s.commits:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		msgs = msgs[:0]
		for _, r := range batch {
			msgs = append(msgs, r.msg)
		}
		added, err := w.Add(ctx, msgs)
		for i, r := range batch {
			res := commitRes{err: err}
			if err == nil {
				res.added = added[i]
			}
			r.reply <- res
		}
		if commits%checkpointEvery == 0 {
			select {
			case kick <- struct{}{}:
			default:
			}
		}
	}
}

// commit hands m to the committer and waits until it is committed.
func (s *Server) commit(ctx context.Context, session string, m store.ChatMessage) (store.AddedChatMessage, error) {
	r := commitReq{msg: store.NewChatMessage{Session: session, Message: m}, reply: make(chan commitRes, 1)}
	select {
	case s.commits <- r:
	case <-ctx.Done():
		return store.AddedChatMessage{}, fmt.Errorf("chat: commit: %w", context.Cause(ctx))
	case <-s.ctx.Done():
		return store.AddedChatMessage{}, fmt.Errorf("chat: commit: %w", ErrClosed)
	}
	var res commitRes
	select {
	case res = <-r.reply:
	case <-s.ctx.Done():
		// Committed or not, it is not acknowledged: the sender resends it
		// on reconnect and the client id keeps it single.
		return store.AddedChatMessage{}, fmt.Errorf("chat: commit: %w", ErrClosed)
	}
	if res.err != nil {
		return res.added, fmt.Errorf("chat: commit: %w", res.err)
	}
	return res.added, nil
}
