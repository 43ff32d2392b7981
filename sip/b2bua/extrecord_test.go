package b2bua

import (
	"testing"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// TestRecordedByExtension checks which calls an extension's record flag
// covers: from it, to it, and not a trunk caller that merely carries the
// same digits.
func TestRecordedByExtension(t *testing.T) {
	rec := func(n string) bool { return n == "1001" }
	tests := []struct {
		name           string
		caller, callee string
		inbound        bool
		nilDep         bool
		want           bool
	}{
		{"from the extension", "1001", "1002", false, false, true},
		{"to the extension", "1002", "1001", false, false, true},
		{"out through a trunk", "1001", "0612345678", false, false, true},
		{"in from a trunk", "+33612345678", "1001", true, false, true},
		{"trunk caller id like the extension", "1001", "1002", true, false, false},
		{"neither", "1002", "1003", false, false, false},
		{"no lookup", "1001", "1002", false, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := &B2BUA{deps: Deps{Recorded: rec}}
			if tc.nilDep {
				b.deps.Recorded = nil
			}
			c := &call{b: b, inbound: tc.inbound, cdr: store.CDR{Caller: tc.caller, Callee: tc.callee}}
			if got := c.recorded(); got != tc.want {
				t.Fatalf("recorded = %v, want %v", got, tc.want)
			}
		})
	}
}
