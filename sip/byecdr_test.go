package sip

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/sip/guard"
)

// closedCDR returns the CDR of callID as the store has it now, failing
// unless it is closed: read once, without waiting.
func closedCDR(t *testing.T, s *Server, callID string) store.CDR {
	t.Helper()
	c, ok := cdrNow(t, s, callID)
	switch {
	case !ok:
		t.Fatalf("no CDR for %s", callID)
	case c.EndedAt.IsZero():
		t.Fatalf("BYE answered while the CDR is still open: %+v", c)
	}
	return c
}

// TestByeAnsweredOnceCDRCommitted: whichever phone hangs up, its BYE is
// answered only once the call's CDR is closed in the store, so that a
// crash just after the answer cannot leave the call "interrupted".
func TestByeAnsweredOnceCDRCommitted(t *testing.T) {
	s := startServer(t, guard.Config{})
	caller, callee := callPeers(t, s)
	t.Run("caller", func(t *testing.T) {
		caller.t, callee.t = t, t
		ok := answeredCall(caller, callee, "bye-caller")
		caller.send(caller.inDialog("ACK", ok, 2, ""))
		caller.send(caller.inDialog("BYE", ok, 3, ""))
		callee.send(reply(callee.next("BYE"), "200 OK"))
		if res := caller.final("3 BYE"); status(res) != "200 OK" {
			t.Fatalf("BYE answered %q", status(res))
		}
		if c := closedCDR(t, s, "bye-caller"); c.HangupCause != "caller hung up" {
			t.Errorf("CDR %+v", c)
		}
	})
	t.Run("callee", func(t *testing.T) {
		caller.t, callee.t = t, t
		caller.call("1002", "bye-callee")
		inv := callee.next("INVITE")
		callee.send(callee.answer(inv, "sendrecv"))
		callee.next("ACK")
		ok := caller.final("2 INVITE")
		caller.send(caller.inDialog("ACK", ok, 2, ""))
		callee.send(uasRequest(callee, inv, "BYE", 1, "", ""))
		caller.send(okTo(caller.next("BYE")))
		if res := callee.final("1 BYE"); status(res) != "200 OK" {
			t.Fatalf("BYE answered %q", status(res))
		}
		if c := closedCDR(t, s, "bye-callee"); c.HangupCause != "callee hung up" {
			t.Errorf("CDR %+v", c)
		}
	})
}

// BenchmarkByeAnswer times a caller's BYE to its 200 OK (the callee's BYE
// relayed and answered on the way) on an answered call, with the store's
// group commit running as in the appliance; the call's setup is not
// timed.
func BenchmarkByeAnswer(b *testing.B) {
	s := startServer(b, guard.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	committing := make(chan error, 1)
	go func() { committing <- s.st.RunGroupCommit(ctx) }()
	b.Cleanup(func() { cancel(); <-committing })
	caller, callee := callPeers(b, s)
	var answered time.Duration
	for i := 0; i < b.N; i++ {
		ok := answeredCall(caller, callee, fmt.Sprintf("bye-bench-%d", i))
		caller.send(caller.inDialog("ACK", ok, 2, ""))
		start := time.Now()
		caller.send(caller.inDialog("BYE", ok, 3, ""))
		callee.send(reply(callee.next("BYE"), "200 OK"))
		if res := caller.final("3 BYE"); !strings.HasPrefix(res, "SIP/2.0 200") {
			b.Fatalf("BYE: %s", status(res))
		}
		answered += time.Since(start)
	}
	b.ReportMetric(float64(answered.Microseconds())/float64(b.N), "µs-to-200/op")
}
