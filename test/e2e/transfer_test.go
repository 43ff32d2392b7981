package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd/stats"
	"github.com/switchboard-cc/switchboard/internal/peertest"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// transferYAML: a customer's desk phone (a Luxembourg number, so that the
// customer directory files the calls under +352612345), agent ann in
// support on 700, agent cat in sales on 701, and bob's plain extension.
const transferYAML = `
settings: {country: LU}
extensions:
  - {number: "612345", password: customer-pass1}
  - {number: "2001", password: agent-pass1}
  - {number: "2002", password: agent-pass2}
  - {number: "2003", password: agent-pass3}
  - {number: "2009", password: super-pass9}
agents:
  - {name: ann, extension: "2001"}
  - {name: cat, extension: "2003"}
queues:
  - {name: support, members: [ann], wrap_up: 0s}
  - {name: sales, members: [cat], wrap_up: 0s}
flows:
  - name: to-support
    number: "700"
    start: q
    nodes:
      q: {type: queue, queue: support}
  - name: to-sales
    number: "701"
    start: q
    nodes:
      q: {type: queue, queue: sales}
`

// transferDesk is a running appliance with the customer's phone (440 Hz)
// on a call answered by ann (1000 Hz) in support.
type transferDesk struct {
	srv       *server
	data      string
	customer  *peertest.Baresip
	ann       *peertest.Baresip
	ext, port string
}

// startTransferDesk starts the appliance with transferYAML and extra
// configuration, and the customer's and ann's phones, logs ann in and has
// the customer call support (700) until ann's phone answered.
func startTransferDesk(t *testing.T, extra ...string) *transferDesk {
	t.Helper()
	peertest.Binary(t, "baresip")
	data := t.TempDir()
	importConfig(t, data, transferYAML+strings.Join(extra, ""))
	srv := startServer(t, nil, binPath, data)
	d := &transferDesk{srv: srv, data: data, port: fmt.Sprint(srv.sipPort)}
	d.customer = peertest.StartBaresip(t, "612345", "customer-pass1", srv.sipPort, 440)
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := cli(t, binPath, "--data", data, "cdr", "export", "--csv")
			t.Logf("server:\n%s\nCDRs:\n%s\ncustomer's phone:\n%s", srv.output(), out, d.customer.Log())
		}
	})
	d.ann = peertest.StartBaresip(t, "2001", "agent-pass1", srv.sipPort, 1000)
	d.customer.WaitRegistered()
	d.ann.WaitRegistered()
	if out := mustCLI(t, "--data", data, "agent", "login", "ann", "--wait", "5s"); !strings.Contains(out, "applied by the running server") {
		t.Fatalf("ann's login not applied:\n%s", out)
	}
	d.customer.Command("dial", d.uri("700"))
	d.ann.WaitFor("ann answering the customer", 15*time.Second, peertest.EventType("CALL_ESTABLISHED"))
	return d
}

func (d *transferDesk) uri(number string) string { return "sip:" + number + "@127.0.0.1:" + d.port }

// phone starts and registers another desk phone.
func (d *transferDesk) phone(t *testing.T, ext, password string, freq int) *peertest.Baresip {
	t.Helper()
	p := peertest.StartBaresip(t, ext, password, d.srv.sipPort, freq)
	p.WaitRegistered()
	return p
}

// hangUp ends the customer's call and waits for other's phone to close it.
func (d *transferDesk) hangUp(t *testing.T, other *peertest.Baresip) {
	t.Helper()
	d.customer.Command("hangup", "")
	other.WaitFor("the end of the call", 15*time.Second, peertest.EventType("CALL_CLOSED"))
	d.customer.WaitFor("the end of the call", 15*time.Second, peertest.EventType("CALL_CLOSED"))
}

// customerHeard checks the customer's phone, on one call all along, heard
// want Hz in the last seconds of the call.
func (d *transferDesk) customerHeard(t *testing.T, want, other float64) {
	t.Helper()
	heard := d.customer.Heard()
	checkHeardTone(t, d.srv, "the customer", heard[max(0, len(heard)-20000):max(0, len(heard)-4000)], want, other)
}

