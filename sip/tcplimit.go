package sip

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/internal/clientaddr"
)

// TCPLimits bound what SIP over TCP may hold. sipgo reads each accepted
// connection in a goroutine with a 32 KB buffer, without any read
// deadline, until the peer closes; and it stops serving TCP altogether
// when Accept fails (e.g. out of file descriptors). Zero values mean the
// defaults.
type TCPLimits struct {
	// MessageTimeout bounds how long a message may take to arrive from its
	// first byte, and a new connection to bring its first message (half a
	// request followed by silence). Zero means 10s.
	MessageTimeout time.Duration
	// IdleTimeout closes a connection silent between messages (CRLF
	// keep-alives count as traffic). Zero means 65 minutes: longer than
	// the longest registration, so a phone that re-registers over its
	// connection keeps it.
	IdleTimeout time.Duration
	// WriteTimeout closes a connection whose peer does not take what is
	// written to it (a full TCP window) within it: sipgo answers each
	// request in its own goroutine, and a peer sending requests without
	// reading the answers held one blocked goroutine per request for as
	// long as the connection stayed open. Zero means 10s.
	WriteTimeout time.Duration
	// PerSource caps the open connections of one source (an IP address,
	// an IPv6 one by its /64: see clientaddr.Key); more are closed as soon
	// as they are accepted. Zero means 128.
	PerSource int
	// Total caps all open connections. Zero means 2048.
	Total int
}

func (l TCPLimits) withDefaults() TCPLimits {
	if l.MessageTimeout <= 0 {
		l.MessageTimeout = 10 * time.Second
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = 65 * time.Minute
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = 10 * time.Second
	}
	if l.PerSource <= 0 {
		l.PerSource = 128
	}
	if l.Total <= 0 {
		l.Total = 2048
	}
	return l
}

// acceptBackoffMax bounds the wait after a failed Accept.
const acceptBackoffMax = time.Second

// tcpListener is the SIP TCP listener handed to sipgo: it keeps accepting
// through temporary Accept errors, closes connections from banned sources
// and over the caps at once, and gives each connection it admits the
// deadlines of its TCPLimits.
type tcpListener struct {
	net.Listener
	lim    TCPLimits
	log    *slog.Logger
	banned func(netip.Addr) bool
	seen   func(netip.Addr)
	open   clientaddr.Counter // by clientaddr.Key
}

// newTCPListener wraps l; banned tells the sources to refuse, and seen is
// told the source of each admitted connection.
func newTCPListener(l net.Listener, lim TCPLimits, log *slog.Logger, banned func(netip.Addr) bool, seen func(netip.Addr)) *tcpListener {
	lim = lim.withDefaults()
	return &tcpListener{Listener: l, lim: lim, log: log, banned: banned, seen: seen,
		open: clientaddr.Counter{Max: lim.Total, PerKey: lim.PerSource}}
}

// Accept returns the next admitted connection; it fails only once the
// listener is closed.
func (l *tcpListener) Accept() (net.Conn, error) {
	var backoff time.Duration
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil, err
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), acceptBackoffMax)
			l.log.Warn("sip: tcp accept failed; retrying", "err", err, "retry_in", backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		src, _ := addrPortOf(c.RemoteAddr())
		if l.banned(src.Addr()) {
			c.Close()
			continue
		}
		key := clientaddr.Key(src.String())
		if !l.open.Admit(key) {
			l.log.Debug("sip: tcp connection over the limits closed", "source", src)
			c.Close()
			continue
		}
		l.seen(src.Addr())
		return &tcpConn{Conn: c, l: l, src: src.Addr(), key: key, due: time.Now().Add(l.lim.MessageTimeout)}, nil
	}
}

