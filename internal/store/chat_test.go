package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// openChats returns a store, closed with tb, holding an active chat
// session of each id.
func openChats(tb testing.TB, ids ...string) *Store {
	tb.Helper()
	st, err := Open(context.Background(), tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	for _, id := range ids {
		if err := st.CreateChatSession(context.Background(), ChatSession{ID: id, Widget: "w", Queue: "q", VisitorToken: "t" + id, State: "active", CreatedAt: time.Now()}); err != nil {
			tb.Fatal(err)
		}
	}
	return st
}

func TestChatWriter(t *testing.T) {
	ctx := t.Context()
	st := openChats(t, "s1")
	w, err := st.ChatWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	msg := func(cid, body string) NewChatMessage {
		return NewChatMessage{Session: "s1", Message: ChatMessage{Sender: "visitor", Body: body, At: time.UnixMilli(1000), ClientID: cid}}
	}
	for round := range 2 { // the second round's statement is the connection's prepared one
		added, err := w.Add(ctx, []NewChatMessage{msg(fmt.Sprint("a", round), "one"), msg(fmt.Sprint("b", round), "two")})
		if err != nil {
			t.Fatal(err)
		}
		if added[0].Message.Seq != int64(2*round+1) || added[1].Message.Seq != int64(2*round+2) || added[0].Dup || added[1].Dup {
			t.Fatalf("round %d: added %+v; want seq %d and %d, not dups", round, added, 2*round+1, 2*round+2)
		}
	}
	added, err := w.Add(ctx, []NewChatMessage{msg("a0", "resent"), msg("c", "three")})
	if err != nil {
		t.Fatal(err)
	}
	if !added[0].Dup || added[0].Message.Seq != 1 || added[0].Message.Body != "one" || added[1].Dup || added[1].Message.Seq != 5 {
		t.Fatalf("resend then new = %+v; want the stored seq 1 \"one\" as a dup, then seq 5", added)
	}
	if err := w.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := st.ChatMessages(ctx, "s1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("stored %d messages; want 5", len(got))
	}
	var n int
	if err := st.db.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&n); err != nil || n != 1000 {
		t.Fatalf("a pooled connection after Close checkpoints at %d pages (%v); want 1000", n, err)
	}
}

// BenchmarkChatWriter commits chat messages of 1,000 open sessions in
// batches of 1 to 64, through the chat server's ChatWriter and through
// Store.AddChatMessages (its baseline: a pooled connection, the statement
// prepared in each transaction, checkpoints in the commits); ns/op is one
// message.
func BenchmarkChatWriter(b *testing.B) {
	ctx := context.Background()
	const sessions = 1000
	ids := make([]string, sessions)
	for i := range ids {
		ids[i] = fmt.Sprintf("%032x", i)
	}
	st := openChats(b, ids...)
	w, err := st.ChatWriter(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	adds := map[string]func(context.Context, []NewChatMessage) ([]AddedChatMessage, error){
		"writer": w.Add, "store": st.AddChatMessages,
	}
	n := 0
	for _, name := range []string{"store", "writer"} {
		for _, size := range []int{1, 4, 16, 64} {
			b.Run(fmt.Sprintf("%s/batch=%d", name, size), func(b *testing.B) {
				b.ReportAllocs()
				batch := make([]NewChatMessage, size)
				for b.Loop() {
					for i := range batch {
						n++
						batch[i] = NewChatMessage{Session: ids[n*7919%sessions], Message: ChatMessage{Sender: "visitor", Body: "hello from the benchmark", At: time.Now(), ClientID: fmt.Sprint(n)}}
					}
					if _, err := adds[name](ctx, batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*size), "ns/msg")
			})
		}
	}
}
