package e2e

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// TestWebUITrunksAndRoutes runs the whole appliance and drives the admin's
// trunk and route pages in Chromium: the admin adds a peer trunk (an FXO
// gateway) and two register trunks (one provider accepting the
// registration, one refusing it), then an inbound route for the gateway's
// DID. The running SIP side reloads the change without a restart: `trunk
// list` shows the trunks, the trunk page's status cells follow the live
// registrations (registered; failing with the provider's reason), and a
// call from the gateway's address to the DID rings the extension the route
// names, its CDR naming the trunk.
func TestWebUITrunksAndRoutes(t *testing.T) {
	chromium := peertest.Binary(t, "chromium")
	peertest.Binary(t, "sipp")
	data := t.TempDir()
	importConfig(t, data, "extensions:\n  - {number: \"1002\", password: callee-pass2}\n")
	good, bad := freeUDPPort(t), freeUDPPort(t)
	providerUAS(t, "trunk/provider_register.xml", good, 1)
	providerUAS(t, "trunk/provider_reject.xml", bad, 1)
	srv := startServer(t, nil, binPath, data)
	base, adminPassword := srv.panel(t)

	admin, stop := browser(t, chromium)
	defer stop()
	browserLogin(t, admin, base, "admin", adminPassword)
	addTrunk := func(name, typ, host, user, password string) {
		t.Helper()
		actions := []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.CSS("#trunk-name"), name),
			chromedp.SetValue(chromedp.CSS("#trunk-type"), typ),
			chromedp.SendKeys(chromedp.CSS("#trunk-host"), host),
		}
		if user != "" {
			actions = append(actions, chromedp.SendKeys(chromedp.CSS("#trunk-username"), user),
				chromedp.SendKeys(chromedp.CSS("#trunk-password"), password))
		}
		adminForm(t, admin, base+"/admin/trunks", append(actions, chromedp.Submit(chromedp.CSS("#trunk-name")))...)
	}
	addTrunk("gateway", "peer", gatewayIP, "", "")
	addTrunk("provider", "register", fmt.Sprintf("%s:%d", providerIP, good), "u", "p")
	addTrunk("suspended", "register", fmt.Sprintf("%s:%d", providerIP, bad), "u", "p")

	list := mustCLI(t, "--data", data, "trunk", "list")
	for _, want := range []string{"gateway", "provider", fmt.Sprintf("%s:%d", providerIP, bad)} {
		if !strings.Contains(list, want) {
			t.Fatalf("trunk list lacks %s:\n%s", want, list)
		}
	}

	// Once the third trunk is in force, the next reload is the routes'.
	reloads := func() int { return strings.Count(srv.output(), "sip: trunks and routes in force") }
	for start := time.Now(); !strings.Contains(srv.output(), "trunks=3"); time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("the SIP side never had the three trunks:\n%s", srv.output())
		}
	}
	before := reloads()
	saved := time.Now()
	adminForm(t, admin, base+"/admin/routes",
		chromedp.SendKeys(chromedp.CSS(`#routes-inbound tbody tr:first-child input[name="in_did"]`), "+33999999999"),
		chromedp.SendKeys(chromedp.CSS(`#routes-inbound tbody tr:first-child input[name="in_to"]`), "extension:1002"),
		chromedp.SendKeys(chromedp.CSS(`#routes-inbound tbody tr:first-child input[name="in_trunk"]`), "gateway"),
		chromedp.Click(chromedp.CSS(`#routes-form button[type="submit"]`)))
	for reloads() == before {
		if time.Since(saved) > 10*time.Second {
			t.Fatalf("the SIP side did not reload the routes within 10 s:\n%s", srv.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("the running SIP side reloaded the routes %v after the routes page was opened to add the route", time.Since(saved).Round(10*time.Millisecond))

	// The status cells follow what the running server reports, without
	// reloading the page: blanked, they are drawn again from the API.
	if err := chromedp.Do(admin, chromedp.Navigate(base+"/admin/trunks"), chromedp.WaitVisible(chromedp.CSS("#trunks-admin"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(admin, chromedp.Evaluate[int](`document.querySelectorAll('[data-f="status"]').forEach((c) => { c.textContent = "stale"; }); 0`)); err != nil {
		t.Fatal(err)
	}
	cell := func(trunk string) string {
		got, err := chromedp.Run(admin, chromedp.Text(chromedp.CSS(`tr[data-trunk="`+trunk+`"] [data-f="status"]`)))
		if err != nil {
			t.Fatalf("status of %s: %v", trunk, err)
		}
		return strings.TrimSpace(got)
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		prov, susp, gw := cell("provider"), cell("suspended"), cell("gateway")
		if strings.HasPrefix(prov, "registered until ") && strings.HasPrefix(susp, "failing") && gw == "peer" {
			t.Logf("status cells: provider %q, suspended %q, gateway %q", prov, susp, gw)
			if !strings.Contains(susp, "403 Account Suspended") {
				t.Fatalf("suspended shows %q", susp)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status cells provider %q, suspended %q, gateway %q after 15 s\nserver:\n%s", prov, susp, gw, srv.output())
		}
	}

	// A call from the gateway's address to its DID takes the new route.
	waitUAS := sippCallee(t, srv, "1002", "callee-pass2")
	callDir := t.TempDir()
	writeUlaw(t, filepath.Join(callDir, "audio.ulaw"), sine(440, time.Second))
	err := trunkSipp(t, callDir, "trunk_provider_call.xml", fmt.Sprintf("127.0.0.1:%d", srv.sipPort), "-s", "0999999999",
		"-i", gatewayIP, "-p", strconv.Itoa(freeUDPPort(t)), "-mi", gatewayIP, "-mp", strconv.Itoa(freeUDPPort(t)), "-m", "1")()
	if err != nil {
		t.Fatalf("gateway's call failed: %v\nserver:\n%s", err, srv.output())
	}
	if err := waitUAS(); err != nil {
		t.Fatalf("extension 1002: %v", err)
	}
	rec := closedCDRs(t, data, 1)[0]
	if rec["trunk"] != "gateway" || rec["trunk_number"] != "+33999999999" || rec["callee"] != "1002" || rec["disposition"] != "answered" {
		t.Fatalf("CDR = %v", rec)
	}
}
