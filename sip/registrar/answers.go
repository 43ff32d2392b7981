package registrar

import (
	"encoding/binary"
	"hash/maphash"
	"net/netip"
	"sync"
	"time"
)

// Transaction identifies a REGISTER transaction as RFC 3261 §17.2.3
// matches a retransmission to it: the top Via branch, plus where it came
// from and its Call-ID and CSeq so that nobody else's request matches.
type Transaction struct {
	Branch string
	Source netip.AddrPort
	CallID string
	CSeq   uint32
}

// answerKey is a keyed 128-bit hash of a Transaction: pointer-free, so the
// maps below cost the garbage collector nothing to scan (when the answers
// hold no pointers either), and unguessable, so no request can be crafted
// to collide with another's.
type answerKey [2]uint64

// Answers remembers how recent REGISTER transactions were answered, so
// that a retransmission gets the same answer without being authenticated
// and applied a second time: it stands in for the server transaction
// kept through Timer J (RFC 3261 §17.2.2) at a few dozen bytes a request
// instead of the kilobytes of a parsed request, response and timers. V is
// the caller's record of an answer, best without pointers.
// Entries go in the current generation; every window the previous one is
// dropped whole, so each is kept between one and two windows and nothing
// is ever scanned.
type Answers[V any] struct {
	window time.Duration
	seeds  [2]maphash.Seed

	mu      sync.Mutex // guards the following fields
	cur     map[answerKey]V
	prev    map[answerKey]V
	rotated time.Time
}

// NewAnswers returns an empty Answers that keeps each answer for at least
// window after now.
func NewAnswers[V any](window time.Duration, now time.Time) *Answers[V] {
	return &Answers[V]{window: window, seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		cur: map[answerKey]V{}, prev: map[answerKey]V{}, rotated: now}
}

func (a *Answers[V]) key(t Transaction) answerKey {
	var buf [256]byte
	ip := t.Source.Addr().As16()
	b := binary.BigEndian.AppendUint16(append(buf[:0], ip[:]...), t.Source.Port())
	b = binary.BigEndian.AppendUint32(b, t.CSeq)
	b = binary.BigEndian.AppendUint16(b, uint16(len(t.Branch)))
	b = append(append(b, t.Branch...), t.CallID...)
	return answerKey{maphash.Bytes(a.seeds[0], b), maphash.Bytes(a.seeds[1], b)}
}

// Put records how t was answered, at now.
func (a *Answers[V]) Put(t Transaction, answer V, now time.Time) {
	k := a.key(t)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.rotate(now)
	a.cur[k] = answer
}

// Get returns the answer recorded for t, if it is still kept.
func (a *Answers[V]) Get(t Transaction, now time.Time) (V, bool) {
	k := a.key(t)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.rotate(now)
	if v, ok := a.cur[k]; ok {
		return v, true
	}
	v, ok := a.prev[k]
	return v, ok
}

// Len is the number of answers kept.
func (a *Answers[V]) Len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.cur) + len(a.prev)
}

// rotate starts a new generation once a window has passed. Callers hold mu.
func (a *Answers[V]) rotate(now time.Time) {
	since := now.Sub(a.rotated)
	if since < a.window {
		return
	}
	a.prev, a.cur = a.cur, make(map[answerKey]V, len(a.cur))
	if since >= 2*a.window {
		a.prev = map[answerKey]V{}
	}
	a.rotated = now
}
