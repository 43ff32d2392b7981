package voice

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/switchboard-cc/switchboard/ivr"
)

// patientMenu is a menu that takes many attempts, so that the call, not
// the menu, bounds the codes dialled.
func patientMenu() *ivr.Flow {
	return &ivr.Flow{Name: "main", Start: "welcome", Nodes: map[string]*ivr.Node{
		"welcome": {ID: "welcome", Type: ivr.Menu, Prompt: "welcome", Title: "How can we help?", Retries: 9, Invalid: "bye",
			Options: []ivr.Option{{Digit: "1", Label: "sales", Next: "sales"}}},
		"sales": {ID: "sales", Type: ivr.Queue, Queue: "sales"},
		"bye":   {ID: "bye", Type: ivr.Hangup},
	}}
}

// dial runs one call of flow from caller pressing keys at once, and
// returns the queue it reached ("" for none).
func dial(t *testing.T, r *Runner, flow *ivr.Flow, caller, keys string) string {
	t.Helper()
	call := newFakeCall()
	call.from = caller
	call.press(time.Second, keys)
	if _, err := r.Run(t.Context(), flow, call, "s"); err != nil {
		t.Fatal(err)
	}
	call.mu.Lock()
	defer call.mu.Unlock()
	return call.queue
}

// TestWebCodeAttemptsPerCall: a right code after two wrong ones is taken;
// after three wrong ones the call's codes are refused without a lookup
// (the right one too, which stays unused), each recorded as invalid, and
// the menu goes on; a code of the wrong length is wrong.
func TestWebCodeAttemptsPerCall(t *testing.T) {
	for _, tc := range []struct {
		name        string
		keys        string
		wantQueue   string
		wantLookups int
		wantInvalid int
		wantLeft    bool // the right code still redeemable
	}{
		{"right after two wrong", "*111111#*222222#*482193#", "support", 3, 2, false},
		{"refused after three wrong", "*111111#*222222#*333333#*482193#1", "sales", 3, 4, true},
		{"right without the #", "*482193", "support", 1, 0, false},
		{"too long, too short", "*4821937#*4821#*482193#", "support", 1, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fn, c := &funnel{}, newCodes()
				var log bytes.Buffer
				r := New(Config{Env: ivr.Env{Live: &live{}}, Funnel: fn, Codes: c, Logger: slog.New(slog.NewTextHandler(&log, nil))})
				if got := dial(t, r, patientMenu(), "+33100000001", tc.keys); got != tc.wantQueue {
					t.Errorf("queue = %q, want %q", got, tc.wantQueue)
				}
				synctest.Wait()
				if c.looked() != tc.wantLookups {
					t.Errorf("%d codes looked up, want %d", c.looked(), tc.wantLookups)
				}
				if n := fn.count("welcome", ivr.Chose, "invalid"); n != tc.wantInvalid {
					t.Errorf("%d invalid choices recorded, want %d", n, tc.wantInvalid)
				}
				if _, left := c.byCode["482193"]; left != tc.wantLeft {
					t.Errorf("right code left = %v, want %v", left, tc.wantLeft)
				}
				if n, want := strings.Count(log.String(), "level=WARN"), min(tc.wantInvalid/callCodes, 1); n != want {
					t.Errorf("%d warnings, want %d:\n%s", n, want, log.String())
				}
			})
		})
	}
}

// TestWebCodeAttemptsPerCaller: a number that dialled callerCodes wrong
// codes within the hour (over several calls) has its codes refused
// without a lookup, the right one too, until the hour has passed; other
// numbers are not refused. Callers without a number share one count.
func TestWebCodeAttemptsPerCaller(t *testing.T) {
	for _, caller := range []string{"+33100000009", ""} {
		t.Run(fmt.Sprintf("caller %q", caller), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := newCodes()
				r := New(Config{Env: ivr.Env{Live: &live{}}, Codes: c, Logger: slog.New(slog.DiscardHandler)})
				// Three calls of three wrong codes, then one more: ten.
				for range 3 {
					if got := dial(t, r, twoLevel(), caller, "*111111#*222222#*333333#"); got != "" {
						t.Fatalf("wrong codes reached %q", got)
					}
				}
				if got := dial(t, r, twoLevel(), caller, "*444444#*482193#"); got != "" {
					t.Fatalf("the right code past the limit reached %q", got)
				}
				if c.looked() != callerCodes {
					t.Fatalf("%d codes looked up, want %d", c.looked(), callerCodes)
				}
				if got := dial(t, r, twoLevel(), "+33100000002", "*482193#"); got != "support" {
					t.Fatalf("another number's right code reached %q", got)
				}
				c.byCode["482193"] = ivr.Context{Flow: "main"}
				time.Sleep(callerWindow)
				if got := dial(t, r, twoLevel(), caller, "*482193#"); got != "support" {
					t.Fatalf("an hour later the right code reached %q", got)
				}
			})
		})
	}
}

// TestWrongCodesBounded: past maxCallers numbers counted, a new number
// shares the overflow count; numbers whose wrong codes are all older
// than the window make room.
func TestWrongCodesBounded(t *testing.T) {
	var g wrongCodes
	now := time.Now()
	for i := range maxCallers {
		g.take(fmt.Sprint(i), now)
	}
	for i := range callerCodes {
		if _, _, ok := g.take(fmt.Sprint("new", i), now); !ok {
			t.Fatalf("new number %d refused before the overflow count is full", i)
		}
	}
	if _, _, ok := g.take("another", now); ok || len(g.byCaller) != maxCallers+1 {
		t.Fatalf("a new number allowed past the full overflow count; %d counts", len(g.byCaller))
	}
	if _, _, ok := g.take("0", now); !ok {
		t.Fatal("a counted number with one wrong code refused")
	}
	later := now.Add(callerWindow)
	if _, _, ok := g.take("another", later); !ok || len(g.byCaller) > 1 {
		t.Fatalf("an hour later: %d counts kept", len(g.byCaller))
	}
}

// TestWrongCodesConcurrent: calls of one number taking codes at the same
// time get callerCodes of them, and a code given back (a right one)
// frees its count.
func TestWrongCodesConcurrent(t *testing.T) {
	var g wrongCodes
	now := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var slots []slot
	for range 4 * callerCodes {
		wg.Go(func() {
			if s, _, ok := g.take("+33100000009", now); ok {
				mu.Lock()
				slots = append(slots, s)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(slots) != callerCodes {
		t.Fatalf("%d codes taken at once, want %d", len(slots), callerCodes)
	}
	g.give(slots[3])
	if _, last, ok := g.take("+33100000009", now); !ok || !last {
		t.Fatalf("after a code given back: ok %v, last %v; want the last one", ok, last)
	}
}