// annFree waits until the distributor's snapshot shows support holding
// nothing and ann available again.
func (d *transferDesk) annFree(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		out := mustCLI(t, "--data", d.data, "queue", "status")
		for _, l := range strings.Split(out, "\n") {
			f := strings.Fields(l)
			if len(f) >= 11 && f[0] == "support" && f[3] == "0" && f[len(f)-1] == "1" {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("support still holds ann's call after the transfer:\n%s\nserver:\n%s", out, d.srv.output())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// transferCDRs returns the closed CDRs of the customer's call, oldest
// first, once there are n.
func transferCDRs(t *testing.T, srv *server, data string, n int) []map[string]string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var got []map[string]string
		for _, r := range cdrs(t, data) {
			if r["caller"] == "612345" && r["ended_at"] != "" {
				got = append([]map[string]string{r}, got...)
			}
		}
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d closed CDRs of the customer's call, want %d: %v\nserver:\n%s", len(got), n, got, srv.output())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// timeline returns the summaries of the customer's timeline, newest first.
func timeline(t *testing.T, data string) []string {
	t.Helper()
	st, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	found, err := st.SearchCustomers(context.Background(), "", []string{"+352612345"}, 10)
	if err != nil || len(found) == 0 {
		t.Fatalf("no customer +352612345: %v", err)
	}
	entries, err := st.CustomerTimeline(context.Background(), found[0].ID, 20)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Summary)
	}
	return out
}

// TestTransferToExtension: the customer calls support, ann answers and
// presses Transfer on her phone to 2002 (baresip's blind transfer, REFER);
// bob's phone rings and answers, the customer (still on its one call) and
// bob hear each other, ann's phone hangs up and the distributor frees her
// at once; the CDRs end ann's part at the transfer and go on with bob, and
// the customer's timeline says ann transferred the call to 2002.
func TestTransferToExtension(t *testing.T) {
	d := startTransferDesk(t)
	bob := d.phone(t, "2002", "agent-pass2", 1500)
	d.ann.Command("transfer", d.uri("2002"))
	bob.WaitFor("bob answering the transferred call", 15*time.Second, peertest.EventType("CALL_ESTABLISHED"))
	d.ann.WaitFor("ann's phone hanging up after the transfer", 15*time.Second, peertest.EventType("CALL_CLOSED"))
	d.annFree(t)
	time.Sleep(3 * time.Second) // let audio flow both ways
	d.hangUp(t, bob)

	d.customerHeard(t, 1500, 440)
	heardBob := bob.Heard()
	checkHeardTone(t, d.srv, "bob", heardBob[min(4000, len(heardBob)):], 440, 1500)

	recs := transferCDRs(t, d.srv, d.data, 2)
	ann, rest := recs[0], recs[1]
	if ann["callee"] != "2001" || ann["queue"] != "support" || ann["transferred_by"] != "2001" || ann["transferred_to"] != "2002" {
		t.Errorf("ann's CDR: callee %q queue %q transferred by %q to %q, want 2001 in support transferred by 2001 to 2002",
			ann["callee"], ann["queue"], ann["transferred_by"], ann["transferred_to"])
	}
	if rest["callee"] != "2002" || rest["transferred_from"] != ann["id"] || rest["transferred_by"] != "2001" || rest["disposition"] != "answered" {
		t.Errorf("the transferred call's CDR: callee %q from %q by %q disposition %q, want 2002 from %s by 2001 answered",
			rest["callee"], rest["transferred_from"], rest["transferred_by"], rest["disposition"], ann["id"])
	}
	if tl := timeline(t, d.data); len(tl) == 0 || tl[0] != "Call to support: transferred to 2002 by ann" {
		t.Errorf("customer timeline %q, want the call transferred to 2002 by ann", tl)
	}
}

// TestTransferToQueue: ann transfers the customer to sales' number (701):
// the customer waits in sales like any caller, cat's phone rings and
// answers, and they hear each other; ann is freed at once; the event log
// shows the customer entering sales and cat accepting; the second CDR
// names sales.
func TestTransferToQueue(t *testing.T) {
	d := startTransferDesk(t)
	cat := d.phone(t, "2003", "agent-pass3", 1500)
	if out := mustCLI(t, "--data", d.data, "agent", "login", "cat", "--wait", "5s"); !strings.Contains(out, "applied by the running server") {
		t.Fatalf("cat's login not applied:\n%s", out)
	}
	d.ann.Command("transfer", d.uri("701"))
	d.ann.WaitFor("ann's phone hanging up after the transfer", 15*time.Second, peertest.EventType("CALL_CLOSED"))
	cat.WaitFor("cat answering the transferred call", 15*time.Second, peertest.EventType("CALL_ESTABLISHED"))
	d.annFree(t)
	time.Sleep(3 * time.Second)
	d.hangUp(t, cat)

	d.customerHeard(t, 1500, 440)
	recs := transferCDRs(t, d.srv, d.data, 2)
	if recs[0]["transferred_to"] != "701" || recs[1]["queue"] != "sales" || recs[1]["callee"] != "2003" || recs[1]["transferred_from"] != recs[0]["id"] {
		t.Errorf("CDRs: first transferred to %q; second queue %q callee %q from %q (first %s), want 701, then sales answered by 2003",
			recs[0]["transferred_to"], recs[1]["queue"], recs[1]["callee"], recs[1]["transferred_from"], recs[0]["id"])
	}
	var path []string
	for _, e := range acdEvents(t, d.data, 6) {
		if e.Kind == stats.Entered || e.Kind == stats.Accepted || e.Kind == stats.Completed {
			path = append(path, string(e.Kind)+" "+e.Queue+" "+e.Agent)
		}
	}
	want := []string{"entered support ", "accepted support ann", "completed support ann", "entered sales ", "accepted sales cat"}
	if len(path) < len(want) || strings.Join(path[:len(want)], "|") != strings.Join(want, "|") {
		t.Errorf("event log %q, want %q", path, want)
	}
}

// TestTransferToMissingNumber: a transfer to a number that does not exist
// fails (baresip reports the failure NOTIFY); baresip 1.0.0 then hangs up
// its side, which leaves the customer to the appliance: it is not dropped
// but put back into support, where ann, free again, is offered the call
// and answers; the customer, on its one call all along, hears her again.
// The first CDR names the failed transfer, the second goes on in support.
func TestTransferToMissingNumber(t *testing.T) {
	d := startTransferDesk(t)
	var first any
	d.ann.WaitFor("ann's call", time.Second, func(e map[string]any) bool {
		first = e["id"]
		return peertest.EventType("CALL_ESTABLISHED")(e)
	})
	d.ann.Command("transfer", d.uri("2999"))
	d.ann.WaitFor("the failed transfer", 15*time.Second, peertest.EventType("TRANSFER_FAILED"))
	d.ann.WaitFor("ann answering the customer again", 15*time.Second, func(e map[string]any) bool {
		return peertest.EventType("CALL_ESTABLISHED")(e) && e["id"] != first
	})
	recs := transferCDRs(t, d.srv, d.data, 1)
	if r := recs[0]; r["callee"] != "2001" || r["transferred_to"] != "2999" || !strings.Contains(r["hangup_cause"], "failed: 404 Not Found") {
		t.Errorf("first CDR: callee %q transferred to %q cause %q, want ann's call whose transfer to 2999 failed 404",
			r["callee"], r["transferred_to"], r["hangup_cause"])
	}
	time.Sleep(3 * time.Second)
	d.hangUp(t, d.ann)

	d.customerHeard(t, 1000, 440)
	recs = transferCDRs(t, d.srv, d.data, 2)
	if r := recs[1]; r["queue"] != "support" || r["callee"] != "2001" || r["transferred_from"] != recs[0]["id"] || r["hangup_cause"] != "caller hung up" {
		t.Errorf("second CDR: queue %q callee %q from %q cause %q, want support answered by 2001 again, from %s",
			r["queue"], r["callee"], r["transferred_from"], r["hangup_cause"], recs[0]["id"])
	}
	if tl := timeline(t, d.data); len(tl) < 2 || tl[1] != "Call to support: transfer to 2999 failed (404 Not Found) by ann" {
		t.Errorf("customer timeline %q, want the failed transfer", tl)
	}
}

// TestTransferWhileSupervised: a supervisor listens to ann's call from
// desk phone 2009 when ann transfers the customer to bob: the supervisor,
// whose call that was, is hung up with ann's leg, not left on a leg that
// no longer exists; the customer and bob talk on.
func TestTransferWhileSupervised(t *testing.T) {
	d := startTransferDesk(t)
	bob := d.phone(t, "2002", "agent-pass2", 1500)
	sup := d.phone(t, "2009", "super-pass9", 2000)
	web := regexp.MustCompile(`web=(http://[0-9.:]+)/`).FindStringSubmatch(d.srv.output())
	if web == nil {
		t.Fatalf("no web address in:\n%s", d.srv.output())
	}
	req, _ := http.NewRequest("POST", web[1]+"/api/v1/agents/ann/supervise", strings.NewReader(`{"mode":"listen","extension":"2009"}`))
	req.Header.Set("Authorization", "Bearer "+adminToken(t, d.data))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("supervise: %d %s", res.StatusCode, body)
	}
	sup.WaitFor("the supervisor joining", 15*time.Second, peertest.EventType("CALL_ESTABLISHED"))

	d.ann.Command("transfer", d.uri("2002"))
	bob.WaitFor("bob answering the transferred call", 15*time.Second, peertest.EventType("CALL_ESTABLISHED"))
	d.ann.WaitFor("ann's phone hanging up after the transfer", 15*time.Second, peertest.EventType("CALL_CLOSED"))
	sup.WaitFor("the supervisor hung up with ann's leg", 15*time.Second, peertest.EventType("CALL_CLOSED"))
	time.Sleep(3 * time.Second)
	d.hangUp(t, bob)
	d.customerHeard(t, 1500, 440)
}

