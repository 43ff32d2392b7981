package customer

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
)

func newDirectory(t *testing.T) *Directory {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	d, err := New(st, Config{DefaultCountry: "FR", Now: func() time.Time { clock = clock.Add(time.Second); return clock }})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestResolveNormalisesAndReuses(t *testing.T) {
	ctx := context.Background()
	d := newDirectory(t)
	a, err := d.Resolve(ctx, Identity{Phone, "06 12 34 56 78"}, "", Verified)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Has(Identity{Phone, "+33612345678"}) {
		t.Fatalf("identities %v: want +33612345678", a.Identities)
	}
	b, err := d.Resolve(ctx, Identity{Phone, "+33612345678"}, "Marie Dupont", Verified)
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != a.ID || b.Name != "Marie Dupont" {
		t.Fatalf("second resolve = %+v; want customer %d named by the hint", b, a.ID)
	}
	c, err := d.Resolve(ctx, Identity{Phone, "0612345678"}, "Someone Else", Verified)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Marie Dupont" {
		t.Fatalf("hint renamed a named customer: %q", c.Name)
	}
	for _, bad := range []Identity{{Phone, "not a number"}, {Email, "nope"}, {"fax", "1"}, {Chat, ""}} {
		if _, err := d.Resolve(ctx, bad, "", Verified); err == nil {
			t.Errorf("Resolve(%v) succeeded", bad)
		}
	}
}

