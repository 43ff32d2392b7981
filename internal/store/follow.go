package store

import (
	"context"
	"time"
)

// FollowConfig calls apply with the current configuration revision at
// once, then each time the revision moves (see BumpConfigRev), checking
// every every, until ctx ends; it then returns nil. The first call catches
// a change made between the caller's own load and this call (a revision
// read here first would hide it for good); apply must therefore accept
// the configuration it already has. apply is not called again for a
// revision it already had, even one it failed on: it keeps what is in
// force and reports the problem itself.
func (s *Store) FollowConfig(ctx context.Context, every time.Duration, apply func(ctx context.Context, rev int64)) error {
	t := time.NewTicker(every)
	defer t.Stop()
	last := int64(-1)
	for {
		if rev, err := s.ConfigRev(ctx); err == nil && rev != last {
			last = rev
			apply(ctx, rev)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
