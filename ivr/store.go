package ivr

import (
	"cmp"
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

// CodeDigits is the length of a web-to-voice code: a million codes, drawn
// uniformly at random.
const CodeDigits = 6

// MaxCodes is how many web-to-voice codes may be outstanding by default:
// 2 % of the code space, so that a caller dialling codes at random finds
// one at most once in fifty tries, however many visitors asked for one.
const MaxCodes = 20000

// ErrNoCodes is returned by Codes.Issue when no code can be issued now:
// MaxCodes are outstanding.
var ErrNoCodes = errors.New("ivr: no web-to-voice code available")

// Codes issues and redeems the short codes that carry a web visit's
// context to a phone call. A code is CodeDigits digits, lives TTL and is
// redeemed once.
type Codes struct {
	Store *store.Store
	// TTL is a code's lifetime (default 30m).
	TTL time.Duration
	// Max bounds the codes outstanding (default MaxCodes).
	Max int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (c Codes) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Issue stores a new random code, none in use, for queue and the web
// context, and returns it with the time it expires. With Max codes
// outstanding it returns ErrNoCodes.
func (c Codes) Issue(ctx context.Context, queue string, wc Context) (string, time.Time, error) {
	ttl := c.TTL
	if ttl <= 0 {
		ttl = 30 * time.Minute
	}
	data, err := json.Marshal(wc)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("ivr: code context: %w", err)
	}
	space := big.NewInt(1)
	for range CodeDigits {
		space.Mul(space, big.NewInt(10))
	}
	for range 20 {
		n, err := rand.Int(rand.Reader, space)
		if err != nil {
			return "", time.Time{}, fmt.Errorf("ivr: code: %w", err)
		}
		code := fmt.Sprintf("%0*d", CodeDigits, n)
		expires := c.now().Add(ttl)
		err = c.Store.PutIVRCode(ctx, code, queue, data, expires, cmp.Or(c.Max, MaxCodes))
		switch {
		case errors.Is(err, store.ErrCodeTaken):
			continue
		case errors.Is(err, store.ErrCodesFull):
			return "", time.Time{}, ErrNoCodes
		case err != nil:
			return "", time.Time{}, err
		}
		return code, expires, nil
	}
	return "", time.Time{}, fmt.Errorf("ivr: code: %w", store.ErrCodeTaken)
}

// Redeem returns the queue and web context of an unexpired code and
// consumes it: a code is redeemed once. An unknown, expired or redeemed
// code gives an empty queue and no error.
func (c Codes) Redeem(ctx context.Context, code string) (string, Context, error) {
	queue, data, err := c.Store.TakeIVRCode(ctx, code, c.now())
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

// Pending reports whether code was issued and is neither expired nor
// redeemed.
func (c Codes) Pending(ctx context.Context, code string) (bool, error) {
	return c.Store.IVRCodePending(ctx, code, c.now())
}