// TestTransferOutThroughTrunk: the transferor's outbound permissions
// apply. Ann (national class) transfers the customer to an international
// number: the REFER is refused 403 and baresip hangs up, which leaves the
// customer to the appliance: back into support, where ann answers again.
// Then she transfers it to a national number: the provider's trunk is
// dialled (its 407 answered) and the customer is connected to it until
// it hangs up; the CDRs follow.
func TestTransferOutThroughTrunk(t *testing.T) {
	peertest.Binary(t, "sipp")
	port := freeUDPPort(t)
	d := startTransferDesk(t, fmt.Sprintf(`trunks:
  - {name: main, type: peer, host: "%s:%d", username: u, password: p}
routes:
  outbound:
    - {pattern: "01XXXXXXXX", trunks: [main]}
    - {pattern: "00.", trunks: [main]}
`, providerIP, port))
	var first any
	d.ann.WaitFor("ann's call", time.Second, func(e map[string]any) bool {
		first = e["id"]
		return peertest.EventType("CALL_ESTABLISHED")(e)
	})
	d.ann.Command("transfer", d.uri("0044201234567"))
	d.ann.WaitFor("the refused transfer", 15*time.Second, func(e map[string]any) bool {
		return peertest.EventType("TRANSFER_FAILED")(e) && strings.HasPrefix(fmt.Sprint(e["param"]), "403")
	})
	d.ann.WaitFor("ann answering the customer again", 15*time.Second, func(e map[string]any) bool {
		return peertest.EventType("CALL_ESTABLISHED")(e) && e["id"] != first
	})

	provider := providerUAS(t, "trunk_provider_answer.xml", port, 1)
	d.ann.Command("transfer", d.uri("0123456789"))
	d.ann.WaitFor("ann's phone hanging up after the transfer", 15*time.Second, func(e map[string]any) bool {
		return peertest.EventType("CALL_CLOSED")(e) && e["id"] != first
	})
	recs := transferCDRs(t, d.srv, d.data, 2)
	if r := recs[0]; r["transferred_to"] != "0044201234567" || !strings.Contains(r["hangup_cause"], "failed: 403 Forbidden") {
		t.Errorf("first CDR: transferred to %q cause %q, want the refused international number", r["transferred_to"], r["hangup_cause"])
	}
	d.customer.Command("hangup", "")
	if err := provider(); err != nil {
		t.Fatalf("provider: %v\nserver:\n%s", err, d.srv.output())
	}
	recs = transferCDRs(t, d.srv, d.data, 3)
	if r := recs[1]; r["queue"] != "support" || r["callee"] != "2001" || r["transferred_to"] != "0123456789" {
		t.Errorf("second CDR: queue %q callee %q transferred to %q, want ann again in support, transferred out", r["queue"], r["callee"], r["transferred_to"])
	}
	if r := recs[2]; r["callee"] != "0123456789" || r["transferred_from"] != recs[1]["id"] || r["disposition"] != "answered" || r["hangup_cause"] != "caller hung up" {
		t.Errorf("third CDR: callee %q from %q disposition %q cause %q, want the trunk call from %s", r["callee"], r["transferred_from"],
			r["disposition"], r["hangup_cause"], recs[1]["id"])
	}
}

