package queue

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/ivr"
)

func TestQueuedCallsJoinTheCallersTimeline(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenFile(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dir, err := customer.New(st, customer.Config{DefaultCountry: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{ACD: acd.New(acd.Config{}), Customers: dir})
	if id := s.customer(ctx, ""); id != 0 {
		t.Errorf("a withheld number resolved to customer %d", id)
	}
	cid := s.customer(ctx, "06 12 34 56 78")
	if cid == 0 {
		t.Fatal("a French mobile number did not resolve to a customer")
	}
	if again := s.customer(ctx, "+33612345678"); again != cid {
		t.Errorf("the same number in E.164 is customer %d, want %d", again, cid)
	}
	s.recordCall(cid, "call-1", "0612345678", "support", "ann", "answered", ivr.Context{Intent: "help", Path: []string{"welcome", "support"}}, time.Now())
	tl, err := dir.Timeline(ctx, cid, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(tl) != 1 || tl[0].Channel != customer.ChannelVoice || tl[0].Detail["agent"] != "ann" ||
		tl[0].Detail["ivr_path"] != "welcome>support" || tl[0].Detail["queue"] != "support" {
		t.Errorf("timeline %+v", tl)
	}
}
