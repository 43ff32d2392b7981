package clientaddr

import "sync"

// Counter counts what clients hold open (connections), by key, under two
// caps: PerKey for one client and Max for all of them together. The zero
// value admits nothing; it is safe for concurrent use.
type Counter struct {
	Max, PerKey int

	mu    sync.Mutex // guards the following fields
	total int
	open  map[string]int
}

// Admit counts one more for key and reports true, or reports false when
// either cap is reached.
func (c *Counter) Admit(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.total >= c.Max || c.open[key] >= c.PerKey {
		return false
	}
	if c.open == nil {
		c.open = map[string]int{}
	}
	c.total++
	c.open[key]++
	return true
}

// Release uncounts one that Admit counted for key.
func (c *Counter) Release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total--
	if c.open[key]--; c.open[key] <= 0 {
		delete(c.open, key)
	}
}

// Open returns how many are counted, and for how many keys.
func (c *Counter) Open() (total, keys int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total, len(c.open)
}