func TestLinkMergesMatchingCustomers(t *testing.T) {
	ctx := context.Background()
	d := newDirectory(t)
	mail, err := d.Resolve(ctx, Identity{Email, "Marie <Marie@Example.com>"}, "Marie", Verified)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Record(ctx, mail.ID, Entry{Channel: ChannelEmail, Kind: "email", Summary: "invoice question", Ref: "thread-1"}); err != nil {
		t.Fatal(err)
	}
	chat, err := d.Resolve(ctx, Identity{Chat, "visitor-token"}, "", Verified)
	if err != nil {
		t.Fatal(err)
	}
	if chat.ID == mail.ID {
		t.Fatal("unrelated identities resolved to one customer")
	}
	if _, err := d.Record(ctx, chat.ID, Entry{Channel: ChannelChat, Kind: "chat", Summary: "chat", Ref: "chat-1"}); err != nil {
		t.Fatal(err)
	}
	// The visitor gives the same email in the pre-chat form: one person.
	merged, err := d.Link(ctx, chat.ID, Identity{Email, "marie@example.com"}, Typed)
	if err != nil {
		t.Fatal(err)
	}
	if merged.ID != mail.ID || merged.Name != "Marie" || !merged.Has(Identity{Email, "marie@example.com"}) || !merged.Has(Identity{Chat, "visitor-token"}) {
		t.Fatalf("after link: %+v", merged)
	}
	// Later a call from the number given in the chat.
	if _, err := d.Link(ctx, chat.ID, Identity{Phone, "06 12 34 56 78"}, Typed); err != nil {
		t.Fatal(err)
	}
	caller, err := d.Resolve(ctx, Identity{Phone, "+33612345678"}, "", Verified)
	if err != nil {
		t.Fatal(err)
	}
	if caller.ID != mail.ID {
		t.Fatalf("caller resolved to %d; want %d", caller.ID, mail.ID)
	}
	tl, err := d.Timeline(ctx, caller.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(tl) != 2 || tl[0].Ref != "chat-1" || tl[1].Ref != "thread-1" {
		t.Fatalf("screen pop timeline = %+v; want the chat then the email", tl)
	}
	// The newer id still reaches the survivor.
	old, err := d.Get(ctx, chat.ID)
	if err != nil || old.ID != mail.ID {
		t.Fatalf("Get(merged id) = %+v, %v", old, err)
	}
	// Linking an identity it already owns changes nothing.
	again, err := d.Link(ctx, chat.ID, Identity{Email, "MARIE@example.com"}, Typed)
	if err != nil || again.ID != mail.ID || len(again.Identities) != 3 {
		t.Fatalf("relink = %+v, %v", again, err)
	}
}

func TestMergeAndSplit(t *testing.T) {
	ctx := context.Background()
	d := newDirectory(t)
	a, _ := d.Resolve(ctx, Identity{Phone, "0612345678"}, "Marie", Verified)
	b, _ := d.Resolve(ctx, Identity{Email, "paul@example.com"}, "Paul", Verified)
	if _, err := d.Record(ctx, a.ID, Entry{Channel: ChannelVoice, Kind: "call", Ref: "cdr-1", Via: Identity{Phone, "+33612345678"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Record(ctx, b.ID, Entry{Channel: ChannelEmail, Kind: "email", Ref: "thread-9", Via: Identity{Email, "paul@example.com"}}); err != nil {
		t.Fatal(err)
	}
	m, err := d.Merge(ctx, a.ID, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != a.ID || len(m.Identities) != 2 {
		t.Fatalf("merge = %+v", m)
	}
	if tl, _ := d.Timeline(ctx, a.ID, 0); len(tl) != 2 {
		t.Fatalf("merged timeline has %d entries; want 2", len(tl))
	}
	// The merge was a mistake: split Paul out again with his email.
	p, err := d.Split(ctx, a.ID, []Identity{{Email, "Paul@example.com"}}, "Paul")
	if err != nil {
		t.Fatal(err)
	}
	if p.ID == a.ID || p.Name != "Paul" || len(p.Identities) != 1 {
		t.Fatalf("split = %+v", p)
	}
	if tl, _ := d.Timeline(ctx, p.ID, 0); len(tl) != 1 || tl[0].Ref != "thread-9" {
		t.Fatalf("split timeline = %+v", tl)
	}
	if tl, _ := d.Timeline(ctx, a.ID, 0); len(tl) != 1 || tl[0].Ref != "cdr-1" {
		t.Fatalf("remaining timeline = %+v", tl)
	}
	if got, _ := d.Resolve(ctx, Identity{Email, "paul@example.com"}, "", Verified); got.ID != p.ID {
		t.Fatalf("paul resolves to %d; want %d", got.ID, p.ID)
	}
	if _, err := d.Split(ctx, a.ID, []Identity{{Email, "paul@example.com"}}, ""); err == nil {
		t.Fatal("split of an identity the customer does not own succeeded")
	}
	if _, err := d.Merge(ctx, a.ID, 9999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("merge of unknown customer: %v", err)
	}
}

func TestTimelineNewestFirstAndUpsert(t *testing.T) {
	ctx := context.Background()
	d := newDirectory(t)
	c, _ := d.Resolve(ctx, Identity{Phone, "0612345678"}, "Marie", Verified)
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	entries := []Entry{
		{Channel: ChannelVoice, Kind: "call", At: base, Summary: "call", Ref: "cdr-7", Detail: map[string]string{"ivr_path": "main>support", "recording": "rec/7.wav"}},
		{Channel: ChannelEmail, Kind: "email", At: base.Add(2 * time.Hour), Summary: "email", Ref: "thread-1"},
		{Channel: ChannelCallback, Kind: "callback", At: base.Add(time.Hour), Summary: "callback"},
		{Channel: ChannelNote, Kind: "note", At: base.Add(3 * time.Hour), Summary: "<b>VIP</b>"},
		{Channel: ChannelChat, Kind: "chat", At: base.Add(30 * time.Minute), Summary: "chat v1", Ref: "chat-1"},
	}
	for _, e := range entries {
		if _, err := d.Record(ctx, c.ID, e); err != nil {
			t.Fatal(err)
		}
	}
	// The chat transcript grows: same ref, updated entry.
	if _, err := d.Record(ctx, c.ID, Entry{Channel: ChannelChat, Kind: "chat", At: base.Add(30 * time.Minute), Summary: "chat v2", Ref: "chat-1", Detail: map[string]string{"transcript": "hello"}}); err != nil {
		t.Fatal(err)
	}
	tl, err := d.Timeline(ctx, c.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"<b>VIP</b>", "email", "callback", "chat v2", "call"}
	if len(tl) != len(want) {
		t.Fatalf("timeline has %d entries; want %d", len(tl), len(want))
	}
	for i, w := range want {
		if tl[i].Summary != w {
			t.Errorf("entry %d = %q; want %q", i, tl[i].Summary, w)
		}
	}
	if tl[4].Detail["ivr_path"] != "main>support" || tl[3].Detail["transcript"] != "hello" {
		t.Errorf("details lost: %+v %+v", tl[4].Detail, tl[3].Detail)
	}
	if top, _ := d.Timeline(ctx, c.ID, 2); len(top) != 2 || top[0].Summary != "<b>VIP</b>" {
		t.Fatalf("limited timeline = %+v", top)
	}
	if _, err := d.Record(ctx, c.ID, Entry{Summary: "no channel"}); !errors.Is(err, ErrBadEntry) {
		t.Fatalf("entry without channel: %v", err)
	}
	if _, err := d.Record(ctx, 12345, Entry{Channel: ChannelNote, Kind: "note"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("entry for unknown customer: %v", err)
	}
}

func TestSearch(t *testing.T) {
	ctx := context.Background()
	d := newDirectory(t)
	marie, _ := d.Resolve(ctx, Identity{Phone, "0612345678"}, "Marie Dupont", Verified)
	paul, _ := d.Resolve(ctx, Identity{Email, "paul@example.com"}, "Paul Martin", Verified)
	anon, err := d.Resolve(ctx, Identity{Chat, "tok_1"}, "100% Anonymous", Verified)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, q string
		want    []int64
	}{
		{"name part any case", "dupont", []int64{marie.ID}},
		{"national number", "06 12 34 56 78", []int64{marie.ID}},
		{"e164 fragment", "+3361234", []int64{marie.ID}},
		{"email any case", "PAUL@", []int64{paul.ID}},
		{"like wildcards are literal", "_", []int64{anon.ID}},
		{"percent is literal", "%", []int64{anon.ID}},
		{"no match", "zzz", nil},
		{"empty", "  ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := d.Search(ctx, tt.q, 0)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, c := range got {
				ids = append(ids, c.ID)
			}
			if len(ids) != len(tt.want) {
				t.Fatalf("Search(%q) = %v; want %v", tt.q, ids, tt.want)
			}
			for i := range ids {
				if ids[i] != tt.want[i] {
					t.Fatalf("Search(%q) = %v; want %v", tt.q, ids, tt.want)
				}
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (Config{DefaultCountry: "ZZ"}).Validate(); err == nil {
		t.Fatal("unknown country accepted")
	}
	if err := (Config{}).Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestReadsDoNotWaitForWriters checks that a screen pop reads while another
// subsystem holds the write lock (reads take no write lock).
func TestReadsDoNotWaitForWriters(t *testing.T) {
	ctx := context.Background()
	d := newDirectory(t)
	c, err := d.Resolve(ctx, Identity{Phone, "0612345678"}, "Marie", Verified)
	if err != nil {
		t.Fatal(err)
	}
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- d.st.Update(ctx, func(*store.Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	readCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, terr := d.Timeline(readCtx, c.ID, 10)
	_, serr := d.Search(readCtx, "Marie", 0)
	_, gerr := d.Get(readCtx, c.ID)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if terr != nil || serr != nil || gerr != nil {
		t.Fatalf("reads during a write: timeline %v, search %v, get %v", terr, serr, gerr)
	}
}
