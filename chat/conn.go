package chat

import (
	"context"
	"fmt"
	"time"

	"github.com/coder/websocket"
)

// sendQueue is how many frames may wait for a slow reader before its
// connection is closed (it resumes with history on reconnect).
const sendQueue = 256

// conn is one WebSocket connection; its writer goroutine is owned by the
// handler that created it (run returns only after it stops).
type conn struct {
	ws     *websocket.Conn
	out    chan []byte
	ctx    context.Context
	cancel context.CancelCauseFunc
	// firstFrame, when set, bounds the wait for the peer's first frame
	// (a visitor's hello).
	firstFrame time.Duration
}

func newConn(parent context.Context, ws *websocket.Conn) *conn {
	ctx, cancel := context.WithCancelCause(parent)
	return &conn{ws: ws, out: make(chan []byte, sendQueue), ctx: ctx, cancel: cancel}
}

// send queues f without blocking; a connection too slow to keep up is
// closed.
func (c *conn) send(f []byte) {
	select {
	case c.out <- f:
	default:
		c.cancel(errSlow)
	}
}

// writeTimeout bounds the writing of the frames queued at once: a peer
// that reads none of them for that long is closed.
const writeTimeout = 10 * time.Second

// writeLoop writes queued frames until the connection's context ends.
func (c *conn) writeLoop() {
	for {
		select {
		case <-c.ctx.Done():
			return
		case f := <-c.out:
			// The frames queued meanwhile (an ack behind its message)
			// share one deadline.
			ctx, cancel := context.WithTimeout(c.ctx, writeTimeout)
			err := c.ws.Write(ctx, websocket.MessageText, f)
			for err == nil && len(c.out) > 0 {
				err = c.ws.Write(ctx, websocket.MessageText, <-c.out)
			}
			cancel()
			if err != nil {
				c.cancel(err)
				return
			}
		}
	}
}

// read reads the next frame; the first is awaited at most firstFrame, when
// set (the connection is closed after that).
func (c *conn) read(first bool) ([]byte, error) {
	ctx := c.ctx
	if first && c.firstFrame > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(c.ctx, c.firstFrame, errNoHello)
		defer cancel()
	}
	_, data, err := c.ws.Read(ctx)
	if err != nil && context.Cause(ctx) == errNoHello {
		return nil, errNoHello
	}
	return data, err
}

// pingLoop pings the peer every interval until the connection's context
// ends; a peer whose pong does not come within interval (a dead network,
// a client that never reads) has its connection closed. Browsers answer
// pings by themselves, even in a background tab.
func (c *conn) pingLoop(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(c.ctx, interval)
			err := c.ws.Ping(ctx)
			cancel()
			if err != nil {
				c.cancel(fmt.Errorf("%w: %v", errNoPong, err))
				return
			}
		}
	}
}

// tellRate tells a flooding visitor, before its connection is closed,
// why: an error frame "rate" (the widget words it), written within a
// second.
func (c *conn) tellRate() {
	ctx, cancel := context.WithTimeout(c.ctx, time.Second)
	defer cancel()
	_ = c.ws.Write(ctx, websocket.MessageText, frame(map[string]any{"type": "error", "code": "rate", "error": errFlood.Error()}))
}

// bucket is a token bucket limiting one visitor's message rate.
type bucket struct {
	rate, burst, tokens float64
	last                time.Time
}

// allow reports whether one more message fits at now.
func (b *bucket) allow(now time.Time) bool {
	if b.last.IsZero() {
		b.tokens = b.burst
	} else {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
