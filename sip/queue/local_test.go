package queue_test

import (
	"context"
	"testing"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/ivr"
	"github.com/switchboard-cc/switchboard/sip/dialplan"
	"github.com/switchboard-cc/switchboard/sip/queue"
)

func TestRouteTellsLocalNumbersApart(t *testing.T) {
	d := acd.New(acd.Config{})
	d.SetConfig([]config.Queue{{Name: "support"}}, nil)
	flows := func(context.Context) ([]*ivr.Flow, error) {
		return []*ivr.Flow{{Name: "main", Number: "600"}}, nil
	}
	run := func(context.Context, *ivr.Flow, *queue.Call) error { return nil }
	s := queue.New(queue.Config{ACD: d, Flows: flows, Run: run})
	for number, local := range map[string]bool{
		"*45": true, "*46": true, "*47": true, "*471": true, "*479": true, // unknown reason: answered with "invalid"
		"*4712": false, "600": true, "601": false, "1001": false, "": false,
	} {
		if _, ok := s.Route("1001", number); ok != local {
			t.Errorf("Route(%q) local = %v, want %v", number, ok, local)
		}
	}
	for dest, want := range map[dialplan.Destination]bool{
		{Kind: dialplan.KindQueue, Target: "support"}: true,
		{Kind: dialplan.KindQueue, Target: "nope"}:    false,
		{Kind: dialplan.KindFlow, Target: "main"}:     true,
		{Kind: dialplan.KindFlow, Target: "nope"}:     false,
	} {
		if got := s.Has(dest); got != want {
			t.Errorf("Has(%s) = %v, want %v", dest, got, want)
		}
	}
}

func TestCustomFeatureCodes(t *testing.T) {
	s := queue.New(queue.Config{ACD: acd.New(acd.Config{}), Codes: queue.Codes{Login: "*80", Logout: "*81", Pause: "*82"}})
	for number, local := range map[string]bool{"*80": true, "*45": false, "*823": true} {
		if _, ok := s.Route("1001", number); ok != local {
			t.Errorf("Route(%q) local = %v, want %v", number, ok, local)
		}
	}
}
