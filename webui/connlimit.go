package webui

import (
	"net"
	"sync"

	"github.com/switchboard-cc/switchboard/internal/clientaddr"
)

// defaultMaxConnsPerIP bounds the connections one address holds open at
// once (a NAT office: tens of browsers, a few connections each).
const defaultMaxConnsPerIP = 256

// defaultMaxConns bounds the connections the panel holds open at once, all
// addresses together: a few thousand browsers and chat visitors, well
// under the process's file limit and what a small box's memory holds
// (each connection costs a goroutine and its buffers, ~10 KB idle).
const defaultMaxConns = 4096

// limitListener closes, as it accepts them, the connections over its caps:
// those of an address that already holds maxPerIP (one client, a
// slowloris script or a connection flood, cannot take all the server's
// connections), and any once max are open (many addresses together cannot
// exhaust the process's files or memory). An IPv6 client counts by its
// /64, which one subscriber holds whole.
type limitListener struct {
	net.Listener
	open clientaddr.Counter
}

func newLimitListener(ln net.Listener, max, maxPerIP int) *limitListener {
	return &limitListener{Listener: ln, open: clientaddr.Counter{Max: max, PerKey: maxPerIP}}
}

// Accept returns the next connection under both caps.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := clientaddr.Key(c.RemoteAddr().String())
		if !l.open.Admit(key) {
			c.Close()
			continue
		}
		return &countedConn{Conn: c, release: sync.OnceFunc(func() { l.open.Release(key) })}, nil
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
