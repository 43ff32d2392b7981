package guard

import (
	"net/netip"
	"testing"
	"time"
)

func TestBanAfterFailuresOnlyThatAddress(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	g := New(Config{MaxFailures: 3, Window: time.Minute, BanFor: 10 * time.Minute, Now: func() time.Time { return now }})
	bad, good := netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.1")
	for i := range 2 {
		if g.Failure(bad) {
			t.Fatalf("banned after %d failures", i+1)
		}
	}
	if !g.Failure(bad) || !g.Banned(bad) {
		t.Fatal("not banned after 3 failures")
	}
	if g.Banned(good) {
		t.Fatal("another address is banned too")
	}
	now = now.Add(11 * time.Minute)
	if g.Banned(bad) {
		t.Fatal("still banned after BanFor")
	}
	// Failures spread wider than the window do not add up.
	for range 5 {
		g.Failure(good)
		now = now.Add(40 * time.Second)
	}
	if g.Banned(good) {
		t.Fatal("failures outside the window banned an address")
	}
}

func TestScanner(t *testing.T) {
	g := New(Config{})
	for ua, want := range map[string]bool{"friendly-scanner": true, "SIPVicious 0.3": true, "Yealink SIP-T46S": false, "": false, "baresip v1.0.0": false} {
		if got := g.Scanner(ua); got != want {
			t.Errorf("Scanner(%q) = %v, want %v", ua, got, want)
		}
	}
}