// tcpConn is an admitted connection. Before each read it sets the read
// deadline: the end of the message in progress (or of the first one) or,
// between messages, of the idle time allowed; a read that passes it
// fails and sipgo closes the connection.
type tcpConn struct {
	net.Conn
	l     *tcpListener
	src   netip.Addr
	key   string // clientaddr.Key of src
	once  sync.Once
	frame framer
	due   time.Time // only the reading goroutine uses frame and due
	// wmu serializes writes, so that a write's deadline is its own and not
	// pushed back by the writers queued behind it.
	wmu sync.Mutex
}

// Read reads under the connection's deadline and follows the framing. It
// first waits for a write in progress: a peer that does not read its
// answers is not read from either, so its requests stay in its own send
// buffer instead of becoming goroutines blocked on writing theirs.
func (c *tcpConn) Read(b []byte) (int, error) {
	c.wmu.Lock() // waits for the writer
	c.wmu.Unlock()
	if err := c.Conn.SetReadDeadline(c.due); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(b)
	if n > 0 {
		was := c.frame.idle()
		c.frame.feed(b[:n])
		now := time.Now()
		switch {
		case c.frame.idle():
			c.due = now.Add(c.l.lim.IdleTimeout)
		case was || c.frame.completed > 0:
			c.due = now.Add(c.l.lim.MessageTimeout)
		}
		c.frame.completed = 0
	}
	return n, err
}

// Write writes b within the write timeout, and closes the connection when
// the peer takes longer to read it (the writers queued behind then fail at
// once).
func (c *tcpConn) Write(b []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.l.lim.WriteTimeout)); err != nil {
		return 0, err
	}
	n, err := c.Conn.Write(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		c.l.log.Debug("sip: tcp peer does not read; connection closed", "source", c.src)
		c.Close()
	}
	return n, err
}

// Close closes the connection and uncounts it once.
func (c *tcpConn) Close() error {
	c.once.Do(func() { c.l.open.Release(c.key) })
	return c.Conn.Close()
}

// maxHead bounds the header bytes a framer keeps; sipgo refuses longer
// messages (sip.ParseMaxMessageLength) and closes the connection.
const maxHead = 1 << 16

// framer follows where SIP messages end in a stream (RFC 3261 §7.5,
// §18.3: CRLFs before a start line are skipped, headers end at an empty
// line, then Content-Length bytes of body) to tell a connection between
// messages from one in the middle of one.
type framer struct {
	head      []byte // the current message's header bytes so far
	inHead    bool
	body      int // body bytes still to come
	completed int // messages completed by the last feed
}

// idle reports whether no message is in progress.
func (f *framer) idle() bool { return !f.inHead && f.body == 0 }

// feed follows p.
func (f *framer) feed(p []byte) {
	for len(p) > 0 {
		if f.body > 0 {
			k := min(f.body, len(p))
			f.body -= k
			p = p[k:]
			if f.body == 0 {
				f.completed++
			}
			continue
		}
		if !f.inHead {
			p = bytes.TrimLeft(p, "\r\n")
			if len(p) == 0 {
				return
			}
			f.inHead = true
		}
		from := max(len(f.head)-3, 0)
		add := p[:min(len(p), maxHead-len(f.head))]
		f.head = append(f.head, add...)
		end := bytes.Index(f.head[from:], []byte("\r\n\r\n"))
		if end < 0 {
			return
		}
		end += from
		// What follows the empty line (the body and any next message)
		// starts inside add.
		p = p[len(add)-(len(f.head)-end-4):]
		f.body = contentLength(f.head[:end])
		f.head, f.inHead = f.head[:0], false
		if f.body == 0 {
			f.completed++
		}
	}
}

// contentLength is the Content-Length (or "l") of a header block; zero
// when absent or invalid (sipgo then closes the connection).
func contentLength(head []byte) int {
	for line := range bytes.SplitSeq(head, []byte("\r\n")) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		name = bytes.TrimSpace(name)
		if !bytes.EqualFold(name, []byte("Content-Length")) && !bytes.EqualFold(name, []byte("l")) {
			continue
		}
		n, err := strconv.Atoi(string(bytes.TrimSpace(value)))
		if err != nil || n < 0 {
			return 0
		}
		return n
	}
	return 0
}
