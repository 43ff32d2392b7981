package ivr

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// StoreFunnel records funnel events in the store.
type StoreFunnel struct{ Store *store.Store }

var _ Recorder = StoreFunnel{}

// Record stores e.
func (f StoreFunnel) Record(ctx context.Context, e Event) error {
	return f.Store.AddFunnelEvent(ctx, store.FunnelEvent{Flow: e.Flow, Node: e.Node, Face: string(e.Face),
		Step: string(e.Step), Choice: e.Choice, Session: e.Session})
}

// Codes issues and resolves the short codes that carry a web visit's
// context to a phone call.
type Codes struct {
	Store *store.Store
	// Digits is the code length (default 4); TTL its lifetime (default 30m).
	Digits int
	TTL    time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (c Codes) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Issue stores a new random code for queue and the web context, and
// returns it with the time it expires.
func (c Codes) Issue(ctx context.Context, queue string, wc Context) (string, time.Time, error) {
	digits := c.Digits
	if digits <= 0 {
		digits = 4
	}
	ttl := c.TTL
	if ttl <= 0 {
		ttl = 30 * time.Minute
	}
	data, err := json.Marshal(wc)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("ivr: code context: %w", err)
	}
	limit := big.NewInt(1)
	for range digits {
		limit.Mul(limit, big.NewInt(10))
	}
	for range 20 {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return "", time.Time{}, fmt.Errorf("ivr: code: %w", err)
		}
		code := fmt.Sprintf("%0*d", digits, n)
		expires := c.now().Add(ttl)
		err = c.Store.PutIVRCode(ctx, code, queue, data, expires)
		if errors.Is(err, store.ErrCodeTaken) {
			continue
		}
		if err != nil {
			return "", time.Time{}, err
		}
		return code, expires, nil
	}
	return "", time.Time{}, fmt.Errorf("ivr: code: %w", store.ErrCodeTaken)
}

// Resolve returns the queue and web context of an unexpired code; an
// unknown or expired code gives an empty queue and no error.
func (c Codes) Resolve(ctx context.Context, code string) (string, Context, error) {
	queue, data, err := c.Store.IVRCode(ctx, code, c.now())
	if errors.Is(err, store.ErrNotFound) {
		return "", Context{}, nil
	}
	if err != nil {
		return "", Context{}, err
	}
	var wc Context
	if err := json.Unmarshal(data, &wc); err != nil {
		return "", Context{}, fmt.Errorf("ivr: code %s context: %w", code, err)
	}
	return queue, wc, nil
}
