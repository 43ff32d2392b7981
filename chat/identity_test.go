package chat

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/customer"
)

// TestPreChatTypedEmailIsUnconfirmed: a visitor types in the pre-chat form
// the address of a customer known from their emails. The chat still joins
// that customer (one person, one record), but the agent's view of the chat
// shows the address unverified and the emails reached through it
// unconfirmed; the visitor's token and the chat itself stay verified.
func TestPreChatTypedEmailIsUnconfirmed(t *testing.T) {
	r := newRig(t, nil)
	ctx := context.Background()
	email := customer.Identity{Kind: customer.Email, Value: "marie@example.com"}
	mailer, err := r.dir.Resolve(ctx, email, "Marie", customer.Verified)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.dir.Record(ctx, mailer.ID, customer.Entry{Channel: customer.ChannelEmail, Kind: "email", Summary: "invoice", Ref: "thread-1", At: time.Now().Add(-time.Hour), Via: email}); err != nil {
		t.Fatal(err)
	}
	a, _ := r.agent("alice")
	_, token, chatID := r.activeChat(a, "Someone", "Marie@Example.com", "06 12 34 56 78")
	var d ChatDetail
	if code := r.getJSON("/agent/chat/chats/"+chatID, "alice", &d); code != 200 {
		t.Fatalf("detail: %d", code)
	}
	if d.Customer.ID != mailer.ID {
		t.Fatalf("chat joined customer %d; want the mailer %d", d.Customer.ID, mailer.ID)
	}
	want := map[customer.Identity]bool{
		{Kind: customer.Chat, Value: token}: true,
		email:                               false,
		{Kind: customer.Phone, Value: "+33612345678"}: false,
	}
	for _, k := range d.Customer.Identities {
		if v, ok := want[k.Identity]; !ok || v != k.Verified {
			t.Errorf("identity %v verified %v; want %v (listed %v)", k.Identity, k.Verified, v, ok)
		}
		delete(want, k.Identity)
	}
	if len(want) != 0 {
		t.Errorf("identities missing: %v", want)
	}
	seen := false
	for _, e := range d.Timeline {
		seen = seen || e.Ref == "thread-1"
		if e.Unconfirmed != (e.Ref == "thread-1") {
			t.Errorf("timeline entry %s (%s): unconfirmed %v; want only the email", e.Ref, e.Channel, e.Unconfirmed)
		}
	}
	if !seen {
		t.Errorf("timeline %+v lacks the email", d.Timeline)
	}
}