// callerTransferred starts the appliance with transferYAML and the
// phones of the customer (440 Hz), ann (1000 Hz) and bob (1500 Hz); ann
// calls the customer and, once it answered, transfers it to bob (her
// phone placed the call: the REFER comes on the calling leg). It returns
// once bob answered and ann's phone hung up.
func callerTransferred(t *testing.T) (*transferDesk, *peertest.Baresip) {
	t.Helper()
	peertest.Binary(t, "baresip")
	data := t.TempDir()
	importConfig(t, data, transferYAML)
	srv := startServer(t, nil, binPath, data)
	d := &transferDesk{srv: srv, data: data, port: fmt.Sprint(srv.sipPort)}
	d.customer = d.phone(t, "612345", "customer-pass1", 440)
	d.ann = d.phone(t, "2001", "agent-pass1", 1000)
	bob := d.phone(t, "2002", "agent-pass2", 1500)
	d.ann.Command("dial", d.uri("612345"))
	d.customer.WaitFor("the customer answering ann", 15*time.Second, peertest.EventType("CALL_ESTABLISHED"))
	d.ann.WaitFor("ann's call established", 15*time.Second, peertest.EventType("CALL_ESTABLISHED"))
	d.ann.Command("transfer", d.uri("2002"))
	bob.WaitFor("bob answering the transferred call", 15*time.Second, peertest.EventType("CALL_ESTABLISHED"))
	d.ann.WaitFor("ann's phone hanging up after the transfer", 15*time.Second, peertest.EventType("CALL_CLOSED"))
	return d, bob
}

