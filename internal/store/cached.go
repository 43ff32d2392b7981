package store

import (
	"context"
	"sync"
)

// Cached is a value a running server derives from the store's
// configuration (flows, calendars, widgets…): loaded on first use and
// loaded again only when the configuration revision has moved
// (BumpConfigRev), so that an edit applies to the next call without a
// full read per call.
type Cached[T any] struct {
	st   *Store
	load func(context.Context, *Store) (T, error)

	mu     sync.Mutex
	rev    int64
	loaded bool
	v      T
}

// NewCached returns a Cached value of st computed by load.
func NewCached[T any](st *Store, load func(context.Context, *Store) (T, error)) *Cached[T] {
	return &Cached[T]{st: st, load: load}
}

// Get returns the value for the current configuration revision.
func (c *Cached[T]) Get(ctx context.Context) (T, error) {
	rev, err := c.st.ConfigRev(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded && rev == c.rev {
		return c.v, nil
	}
	v, err := c.load(ctx, c.st)
	if err != nil {
		return v, err
	}
	c.v, c.rev, c.loaded = v, rev, true
	return v, nil
}
