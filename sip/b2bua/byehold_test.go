package b2bua

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// answerTx is a server transaction that keeps the response sent.
type answerTx struct {
	sip.ServerTransaction
	sent []*sip.Response
}

func (a *answerTx) Respond(res *sip.Response) error {
	a.sent = append(a.sent, res)
	return nil
}

// TestByeAnsweredWhenStoreFails: a call whose CDR cannot be written (the
// store is closed) still releases its BYE's answer, held until then: the
// error is logged and the phone gets its 200.
func TestByeAnsweredWhenStoreFails(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := &call{b: &B2BUA{log: log, deps: Deps{Store: st}}, committed: make(chan struct{})}
	bye := sip.NewRequest(sip.BYE, sip.Uri{Scheme: "sip", User: "1001", Host: "127.0.0.1"})
	bye.AppendHeader(sip.NewHeader("Call-ID", "store-fails"))
	tx := &answerTx{}
	held := &heldTx{ServerTransaction: tx}
	held.Respond(sip.NewResponseFromRequest(bye, 200, "OK", nil))
	if len(tx.sent) != 0 {
		t.Fatal("BYE answered before the call's end")
	}
	c.finish()
	select {
	case <-c.committed:
	default:
		t.Fatal("the call's end did not close committed when the store failed: its BYE would wait byeHold")
	}
	held.release(log, c.committed)
	if len(tx.sent) != 1 || tx.sent[0].StatusCode != 200 {
		t.Fatalf("BYE answers %v", tx.sent)
	}
}
