package trunk

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-cc/switchboard/sip/dialplan"
)

// TestFailoverAgainstSipp: real providers played by sipp. A 503 from the
// first trunk moves the call to the second (which challenges with 407 and
// answers); a 486 from the first ends the call without trying the second.
func TestFailoverAgainstSipp(t *testing.T) {
	cases := []struct {
		name     string
		first    string
		tried    []string
		status   int
		reachesB bool
	}{
		{"503 fails over", "provider_503.xml", []string{"a", "b"}, 200, true},
		{"486 stops", "provider_486.xml", []string{"a"}, 486, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			addrA, waitA := sippProvider(t, c.first)
			addrB := "127.0.0.1:9" // never contacted when the first answers 486
			var waitB func() error
			if c.reachesB {
				addrB, waitB = sippProvider(t, "provider_invite.xml")
			}
			client := newClient(t)
			m, err := New(client, []Trunk{
				{Name: "a", Type: TypePeer, Host: addrA},
				{Name: "b", Type: TypePeer, Host: addrB, Username: "u", Password: "p"},
			}, Config{Logger: quiet()})
			if err != nil {
				t.Fatal(err)
			}
			plan, err := dialplan.New(dialplan.Config{Outbound: []dialplan.OutboundRoute{{Pattern: "0[1-9]XXXXXXXX", Trunks: []string{"a", "b"}}}})
			if err != nil {
				t.Fatal(err)
			}
			p, err := plan.Outbound(dialplan.Caller{Extension: "1001", Authenticated: true, Class: dialplan.ClassNational}, "0123456789")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var tried []string
			leg, status, err := dialplan.Dial(ctx, p, func(ctx context.Context, leg dialplan.Leg) (int, error) {
				tried = append(tried, leg.Trunk)
				tr, _ := m.Trunk(leg.Trunk)
				req := m.NewInvite(tr, p.Number, leg.CallerID, nil)
				tx, err := m.Request(ctx, tr, req)
				if err != nil {
					return 0, err
				}
				res := final(ctx, t, tx)
				tx.Terminate()
				if res.StatusCode == sip.StatusProxyAuthRequired || res.StatusCode == sip.StatusUnauthorized {
					if tx, err = m.Authorize(ctx, tr, req, res); err != nil {
						return 0, err
					}
					res = final(ctx, t, tx)
					tx.Terminate()
				}
				if res.StatusCode == sip.StatusOK {
					ack := sip.NewRequest(sip.ACK, res.Contact().Address)
					ack.AppendHeader(sip.HeaderClone(req.From()))
					ack.AppendHeader(sip.HeaderClone(res.To()))
					ack.AppendHeader(sip.HeaderClone(req.CallID()))
					ack.AppendHeader(&sip.CSeqHeader{SeqNo: req.CSeq().SeqNo, MethodName: sip.ACK})
					ack.SetDestination(tr.destination())
					if err := client.WriteRequest(ack); err != nil {
						return 0, err
					}
				}
				return res.StatusCode, nil
			})
			if err != nil || status != c.status || !slices.Equal(tried, c.tried) || leg.Trunk != c.tried[len(c.tried)-1] {
				t.Fatalf("Dial: tried %v, ended on %s with %d (%v); want %v and %d", tried, leg.Trunk, status, err, c.tried, c.status)
			}
			if err := waitA(); err != nil {
				t.Fatalf("sipp a: %v", err)
			}
			if waitB != nil {
				if err := waitB(); err != nil {
					t.Fatalf("sipp b: %v", err)
				}
			}
			if got, want := dialplan.Disposition(status), map[int]string{200: "answered", 486: "busy"}[status]; got != want {
				t.Fatalf("disposition %q, want %q", got, want)
			}
		})
	}
}