// TestCallerTransfersCalledParty: ann calls the customer from her desk
// phone and, once it answered, transfers it to bob (her phone placed the
// call: the REFER comes on the calling leg); bob answers and hears the
// customer, who hears him, ann's phone hangs up, and the CDRs follow.
func TestCallerTransfersCalledParty(t *testing.T) {
	d, bob := callerTransferred(t)
	srv, data := d.srv, d.data
	time.Sleep(3 * time.Second)
	d.hangUp(t, bob)

	d.customerHeard(t, 1500, 440)
	heardBob := bob.Heard()
	checkHeardTone(t, srv, "bob", heardBob[min(4000, len(heardBob)):], 440, 1500)
	var recs []map[string]string
	deadline := time.Now().Add(15 * time.Second)
	for len(recs) < 2 {
		recs = recs[:0]
		for _, r := range cdrs(t, data) {
			if r["ended_at"] != "" {
				recs = append([]map[string]string{r}, recs...)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("closed CDRs %v, want 2\nserver:\n%s", recs, srv.output())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if r := recs[0]; r["caller"] != "2001" || r["callee"] != "612345" || r["transferred_by"] != "2001" || r["transferred_to"] != "2002" {
		t.Errorf("ann's CDR: %s → %s transferred by %q to %q", r["caller"], r["callee"], r["transferred_by"], r["transferred_to"])
	}
	if r := recs[1]; r["caller"] != "612345" || r["callee"] != "2002" || r["transferred_from"] != recs[0]["id"] {
		t.Errorf("the transferred call's CDR: %s → %s from %q, want 612345 → 2002 from %s", r["caller"], r["callee"], r["transferred_from"], recs[0]["id"])
	}
}
