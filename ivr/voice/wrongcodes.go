package voice

import (
	"sync"
	"time"
)

const (
	// callCodes is how many wrong web-to-voice codes one call may dial;
	// past it the call's codes are refused without a lookup.
	callCodes = 3
	// callerCodes is how many wrong codes one calling number may dial in
	// callerWindow; past it the number's codes are refused without a
	// lookup until the oldest is callerWindow old.
	callerCodes  = 10
	callerWindow = time.Hour
	// maxCallers bounds the numbers counted; while that many have wrong
	// codes in the window, a new number shares the overflow count.
	maxCallers = 10000
	// anonymous counts the callers without a number, together.
	anonymous = "anonymous"
	// overflow is no SIP user: the count shared past maxCallers.
	overflow = "\x00overflow"
)

// wrongCodes counts the wrong web-to-voice codes of each calling number
// over a sliding window of callerWindow. A code is counted before it is
// looked up and given back when it is right, so that calls of one number
// dialling at the same time share the bound.
type wrongCodes struct {
	mu       sync.Mutex             // guards byCaller
	byCaller map[string][]time.Time // a number's wrong codes in the window, oldest first
}

// slot is one code counted by take.
type slot struct {
	key string
	at  time.Time
}

// take counts a code of caller ("" when withheld) at now as wrong, and
// returns its slot, and whether it is the one that reaches callerCodes;
// ok is false, and nothing counted, when caller has callerCodes wrong
// codes in the window.
func (g *wrongCodes) take(caller string, now time.Time) (s slot, last, ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := g.key(caller, now)
	times := recent(g.byCaller[k], now)
	if len(times) >= callerCodes {
		g.byCaller[k] = times
		return slot{}, false, false
	}
	if g.byCaller == nil {
		g.byCaller = map[string][]time.Time{}
	}
	g.byCaller[k] = append(times, now)
	return slot{key: k, at: now}, len(times)+1 == callerCodes, true
}

// give takes back the count of s: its code was right.
func (g *wrongCodes) give(s slot) {
	g.mu.Lock()
	defer g.mu.Unlock()
	times := g.byCaller[s.key]
	for i := len(times) - 1; i >= 0; i-- {
		if times[i].Equal(s.at) {
			g.byCaller[s.key] = append(times[:i:i], times[i+1:]...)
			return
		}
	}
}

// key is the count caller falls in: its own, anonymous, or overflow when
// maxCallers numbers are counted; g.mu is held.
func (g *wrongCodes) key(caller string, now time.Time) string {
	if caller == "" {
		caller = anonymous
	}
	if _, ok := g.byCaller[caller]; ok || len(g.byCaller) < maxCallers {
		return caller
	}
	for k, times := range g.byCaller {
		if len(recent(times, now)) == 0 {
			delete(g.byCaller, k)
		}
	}
	if len(g.byCaller) < maxCallers {
		return caller
	}
	return overflow
}

// recent returns the times of times within callerWindow of now.
func recent(times []time.Time, now time.Time) []time.Time {
	for len(times) > 0 && now.Sub(times[0]) >= callerWindow {
		times = times[1:]
	}
	return times
}
