package voice

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/switchboard-cc/switchboard/ivr"
)

// TestCollectTerminatorAndCondition collects a number ended by '#', then
// branches on it being there; a caller who types nothing goes to the
// other branch after the inter-digit timeout.
func TestCollectTerminatorAndCondition(t *testing.T) {
	flow := &ivr.Flow{Name: "c", Start: "ask", Nodes: map[string]*ivr.Node{
		"ask":   {ID: "ask", Type: ivr.Collect, Prompt: "contract", Var: "contract", MinDigits: 0, MaxDigits: 10, Terminator: "#", InterDigit: 2 * time.Second, Next: "have"},
		"have":  {ID: "have", Type: ivr.Condition, Test: ivr.DigitsCollected, Var: "contract", Then: "known", Else: "anon"},
		"known": {ID: "known", Type: ivr.Queue, Queue: "known"},
		"anon":  {ID: "anon", Type: ivr.Queue, Queue: "anon"},
	}}
	for _, tc := range []struct {
		name, digits, wantQueue, wantContract string
		wantElapsed                           time.Duration
	}{
		{"terminated", "98765#", "known", "98765", time.Second},
		{"max length", "0123456789", "known", "0123456789", time.Second},
		{"nothing typed", "", "anon", "", promptLen + 2*time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				call := newFakeCall()
				if tc.digits != "" {
					call.press(time.Second, tc.digits)
				}
				start := time.Now()
				got, err := New(Config{}).Run(t.Context(), flow, call, "s")
				if err != nil {
					t.Fatal(err)
				}
				if el := time.Since(start); el != tc.wantElapsed {
					t.Errorf("walk took %v of fake time, want %v", el, tc.wantElapsed)
				}
				if call.queue != tc.wantQueue || got.Digits["contract"] != tc.wantContract {
					t.Errorf("queue %q contract %q, want %q %q", call.queue, got.Digits["contract"], tc.wantQueue, tc.wantContract)
				}
			})
		})
	}
}
