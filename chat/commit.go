package chat

import (
	"context"
	"fmt"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// maxBatch bounds how many messages one transaction commits.
const maxBatch = 512

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
// few commits rather than a thousand (and no SQLite busy-wait sleeps). It
// runs until ctx ends.
func (s *Server) commitLoop(ctx context.Context) {
	batch := make([]commitReq, 0, maxBatch)
	for {
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
		msgs := make([]store.NewChatMessage, len(batch))
		for i, r := range batch {
			msgs[i] = r.msg
		}
		added, err := s.st.AddChatMessages(ctx, msgs)
		for i, r := range batch {
			res := commitRes{err: err}
			if err == nil {
				res.added = added[i]
			}
			r.reply <- res
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
