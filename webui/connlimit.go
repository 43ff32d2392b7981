package webui

import (
	"net"
	"sync"

	"github.com/switchboard-cc/switchboard/internal/clientaddr"
)

// defaultMaxConnsPerIP bounds the connections one address holds open at
// once (a NAT office: tens of browsers, a few connections each).
const defaultMaxConnsPerIP = 256

// perIPListener closes, as it accepts them, the connections of an address
// that already holds max: one client (a slowloris script, a connection
// flood) cannot take all the server's connections. An IPv6 client counts
// by its /64, which one subscriber holds whole.
type perIPListener struct {
	net.Listener
	max int

	mu   sync.Mutex // guards open
	open map[string]int
}

func newPerIPListener(ln net.Listener, max int) *perIPListener {
	return &perIPListener{Listener: ln, max: max, open: map[string]int{}}
}

// Accept returns the next connection of an address under its limit.
func (l *perIPListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := clientaddr.Key(c.RemoteAddr().String())
		l.mu.Lock()
		full := l.open[key] >= l.max
		if !full {
			l.open[key]++
		}
		l.mu.Unlock()
		if full {
			c.Close()
			continue
		}
		return &countedConn{Conn: c, release: sync.OnceFunc(func() { l.release(key) })}, nil
	}
}

func (l *perIPListener) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}

// countedConn gives its place back when closed (by the server, or by a
// WebSocket handler that hijacked it).
type countedConn struct {
	net.Conn
	release func()
}

func (c *countedConn) Close() error {
	c.release()
	return c.Conn.Close()
}
