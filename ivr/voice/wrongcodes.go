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
// over a sliding window of callerWindow.
type wrongCodes struct {
	mu       sync.Mutex             // guards byCaller
	byCaller map[string][]time.Time // a number's wrong codes in the window, oldest first
}

// allowed reports whether caller ("" when withheld) may dial a code now.
func (g *wrongCodes) allowed(caller string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := g.key(caller, now)
	return len(recent(g.byCaller[k], now)) < callerCodes
}

// add counts a wrong code of caller at now, and reports whether it is the
// one that reaches callerCodes.
func (g *wrongCodes) add(caller string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := g.key(caller, now)
	times := append(recent(g.byCaller[k], now), now)
	if len(times) > callerCodes {
		times = times[len(times)-callerCodes:]
	}
	if g.byCaller == nil {
		g.byCaller = map[string][]time.Time{}
	}
	g.byCaller[k] = times
	return len(times) == callerCodes
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
