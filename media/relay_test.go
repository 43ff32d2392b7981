package media

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"
)

// bridgedPair returns two sessions of an engine with the given inactivity
// timeout, each set up toward a test phone (b's phone in direction dir).
func bridgedPair(t *testing.T, inactivity time.Duration, dir string) (a, b *Session, pa, pb *testPhone) {
	t.Helper()
	e := newTestEngine(t, inactivity)
	a, _ = e.NewSession()
	t.Cleanup(func() { a.Close() })
	b, _ = e.NewSession()
	t.Cleanup(func() { b.Close() })
	pa, pb = newTestPhone(t), newTestPhone(t)
	offer, _ := ParseSDP(sdpBody(pa.port(), "", "0"))
	if _, err := a.Answer(offer, netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Fatal(err)
	}
	ans, _ := ParseSDP(sdpBody(pb.port(), dir, "0"))
	if err := b.SetRemote(ans); err != nil {
		t.Fatal(err)
	}
	return a, b, pa, pb
}

// TestBridgeEndsAtCancelWithoutTimeout checks that a relay blocked in a
// read with no deadline at all (inactivity disabled) still ends when its
// context does: cancellation wakes the read instead of a polling clock.
func TestBridgeEndsAtCancelWithoutTimeout(t *testing.T) {
	a, b, pa, pb := bridgedPair(t, -1, "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Bridge(ctx, a, b) }()
	// One packet through proves both relays are reading.
	pa.send(t, a.LocalPort(), 0, 1, make([]byte, 160))
	pb.recv(t)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Bridge = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Bridge still running 10 s after its context ended")
	}
}

// TestBridgeResumedCallEndsOnInactivity checks that the inactivity clock
// restarts while a call is held, and runs again once it is resumed.
func TestBridgeResumedCallEndsOnInactivity(t *testing.T) {
	a, b, _, pb := bridgedPair(t, 200*time.Millisecond, "recvonly")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Bridge(ctx, a, b) }()
	// Held for longer than the timeout: the bridge stays up.
	select {
	case err := <-done:
		t.Fatalf("held Bridge ended: %v", err)
	case <-time.After(600 * time.Millisecond):
	}
	resumed, _ := ParseSDP(sdpBody(pb.port(), "", "0"))
	if err := b.SetRemote(resumed); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrInactive) {
		t.Fatalf("resumed Bridge = %v, want ErrInactive", err)
	}
}
