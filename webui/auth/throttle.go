package auth

import (
	"sync"
	"time"
)

// Throttle counts failed logins per key (a client address or a user name)
// and refuses a key that failed Max times within Window, until the oldest of
// those failures leaves the window.
type Throttle struct {
	Max    int
	Window time.Duration

	mu       sync.Mutex // guards the following fields
	failures map[string][]time.Time
}

// NewThrottle returns a throttle allowing max failures per window.
func NewThrottle(max int, window time.Duration) *Throttle {
	return &Throttle{Max: max, Window: window, failures: map[string][]time.Time{}}
}

// Allowed reports whether key may try to log in at now.
func (t *Throttle) Allowed(key string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.recent(key, now)) < t.Max
}

// Fail records a failed login for key at now.
func (t *Throttle) Fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failures[key] = append(t.recent(key, now), now)
	if len(t.failures) > 100000 {
		t.prune(now)
	}
}

// Reset forgets the failures of key (after a successful login).
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, key)
}

// recent drops failures older than the window; t.mu must be held.
func (t *Throttle) recent(key string, now time.Time) []time.Time {
	list := t.failures[key]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= t.Window {
		i++
	}
	if i == len(list) {
		delete(t.failures, key)
		return nil
	}
	list = list[i:]
	t.failures[key] = list
	return list
}

// prune bounds memory under a spray of addresses; t.mu must be held.
func (t *Throttle) prune(now time.Time) {
	for k := range t.failures {
		t.recent(k, now)
	}
}
