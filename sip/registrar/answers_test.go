package registrar

import (
	"net/netip"
	"testing"
	"time"
)

// TestAnswers: an answer is found only by its own transaction, kept for at
// least the window and dropped after two.
func TestAnswers(t *testing.T) {
	start := time.Unix(1_800_000_000, 0)
	a := NewAnswers[uint8](32*time.Second, start)
	tx := Transaction{Branch: "z9hG4bK-1", Source: netip.MustParseAddrPort("192.0.2.7:5060"), CallID: "c1", CSeq: 2}
	a.Put(tx, 7, start.Add(31*time.Second))
	others := map[string]Transaction{
		"branch": {Branch: "z9hG4bK-2", Source: tx.Source, CallID: tx.CallID, CSeq: tx.CSeq},
		"port":   {Branch: tx.Branch, Source: netip.MustParseAddrPort("192.0.2.7:5061"), CallID: tx.CallID, CSeq: tx.CSeq},
		"call":   {Branch: tx.Branch, Source: tx.Source, CallID: "c2", CSeq: tx.CSeq},
		"cseq":   {Branch: tx.Branch, Source: tx.Source, CallID: tx.CallID, CSeq: 3},
	}
	for name, o := range others {
		if _, ok := a.Get(o, start.Add(31*time.Second)); ok {
			t.Fatalf("another %s found the answer", name)
		}
	}
	for _, at := range []time.Duration{31 * time.Second, 40 * time.Second, 63 * time.Second} {
		if got, ok := a.Get(tx, start.Add(at)); !ok || got != 7 {
			t.Fatalf("at %v: Get = %d, %v; want 7, true", at, got, ok)
		}
	}
	if _, ok := a.Get(tx, start.Add(97*time.Second)); ok || a.Len() != 0 {
		t.Fatalf("answer kept after two windows (%d kept)", a.Len())
	}
}

// BenchmarkAnswers is a retransmission check and a record, as every
// REGISTER over UDP does.
func BenchmarkAnswers(b *testing.B) {
	start := time.Unix(1_800_000_000, 0)
	a := NewAnswers[uint8](4*time.Second, start)
	tx := Transaction{Branch: "z9hG4bK-2599-6190-0", Source: netip.MustParseAddrPort("127.0.0.1:31785"), CallID: "6190-2599@127.0.0.1", CSeq: 1}
	b.ReportAllocs()
	for b.Loop() {
		tx.CSeq++
		now := start.Add(time.Duration(tx.CSeq) * 100 * time.Microsecond)
		if _, ok := a.Get(tx, now); ok {
			b.Fatal("unseen transaction found")
		}
		a.Put(tx, 1, now)
	}
}
