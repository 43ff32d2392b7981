package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd/stats"
	"github.com/switchboard-cc/switchboard/internal/peertest"
)

var (
	// demoAccountLine is a line of the demo's first-start output naming a
	// desk phone's account (cmd/switchboard/demo.go).
	demoAccountLine = regexp.MustCompile(`(?m)^  extension (\d+)  password (\S+)$`)
	// adminPasswordLine is the web panel's first-start line (webui.EnsureAdmin).
	adminPasswordLine = regexp.MustCompile(`web panel: created user "admin" with password (\S+) \(shown only once\)`)
	csrfMeta          = regexp.MustCompile(`name="csrf-token" content="([0-9a-f]+)"`)
)

// TestQuickStartDemo walks the README's quick start as a new user does:
// `serve --demo` on a fresh data directory prints the desk phones'
// passwords and the web panel's admin password; baresip phones register
// as 1001 (agent alice, logged in by the demo) and 1003; 1003 calls the
// IVR on 600, hears it, presses 1 (RFC 4733) and is queued to support,
// where alice's phone rings and answers; both hear each other; the CDR
// and the event log show the call answered by alice in support; admin
// logs into the web panel and the wallboard lists support and alice, who
// goes offline when her phone dials *46 and back when it dials *45, as
// the printed hint says. A restart with --demo prints no password, seeds
// nothing again, and the first passwords still register.
func TestQuickStartDemo(t *testing.T) {
	peertest.Binary(t, "baresip")
	data := t.TempDir()
	web := fmt.Sprintf("127.0.0.1:%d", peertest.FreePorts(t, 1))
	srv := startServer(t, nil, binPath, data, "--demo", "--http", web)
	first := srv.output()
	passwords := map[string]string{}
	for _, m := range demoAccountLine.FindAllStringSubmatch(first, -1) {
		passwords[m[1]] = m[2]
	}
	if len(passwords) != 4 || passwords["1001"] == "" || passwords["1003"] == "" {
		t.Fatalf("first start printed accounts %v, want 1001..1004:\n%s", passwords, first)
	}
	admin := adminPasswordLine.FindStringSubmatch(first)
	if admin == nil {
		t.Fatalf("first start printed no admin password:\n%s", first)
	}

	alice := peertest.StartBaresip(t, "1001", passwords["1001"], srv.sipPort, 440)
	carol := peertest.StartBaresip(t, "1003", passwords["1003"], srv.sipPort, 1000)
	alice.WaitRegistered()
	carol.WaitRegistered()

	// Carol calls the IVR, hears its welcome and presses 1: the demo's
	// agents are logged in at start, so alice's phone rings and answers.
	carol.Command("dial", fmt.Sprintf("sip:600@127.0.0.1:%d", srv.sipPort))
	carol.WaitFor("CALL_ESTABLISHED", 15*time.Second, peertest.EventType("CALL_ESTABLISHED"))
	waitHeardSound(t, srv, carol)
	carol.Command("sndcode", "1")
	alice.WaitFor("CALL_ESTABLISHED", 15*time.Second, peertest.EventType("CALL_ESTABLISHED"))
	time.Sleep(3 * time.Second) // let audio flow both ways
	carol.Command("hangup", "")
	alice.WaitFor("CALL_CLOSED", 15*time.Second, peertest.EventType("CALL_CLOSED"))
	carol.WaitFor("CALL_CLOSED", 15*time.Second, peertest.EventType("CALL_CLOSED"))
	carol.Stop()

	// Alice heard carol's tone; carol heard alice's once the IVR was
	// done: the last seconds of her call, the start of the jitter buffer
	// and the end of the call left out.
	heardAlice := alice.Heard()
	checkHeardTone(t, srv, "alice", heardAlice[min(4000, len(heardAlice)):], 1000, 440)
	heardCarol := carol.Heard()
	checkHeardTone(t, srv, "carol", heardCarol[max(0, len(heardCarol)-20000):max(0, len(heardCarol)-4000)], 440, 1000)

	rec := lastCDR(t, data)
	if rec["caller"] != "1003" || rec["callee"] != "1001" || rec["queue"] != "support" || rec["disposition"] != "answered" {
		t.Errorf("CDR of the call: caller %q callee %q queue %q disposition %q, want 1003 answered by 1001 (alice) in support",
			rec["caller"], rec["callee"], rec["queue"], rec["disposition"])
	}
	var accepted []string
	for _, e := range acdEvents(t, data, 3) {
		if e.Kind == stats.Accepted {
			accepted = append(accepted, e.Queue+"/"+e.Agent)
		}
	}
	if !slices.Equal(accepted, []string{"support/alice"}) {
		t.Errorf("event log: accepted %q, want support/alice", accepted)
	}

	presence := checkWallboard(t, "http://"+web, admin[1])

	// The printed hint: *46 on alice's phone logs her out, *45 back in.
	for _, code := range []struct{ dial, want string }{{"*46", "offline"}, {"*45", "available"}} {
		alice.Command("dial", fmt.Sprintf("sip:%s@127.0.0.1:%d", code.dial, srv.sipPort))
		alice.WaitFor("the end of "+code.dial, 15*time.Second, func(e map[string]any) bool {
			return peertest.EventType("CALL_CLOSED")(e) && strings.HasPrefix(fmt.Sprint(e["peeruri"]), "sip:"+code.dial+"@")
		})
		deadline := time.Now().Add(15 * time.Second)
		for got := presence("alice"); got != code.want; got = presence("alice") {
			if time.Now().After(deadline) {
				t.Fatalf("after %s alice is %q on the wallboard, want %s\nserver:\n%s", code.dial, got, code.want, srv.output())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	alice.Stop()

	// A restart of the same data directory with --demo seeds nothing and
	// prints no password; the first passwords still register and alice is
	// still logged in.
	srv.stop(t)
	exts, calls := mustCLI(t, "--data", data, "extension", "list"), len(cdrs(t, data))
	again := startServer(t, nil, binPath, data, "--demo", "--http", fmt.Sprintf("127.0.0.1:%d", peertest.FreePorts(t, 1)))
	if out := again.output(); strings.Contains(out, "password") || strings.Contains(out, "Demo setup created") {
		t.Errorf("restart printed passwords again:\n%s", out)
	}
	for _, ext := range []string{"1001", "1003"} {
		peertest.StartBaresip(t, ext, passwords[ext], again.sipPort, 440).WaitRegistered()
	}
	if status := mustCLI(t, "--data", data, "agent", "status", "alice"); !regexp.MustCompile(`(?m)^alice\s+1001\s+available`).MatchString(status) {
		t.Errorf("after the restart alice is not logged in:\n%s", status)
	}
	again.stop(t)
	if after := mustCLI(t, "--data", data, "extension", "list"); after != exts {
		t.Errorf("extensions changed across the restart:\nbefore:\n%s\nafter:\n%s", exts, after)
	}
	if n := len(cdrs(t, data)); n != calls {
		t.Errorf("%d CDRs after the restart, want the %d from before", n, calls)
	}
}

// waitHeardSound waits up to 10 s for the phone's recording of its call to
// hold sound (the IVR's welcome).
func waitHeardSound(t *testing.T, srv *server, p *peertest.Baresip) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		loud := 0
		for _, v := range p.Heard() {
			if v > 2000 || v < -2000 {
				loud++
			}
		}
		if loud > 800 { // a tenth of a second
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the caller heard no IVR within 10 s (%d loud samples)\nserver:\n%s", loud, srv.output())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkHeardTone checks that samples hold the want Hz tone clearly and not
// the phone's own (other Hz).
func checkHeardTone(t *testing.T, srv *server, who string, samples []int16, want, other float64) {
	t.Helper()
	got, own := peertest.ToneLevel(samples, want), peertest.ToneLevel(samples, other)
	t.Logf("%s heard %.0f Hz at %.2f of its power (own %.0f Hz: %.2f), %d samples", who, want, got, other, own, len(samples))
	if got < 0.5 || own > 0.1 {
		t.Errorf("%s did not hear the %.0f Hz tone: level %.2f, own tone %.2f\nserver:\n%s", who, want, got, own, srv.output())
	}
}

// checkWallboard signs into the web panel at base as admin with the form
// (no Origin header, as a browser's same-origin form post may send), finds
// the CSRF token on the page it lands on, and checks that the wallboard page
// and API list the support queue and alice. It returns a function that
// reads an agent's presence from the wallboard API.
func checkWallboard(t *testing.T, base, password string) (presence func(agent string) string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	get := func(path string) string {
		t.Helper()
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s\n%s", path, resp.Status, body)
		}
		return string(body)
	}
	resp, err := client.PostForm(base+"/login", url.Values{"username": {"admin"}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	landing, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || csrfMeta.FindSubmatch(landing) == nil {
		t.Fatalf("admin login with the printed password: %s, landed on %s without a CSRF token", resp.Status, resp.Request.URL)
	}
	page := get("/wallboard")
	if !strings.Contains(page, "support") || !strings.Contains(page, "alice") {
		t.Errorf("the wallboard page does not list support and alice:\n%s", page)
	}
	type named struct{ Name, Presence string }
	var board struct{ Queues, Agents []named }
	read := func() {
		t.Helper()
		if err := json.Unmarshal([]byte(get("/api/v1/wallboard")), &board); err != nil {
			t.Fatal(err)
		}
	}
	read()
	if !slices.ContainsFunc(board.Queues, func(q named) bool { return q.Name == "support" }) ||
		!slices.ContainsFunc(board.Agents, func(a named) bool { return a.Name == "alice" }) {
		t.Errorf("the wallboard API does not list support and alice: %+v", board)
	}
	return func(agent string) string {
		t.Helper()
		read()
		if i := slices.IndexFunc(board.Agents, func(a named) bool { return a.Name == agent }); i >= 0 {
			return board.Agents[i].Presence
		}
		return ""
	}
}
