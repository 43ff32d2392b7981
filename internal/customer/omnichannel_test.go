package customer

import (
	"context"
	"slices"
	"testing"
)

// preChat does what the chat channel does with a pre-chat form: resolve
// the visitor token, then link the email and the phone given.
func preChat(t *testing.T, d *Directory, token, name, email, phone string) Customer {
	t.Helper()
	ctx := context.Background()
	c, err := d.Resolve(ctx, Identity{Chat, token}, name, Verified)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []Identity{{Email, email}, {Phone, phone}} {
		if id.Value == "" {
			continue
		}
		if c, err = d.Link(ctx, c.ID, id, Typed); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// TestPreChatJoinsIdentities: whatever the customer was known by before,
// the email and the phone of a pre-chat form join the visitor to one
// customer, whom a later call from that number (in another notation)
// resolves to, with every earlier interaction on the timeline.
func TestPreChatJoinsIdentities(t *testing.T) {
	tests := []struct {
		name string
		// before: identities seen earlier, each its own customer with one
		// timeline entry (ref = the identity's value).
		before []Identity
		// beforeName names the earlier customers.
		beforeName string
		wantName   string
	}{
		{"nothing known", nil, "", "Alice Martin"},
		{"email known from an email", []Identity{{Email, "alice@example.com"}}, "Alice M.", "Alice M."},
		{"number known from an earlier call", []Identity{{Phone, "+33612345678"}}, "", "Alice Martin"},
		{"email and number known as two customers", []Identity{{Phone, "0612345678"}, {Email, "ALICE@example.com"}}, "", "Alice Martin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			d := newDirectory(t)
			var earlier []int64
			var refs []string
			for _, id := range tt.before {
				c, err := d.Resolve(ctx, id, tt.beforeName, Verified)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := d.Record(ctx, c.ID, Entry{Channel: ChannelNote, Kind: "note", Ref: id.Value, Via: id}); err != nil {
					t.Fatal(err)
				}
				earlier, refs = append(earlier, c.ID), append(refs, id.Value)
			}
			got := preChat(t, d, "tok-alice", "Alice Martin", "Alice@Example.com", "06 12 34 56 78")
			if _, err := d.Record(ctx, got.ID, Entry{Channel: ChannelChat, Kind: "chat", Ref: "chat-1", Via: Identity{Chat, "tok-alice"}}); err != nil {
				t.Fatal(err)
			}
			want := []Identity{{Chat, "tok-alice"}, {Email, "alice@example.com"}, {Phone, "+33612345678"}}
			for _, id := range want {
				if !got.Has(id) {
					t.Errorf("customer %+v lacks %v", got, id)
				}
			}
			if len(got.Identities) != len(want) || got.Name != tt.wantName {
				t.Errorf("customer %+v; want the %d identities, named %q", got, len(want), tt.wantName)
			}
			if len(earlier) > 0 && got.ID != slices.Min(earlier) {
				t.Errorf("survivor %d; want the oldest record %d", got.ID, slices.Min(earlier))
			}
			for _, id := range append(want, Identity{Phone, "sip:+33612345678@trunk.example;user=phone"}, Identity{Email, "Alice Martin <alice@EXAMPLE.com>"}) {
				c, err := d.Resolve(ctx, id, "", Verified)
				if err != nil || c.ID != got.ID {
					t.Errorf("Resolve(%v) = %d, %v; want %d", id, c.ID, err, got.ID)
				}
			}
			for _, id := range earlier {
				if c, err := d.Get(ctx, id); err != nil || c.ID != got.ID {
					t.Errorf("Get(%d) = %d, %v; want the survivor %d", id, c.ID, err, got.ID)
				}
			}
			tl, err := d.Timeline(ctx, got.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			var gotRefs []string
			for _, e := range tl {
				gotRefs = append(gotRefs, e.Ref)
			}
			slices.Reverse(refs)
			if wantRefs := append([]string{"chat-1"}, refs...); !slices.Equal(gotRefs, wantRefs) {
				t.Errorf("timeline refs %q; want %q (newest first)", gotRefs, wantRefs)
			}
			if found, err := d.Search(ctx, "06 12 34 56 78", 0); err != nil || len(found) != 1 || found[0].ID != got.ID {
				t.Errorf("search by number = %+v, %v; want only %d", found, err, got.ID)
			}
		})
	}
}

// TestLinkKeepsOthersApart: a form that gives only an email does not pull
// in the customer of a number nobody gave, and a second visitor giving
// another address stays another customer.
func TestLinkKeepsOthersApart(t *testing.T) {
	ctx := context.Background()
	d := newDirectory(t)
	caller, err := d.Resolve(ctx, Identity{Phone, "0612345678"}, "", Verified)
	if err != nil {
		t.Fatal(err)
	}
	alice := preChat(t, d, "tok-alice", "Alice", "alice@example.com", "")
	bob := preChat(t, d, "tok-bob", "Bob", "bob@example.com", "0698765432")
	if alice.ID == caller.ID || bob.ID == caller.ID || alice.ID == bob.ID {
		t.Fatalf("caller %d, alice %d, bob %d: want three customers", caller.ID, alice.ID, bob.ID)
	}
	if c, err := d.Resolve(ctx, Identity{Phone, "+33698765432"}, "", Verified); err != nil || c.ID != bob.ID {
		t.Fatalf("bob's number resolves to %d, %v; want %d", c.ID, err, bob.ID)
	}
}
