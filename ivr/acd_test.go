package ivr

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// TestDistributorLive answers a flow's questions from a real distributor
// and customer directory, and commits callback requests as callback work
// items.
func TestDistributorLive(t *testing.T) {
	ctx := t.Context()
	st, d, dir := liveFixture(t)
	live := DistributorLive(d, dir, nil)

	if n, err := live.AgentsAvailable(ctx, "support", "voice"); err != nil || n != 0 {
		t.Fatalf("available before login = %d, %v", n, err)
	}
	if err := d.SetPresence(ctx, "alice", acd.Presence{State: acd.Available}); err != nil {
		t.Fatal(err)
	}
	if n, err := live.AgentsAvailable(ctx, "support", "chat"); err != nil || n != 1 {
		t.Fatalf("available after login = %d, %v", n, err)
	}
	if w, err := live.ExpectedWait(ctx, "support", "voice"); err != nil || w != 0 {
		t.Fatalf("expected wait with a free agent = %s, %v", w, err)
	}
	for _, tc := range []struct{ name, queue, channel, want string }{
		{"unknown queue", "nope", "voice", `queue "nope": no such queue`},
		{"unknown channel", "support", "fax", `channel "fax": unknown`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := live.ExpectedWait(ctx, tc.queue, tc.channel); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v; want %q", err, tc.want)
			}
		})
	}

	if _, err := dir.Resolve(ctx, customer.Identity{Kind: customer.Phone, Value: "+33612345678"}, "Carol", customer.Verified); err != nil {
		t.Fatal(err)
	}
	for from, want := range map[string]bool{"0612345678": true, "+33612345678": true, "0699999999": false, "carol@example.com": false, "not a number": false} {
		if got, err := live.KnownCaller(ctx, from); err != nil || got != want {
			t.Errorf("KnownCaller(%q) = %v, %v; want %v", from, got, err, want)
		}
	}

	id, err := live.Submit(ctx, Item{Channel: "callback", Queue: "support", Number: "0612345678", Window: "14:00-16:00",
		Context: Context{Flow: "main", Face: Web, Intent: "billing", Digits: map[string]string{"account": "42"}}})
	if err != nil {
		t.Fatal(err)
	}
	items, err := st.ACDItems(ctx)
	if err != nil || len(items) != 1 {
		t.Fatalf("stored items = %v, %v", items, err)
	}
	got := items[0]
	if got.ID != id || got.Channel != "callback" || got.Queue != "support" || got.Customer == 0 ||
		got.Context["number"] != "0612345678" || got.Context["window"] != "14:00-16:00" || got.Context["digits.account"] != "42" || got.Context["name"] != "" {
		t.Fatalf("stored item %+v", got)
	}
	if _, err := live.Submit(ctx, Item{Channel: "email", Queue: "support", Email: "a@example.com", Message: "hi"}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("email form: err = %v; want ErrUnsupported", err)
	}
	mail := &webMail{}
	withMail := DistributorLive(d, dir, mail)
	if _, err := withMail.Submit(ctx, Item{Channel: "email", Queue: "support", Email: "a@example.com", Name: "Ann", Message: "hi",
		Context: Context{Intent: "billing"}}); err != nil || mail.got != "support|a@example.com|Ann|Contact page: billing|hi" {
		t.Fatalf("email form with a mailbox: %v, mail got %q", err, mail.got)
	}
	if _, err := live.Submit(ctx, Item{Channel: "callback", Queue: "nope", Number: "0612345678"}); !errors.Is(err, acd.ErrNoQueue) {
		t.Fatalf("unknown queue: err = %v", err)
	}
}

// webMail records the web message it is given.
type webMail struct{ got string }

func (m *webMail) Submit(_ context.Context, queue, addr, name, subject, body string) (string, error) {
	m.got = strings.Join([]string{queue, addr, name, subject, body}, "|")
	return "<web-1@test>", nil
}

// liveFixture is a store with a distributor (queue support, member alice)
// and a customer directory on it.
func liveFixture(t *testing.T) (*store.Store, *acd.Distributor, *customer.Directory) {
	t.Helper()
	st := openStore(t)
	d := acd.New(acd.Config{Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	d.SetConfig([]config.Queue{{Name: "support", Members: []string{"alice"}}}, []config.Agent{{Name: "alice"}})
	dir, err := customer.New(st, customer.Config{DefaultCountry: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	return st, d, dir
}
