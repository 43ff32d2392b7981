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

// TestRefreshWrittenLazily: a refresh that only moves the expiry forward
// a little is not written; one that lags too far, shortens the interval
// or changes the contact's source is.
func TestRefreshWrittenLazily(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenFile(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Unix(1_800_000_000, 0)
	now := start
	r, err := New(ctx, st, Config{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	cseq := uint32(0)
	reg := func(after, expires time.Duration, source string) {
		t.Helper()
		now, cseq = start.Add(after), cseq+1
		if _, err := r.Apply(Request{AOR: "1001", Contacts: []Update{{Contact: "sip:1001@10.0.0.1", Expires: -1}}, Expires: expires,
			CallID: "a", CSeq: cseq, Source: netip.MustParseAddrPort(source), Transport: "UDP"}); err != nil {
			t.Fatal(err)
		}
		if err := r.flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	stored := func() time.Time {
		t.Helper()
		regs, err := st.Registrations(ctx, start)
		if err != nil || len(regs) != 1 {
			t.Fatalf("stored: %v %+v", err, regs)
		}
		return regs[0].ExpiresAt
	}
	steps := []struct {
		name           string
		after, expires time.Duration
		source         string
		want           time.Duration // stored expiry after start
	}{
		{"first registration", 0, time.Hour, "127.0.0.1:5062", time.Hour},
		{"refresh 10 s later", 10 * time.Second, time.Hour, "127.0.0.1:5062", time.Hour},
		{"refresh 59 s after the stored one", 59 * time.Second, time.Hour, "127.0.0.1:5062", time.Hour},
		{"refresh a minute after the stored one", 61 * time.Second, time.Hour, "127.0.0.1:5062", time.Hour + 61*time.Second},
		{"shorter interval", 62 * time.Second, 2 * time.Minute, "127.0.0.1:5062", 182 * time.Second},
		{"refresh lagging less than a quarter of the interval", 91 * time.Second, 2 * time.Minute, "127.0.0.1:5062", 182 * time.Second},
		{"refresh lagging a quarter of the interval", 92 * time.Second, 2 * time.Minute, "127.0.0.1:5062", 212 * time.Second},
		{"new source", 93 * time.Second, 2 * time.Minute, "127.0.0.1:5064", 213 * time.Second},
	}
	for _, s := range steps {
		reg(s.after, s.expires, s.source)
		if got := stored().Sub(start); got != s.want {
			t.Fatalf("%s: stored expiry %v after start, want %v", s.name, got, s.want)
		}
	}
}
