package registrar

import (
	"context"
	"errors"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
)

func TestApply(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenFile(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Unix(1_800_000_000, 0)
	cfg := Config{MinExpires: time.Minute, MaxExpires: time.Hour, Now: func() time.Time { return now }}
	r, err := New(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	src := netip.MustParseAddrPort("127.0.0.1:5062")
	reg := func(cseq uint32, callID string, expires time.Duration, contacts ...string) ([]Binding, error) {
		var us []Update
		for _, c := range contacts {
			us = append(us, Update{Contact: c, Expires: -1})
		}
		return r.Apply(Request{AOR: "1001", Contacts: us, Expires: expires, CallID: callID, CSeq: cseq, Source: src, Transport: "UDP"})
	}

	for _, bad := range []string{"0.0.0.0:5060", "224.0.0.1:5060", "255.255.255.255:5060", "[ff02::1]:5060", "127.0.0.1:0"} {
		_, err := r.Apply(Request{AOR: "1001", Contacts: []Update{{Contact: "sip:1001@10.0.0.1", Expires: -1}}, Expires: time.Hour,
			CallID: "x", CSeq: 1, Source: netip.MustParseAddrPort(bad), Transport: "UDP"})
		if !errors.Is(err, ErrBadRequest) {
			t.Fatalf("REGISTER from %s: %v, want ErrBadRequest", bad, err)
		}
	}
	if _, err := reg(1, "a", 30*time.Second, "sip:1001@10.0.0.1"); !errors.Is(err, ErrIntervalTooBrief) {
		t.Fatalf("30s: %v, want ErrIntervalTooBrief", err)
	}
	bs, err := reg(2, "a", 3*time.Hour, "sip:1001@10.0.0.1")
	if err != nil || len(bs) != 1 || !bs[0].Expires.Equal(now.Add(time.Hour)) {
		t.Fatalf("3h is capped to MaxExpires: %v %+v", err, bs)
	}
	if bs, _ := reg(1, "b", time.Hour, "sip:1001@10.0.0.2"); len(bs) != 2 {
		t.Fatalf("a second phone: %d bindings, want 2", len(bs))
	}
	if bs, err := reg(5, "c", time.Hour, "sip:1001@10.0.0.3", "sip:1001@10.0.0.3"); err != nil || len(bs) != 3 {
		t.Fatalf("a contact listed twice in one REGISTER: %v %+v", err, bs)
	}
	if bs, _ := reg(6, "c", 0, "sip:1001@10.0.0.3"); len(bs) != 2 {
		t.Fatalf("unregister the third: %+v", bs)
	}
	if _, err := reg(2, "a", time.Hour, "sip:1001@10.0.0.1"); !errors.Is(err, ErrOutOfOrder) {
		t.Fatalf("replayed CSeq: %v", err)
	}
	if bs, _ := reg(3, "a", 0, "sip:1001@10.0.0.1"); len(bs) != 1 || bs[0].Contact != "sip:1001@10.0.0.2" {
		t.Fatalf("unregister one: %+v", bs)
	}
	if got := r.Lookup("1001"); len(got) != 1 {
		t.Fatalf("lookup: %+v", got)
	}

	// Stored and reloaded by a new registrar (a restart).
	if err := r.flush(ctx); err != nil {
		t.Fatal(err)
	}
	r2, err := New(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := r2.Lookup("1001"); len(got) != 1 || got[0].Source != src {
		t.Fatalf("after restart: %+v", got)
	}
	// Expiry purges.
	now = now.Add(2 * time.Hour)
	if got := r2.Lookup("1001"); len(got) != 0 {
		t.Fatalf("expired binding still found: %+v", got)
	}
	if _, err := r2.Apply(Request{AOR: "1001", Wildcard: true, Expires: 0, CallID: "c", CSeq: 1}); err != nil {
		t.Fatal(err)
	}
	if err := r2.flush(ctx); err != nil {
		t.Fatal(err)
	}
	if regs, _ := st.Registrations(ctx, time.Unix(0, 0)); len(regs) != 0 {
		t.Fatalf("stored after purge: %+v", regs)
	}
	if _, err := r2.Apply(Request{AOR: "1001", Wildcard: true, Expires: time.Hour}); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("wildcard with expires: %v", err)
	}
}
