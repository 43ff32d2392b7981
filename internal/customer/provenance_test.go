package customer

import (
	"context"
	"errors"
	"testing"
)

// verifiedOf returns whether c has id and whether it is verified.
func verifiedOf(c Customer, id Identity) (has, verified bool) {
	for _, k := range c.Identities {
		if k.Identity == id {
			return true, k.Verified
		}
	}
	return false, false
}

// TestTypedIdentityLinksUnconfirmed: a pre-chat email that matches a
// customer known by email joins the visitor to them, but the address is
// unconfirmed and so is the history that came through it, until the
// customer writes from it again; a typed number is confirmed by a call
// from it, and an agent confirms by hand.
func TestTypedIdentityLinksUnconfirmed(t *testing.T) {
	ctx := context.Background()
	d := newDirectory(t)
	email := Identity{Email, "marie@example.com"}
	marie, err := d.Resolve(ctx, email, "Marie", Verified)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Record(ctx, marie.ID, Entry{Channel: ChannelEmail, Kind: "email", Ref: "mail:1", Via: email}); err != nil {
		t.Fatal(err)
	}
	if has, ok := verifiedOf(marie, email); !has || !ok {
		t.Fatalf("%+v: want the sender's address verified", marie.Identities)
	}

	c := preChat(t, d, "tok-x", "Not Marie", "Marie@Example.com", "06 12 34 56 78")
	if c.ID != marie.ID {
		t.Fatalf("pre-chat joined customer %d; want %d (one customer)", c.ID, marie.ID)
	}
	phone := Identity{Phone, "+33612345678"}
	for _, tt := range []struct {
		id   Identity
		want bool
	}{{Identity{Chat, "tok-x"}, true}, {email, false}, {phone, false}} {
		if has, ok := verifiedOf(c, tt.id); !has || ok != tt.want {
			t.Errorf("%v: has %v, verified %v; want verified %v", tt.id, has, ok, tt.want)
		}
	}
	if _, err := d.Record(ctx, c.ID, Entry{Channel: ChannelChat, Kind: "chat", Ref: "chat-1", Via: Identity{Chat, "tok-x"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Record(ctx, c.ID, Entry{Channel: ChannelNote, Kind: "note", Ref: "note-1"}); err != nil {
		t.Fatal(err)
	}
	unconfirmed := func() map[string]bool {
		t.Helper()
		tl, err := d.Timeline(ctx, c.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]bool{}
		for _, e := range tl {
			m[e.Ref] = e.Unconfirmed
		}
		return m
	}
	if got := unconfirmed(); !got["mail:1"] || got["chat-1"] || got["note-1"] {
		t.Fatalf("unconfirmed entries %v; want only mail:1, reached through the typed address", got)
	}

	if c, err = d.Resolve(ctx, Identity{Email, "Marie <marie@example.com>"}, "", Verified); err != nil {
		t.Fatal(err)
	}
	if _, ok := verifiedOf(c, email); !ok {
		t.Fatal("an email from the address did not confirm it")
	}
	if got := unconfirmed(); got["mail:1"] {
		t.Fatalf("unconfirmed entries %v after the address was confirmed", got)
	}
	if c, err = d.Resolve(ctx, Identity{Phone, "0612345678"}, "", Typed); err != nil {
		t.Fatal(err)
	}
	if _, ok := verifiedOf(c, phone); ok {
		t.Fatal("a typed number confirmed itself")
	}
	if c, err = d.Confirm(ctx, c.ID, Identity{Phone, "06 12 34 56 78"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := verifiedOf(c, phone); !ok {
		t.Fatal("Confirm left the number unverified")
	}
	other, err := d.Resolve(ctx, Identity{Email, "paul@example.com"}, "Paul", Typed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Confirm(ctx, c.ID, Identity{Email, "paul@example.com"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("confirming another customer's identity: %v; want ErrNotFound", err)
	}
	if _, err := d.Confirm(ctx, other.ID, Identity{Email, "not an address"}); !errors.Is(err, ErrBadEmail) {
		t.Fatalf("confirming a bad address: %v; want ErrBadEmail", err)
	}
}

// TestMergeAndSplitKeepVerified: a manual merge and split move identities
// with their state.
func TestMergeAndSplitKeepVerified(t *testing.T) {
	ctx := context.Background()
	d := newDirectory(t)
	typed := Identity{Email, "a@example.com"}
	a, err := d.Resolve(ctx, typed, "A", Typed)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Resolve(ctx, Identity{Phone, "+33612345678"}, "B", Verified)
	if err != nil {
		t.Fatal(err)
	}
	m, err := d.Merge(ctx, b.ID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := verifiedOf(m, typed); ok {
		t.Fatal("merge confirmed the typed address")
	}
	s, err := d.Split(ctx, m.ID, []Identity{typed}, "A")
	if err != nil {
		t.Fatal(err)
	}
	if has, ok := verifiedOf(s, typed); !has || ok {
		t.Fatalf("split: %+v; want the address, unverified", s.Identities)
	}
	rest, err := d.Get(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := verifiedOf(rest, Identity{Phone, "+33612345678"}); !ok {
		t.Fatal("split: the number lost its verification")
	}
}
