package sip

import (
	"context"
	"sync"
)

// inflight counts the request handlers running, so that shutdown closes
// the user agent only once they have answered: sipgo writes an answer
// given after the close through a new socket it opens for it (and never
// closes), and a BYE's answer waits for its call's record (b2bua's
// heldTx), which the call's end commits during the shutdown.
type inflight struct {
	mu      sync.Mutex // guards closing against the counter's increments
	closing bool
	running sync.WaitGroup
}

// enter counts a handler about to run and reports true, or false once the
// service is closing (the request is then dropped: the socket closes).
func (f *inflight) enter() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closing {
		return false
	}
	f.running.Add(1)
	return true
}

// leave ends what enter counted.
func (f *inflight) leave() { f.running.Done() }

// close refuses new handlers and waits for the running ones to return,
// reporting false if ctx ended first.
func (f *inflight) close(ctx context.Context) bool {
	f.mu.Lock()
	f.closing = true
	f.mu.Unlock()
	done := make(chan struct{})
	go func() {
		f.running.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}
