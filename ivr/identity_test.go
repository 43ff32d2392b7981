package ivr

import (
	"testing"

	"github.com/switchboard-cc/switchboard/internal/customer"
)

// TestCallbackNumberProvenance: a number typed on the contact page's
// callback form is an unverified identity; a voice callback from the same
// number (the caller ID) verifies it; a number keyed in on the phone that
// is not the caller's stays typed.
func TestCallbackNumberProvenance(t *testing.T) {
	ctx := t.Context()
	_, d, dir := liveFixture(t)
	live := DistributorLive(d, dir, nil)
	for _, tc := range []struct {
		name         string
		number, from string
		face         Face
		want         bool
	}{
		{"typed on the contact page", "0612345678", "", Web, false},
		{"keyed in on the phone for another number", "0698765432", "+33611111111", Voice, false},
		{"voice callback to the caller ID", "+33612345678", "+33612345678", Voice, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := live.Submit(ctx, Item{Channel: "callback", Queue: "support", Number: tc.number, Context: Context{Face: tc.face, From: tc.from}}); err != nil {
				t.Fatal(err)
			}
			n, err := dir.Normalize(customer.Identity{Kind: customer.Phone, Value: tc.number})
			if err != nil {
				t.Fatal(err)
			}
			found, err := dir.Search(ctx, n.Value, 1)
			if err != nil || len(found) != 1 {
				t.Fatalf("search %s: %+v, %v", n.Value, found, err)
			}
			for _, k := range found[0].Identities {
				if k.Identity == n && k.Verified != tc.want {
					t.Errorf("%s verified %v; want %v", n.Value, k.Verified, tc.want)
				}
			}
		})
	}
}
