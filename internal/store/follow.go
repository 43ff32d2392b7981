package store

import (
	"context"
	"time"
)

// FollowConfig calls apply each time the configuration revision moves
// (see BumpConfigRev), checking every every, until ctx ends; it then
// returns nil. The revision current at the call counts as applied: the
// caller loaded its configuration just before. apply is not called again
// for a revision it already had, even one it failed on: it keeps what is
// in force and reports the problem itself.
func (s *Store) FollowConfig(ctx context.Context, every time.Duration, apply func(ctx context.Context, rev int64)) error {
	last, err := s.ConfigRev(ctx)
	if err != nil {
		last = -1
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		rev, err := s.ConfigRev(ctx)
		if err != nil || rev == last {
			continue
		}
		last = rev
		apply(ctx, rev)
	}
}
