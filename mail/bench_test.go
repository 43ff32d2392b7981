package mail

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/peertest"
	"github.com/switchboard-cc/switchboard/mail/parse"
	"github.com/switchboard-cc/switchboard/mail/sanitize"
)

// tenKB returns a 10 KB plain message numbered i.
func tenKB(i int) []byte {
	line := strings.Repeat("0123456789abcdef", 4) + "\r\n"
	return email(fmt.Sprintf("c%d@customer.test", i), fmt.Sprintf("bench-%d@customer.test", i), fmt.Sprintf("bench %d", i), "", strings.Repeat(line, 150))
}

// BenchmarkParse10KB is the baseline: MIME parsing alone of a 10 KB
// message, the CPU part of ingesting it.
func BenchmarkParse10KB(b *testing.B) {
	raw := tenKB(0)
	opts := parse.Options{Policy: sanitize.New()}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		parse.Parse(raw, opts)
	}
}

// BenchmarkIngestDovecot measures the ingest rate from a real Dovecot: each
// iteration delivers 500 messages of 10 KB into the Maildir and waits until
// the running Service has committed, flagged and routed them all. It
// reports msgs/s (target ≥ 200).
func BenchmarkIngestDovecot(b *testing.B) {
	const batch = 500
	d := peertest.StartDovecot(b)
	rec := newRecorder()
	go func() {
		for range rec.items {
		}
	}()
	run := startService(b, b.TempDir(), d.URL(), "", rec, false)
	b.Cleanup(func() { run.stop(); close(rec.items) })
	b.ReportAllocs()
	var n int
	var elapsed time.Duration
	for b.Loop() {
		start := time.Now()
		for range batch {
			d.Deliver(b, tenKB(n))
			n++
		}
		deadline := time.Now().Add(2 * time.Minute)
		for run.svc.Status()[0].Ingested < int64(n) {
			if time.Now().After(deadline) {
				b.Fatalf("ingested %d of %d within 2 minutes", run.svc.Status()[0].Ingested, n)
			}
			time.Sleep(time.Millisecond)
		}
		elapsed += time.Since(start)
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "msgs/s")
}
