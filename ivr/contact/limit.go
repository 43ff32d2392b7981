package contact

import (
	"sync"
	"time"
)

// limiter allows n events per window per key (a fixed window: simple,
// and enough to stop a script flooding the callback queue).
type limiter struct {
	n      int
	window time.Duration

	mu   sync.Mutex // guards keys
	keys map[string]*bucket
}

type bucket struct {
	start time.Time
	count int
}

// maxKeys bounds the limiter's memory (client addresses); expired keys
// are dropped beyond it.
const maxKeys = 10000

func newLimiter(n int, window time.Duration) *limiter {
	return &limiter{n: n, window: window, keys: map[string]*bucket{}}
}

func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.keys[key]
	if b == nil || now.Sub(b.start) >= l.window {
		if b == nil && len(l.keys) >= maxKeys {
			for k, old := range l.keys {
				if now.Sub(old.start) >= l.window {
					delete(l.keys, k)
				}
			}
			if len(l.keys) >= maxKeys {
				return false
			}
		}
		b = &bucket{start: now}
		l.keys[key] = b
	}
	b.count++
	return b.count <= l.n
}
