package webui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// trunkPassword is the register trunk's secret: no answer may contain it.
const trunkPassword = "trunk-Secret-4711"

// trunksYAML is an appliance with a provider, a gateway and routes using
// both.
const trunksYAML = `settings: {timezone: Europe/Paris, country: FR}
extensions:
  - {number: "1001", name: Alice, password: desk-secret-1}
trunks:
  - {name: provider, type: register, host: "sip.example.net", username: "0123456789", password: "` + trunkPassword + `", codecs: [PCMA, PCMU], dtmf: rfc4733}
  - {name: gateway, type: peer, host: "192.0.2.7:5060", transport: tcp}
routes:
  inbound:
    - {did: "+33123456789", to: "extension:1001"}
  outbound:
    - {pattern: "_0XXXXXXXXX", trunks: [provider, gateway], strip: 1, prepend: "+33"}
permissions:
  - {extension: "1001", class: national}
`

func trunksFixture(t *testing.T) (*fixture, session) {
	t.Helper()
	return configuredFixture(t, trunksYAML)
}

// TestTrunksAPI creates, changes and deletes trunks and replaces routes
// and permissions through the REST API: each change is validated against
// the whole configuration with the field named, bumps the configuration
// revision the running SIP side polls, and no answer carries a password.
func TestTrunksAPI(t *testing.T) {
	f, admin := trunksFixture(t)
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		errPath                  string
	}{
		{"register without password", "PUT", "/api/v1/trunks/newco", `{"type":"register","host":"sip.newco.example","username":"u1"}`, 422, "password"},
		{"bad transport", "PUT", "/api/v1/trunks/newco", `{"type":"peer","host":"192.0.2.8","transport":"sctp"}`, 422, "transport"},
		{"bad codec", "PUT", "/api/v1/trunks/newco", `{"type":"peer","host":"192.0.2.8","codecs":["G729"]}`, 422, "codecs[0]"},
		{"bad host", "PUT", "/api/v1/trunks/newco", `{"type":"peer","host":"a b"}`, 422, "host"},
		{"bad name", "PUT", "/api/v1/trunks/New%20Co", `{"type":"peer","host":"192.0.2.8"}`, 422, "name"},
		{"unknown field", "PUT", "/api/v1/trunks/newco", `{"type":"peer","hots":"192.0.2.8"}`, 400, "hots"},
		{"name differs", "PUT", "/api/v1/trunks/newco", `{"name":"oldco","type":"peer","host":"192.0.2.8"}`, 422, "name"},
		{"create newco", "PUT", "/api/v1/trunks/newco", `{"type":"register","host":"sip.newco.example:5070","username":"u1","password":"newco-pw-1","expiry":"30m"}`, 201, ""},
		{"change provider, password kept", "PUT", "/api/v1/trunks/provider", `{"type":"register","host":"sip2.example.net","username":"0123456789","transport":"tcp"}`, 200, ""},
		{"trunk in use", "DELETE", "/api/v1/trunks/gateway", "", 409, "routes.outbound[0].trunk"},
		{"no such trunk", "DELETE", "/api/v1/trunks/nope", "", 404, ""},
		{"bad DID", "PUT", "/api/v1/routes", `{"inbound":[{"did":"0123","to":"extension:1001"}]}`, 422, "routes.inbound[0].did"},
		{"unknown route trunk", "PUT", "/api/v1/routes", `{"outbound":[{"pattern":"_0X.","trunk":"nope"}]}`, 422, "routes.outbound[0].trunk"},
		{"bad route field", "PUT", "/api/v1/routes", `{"outbound":[{"pattern":"_0X.","trunk":"gateway","strip":"one"}]}`, 400, "outbound[0].strip"},
		{"bad class", "PUT", "/api/v1/permissions", `[{"extension":"1001","class":"galactic"}]`, 422, "permissions[0].class"},
		{"routes", "PUT", "/api/v1/routes", `{"inbound":[{"did":"+33123456789","to":"extension:1001","trunk":"newco"}],"outbound":[{"pattern":"_00X.","trunks":["newco","provider"],"strip":2,"prepend":"+","class":"international","caller_id":"+33123456789"}],"emergency":["112"]}`, 204, ""},
		{"gateway now unused", "DELETE", "/api/v1/trunks/gateway", "", 204, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := f.st.ConfigRev(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			w := f.do(t, admin, tc.method, tc.path, "application/json", tc.body, true)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if strings.Contains(w.Body.String(), "newco-pw-1") || strings.Contains(w.Body.String(), trunkPassword) {
				t.Fatalf("answer carries a password: %s", w.Body)
			}
			after, err := f.st.ConfigRev(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if changed := after != before; changed != (w.Code < 300) {
				t.Fatalf("configuration revision %d → %d after status %d", before, after, w.Code)
			}
			if tc.errPath != "" {
				if fes := decodeErrors(t, w.Body.Bytes()); !hasPath(fes, tc.errPath) {
					t.Fatalf("errors %+v do not name %s", fes, tc.errPath)
				}
			}
		})
	}

	recs, err := f.st.Trunks(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]store.Trunk{}
	for _, r := range recs {
		byName[r.Name] = r
	}
	if p := byName["provider"]; p.Password != trunkPassword || p.Host != "sip2.example.net" || p.Transport != "tcp" {
		t.Fatalf("provider stored as %+v", p)
	}
	if n := byName["newco"]; n.Password != "newco-pw-1" || n.ExpirySeconds != 1800 || len(recs) != 2 {
		t.Fatalf("trunks stored as %+v", recs)
	}
	rt, err := f.st.Routes(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(rt.Outbound) != 1 || rt.Outbound[0].Strip != 2 || len(rt.Outbound[0].Trunks) != 2 || rt.Inbound[0].Trunk != "newco" || len(rt.Emergency) != 1 {
		t.Fatalf("routes stored as %+v", rt)
	}
	exp, err := config.Export(t.Context(), f.st)
	if err != nil || len(exp.Extensions) != 1 || len(exp.Permissions) != 1 || exp.Settings == nil {
		t.Fatalf("other sections changed: %+v %v", exp, err)
	}

	now := time.Now()
	for _, st := range []store.TrunkStatus{
		{Name: "provider", State: "failing", Reason: "rejected: 403 Forbidden", Updated: now},
		{Name: "newco", State: "registered", Expires: now.Add(30 * time.Minute), Updated: now},
	} {
		if err := f.st.PutTrunkStatus(t.Context(), st); err != nil {
			t.Fatal(err)
		}
	}
	w := f.do(t, admin, "GET", "/api/v1/trunks", "", "", false)
	var list []struct {
		Name        string      `json:"name"`
		Password    *string     `json:"password"`
		HasPassword bool        `json:"has_password"`
		Status      trunkStatus `json:"status"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || len(list) != 2 {
		t.Fatalf("trunks: %s", w.Body)
	}
	for _, tr := range list {
		if tr.Password != nil || !tr.HasPassword {
			t.Fatalf("trunk %s: password %v, has_password %v", tr.Name, tr.Password, tr.HasPassword)
		}
	}
	if list[0].Name != "newco" || list[0].Status.State != "registered" || list[1].Status.State != "failing" || list[1].Status.Reason != "rejected: 403 Forbidden" {
		t.Fatalf("statuses: %+v", list)
	}
	for _, path := range []string{"/api/v1/trunks", "/admin/trunks", "/admin/trunks?edit=provider", "/admin/trunks?edit=newco", "/api/v1/routes", "/admin/routes"} {
		if body := f.do(t, admin, "GET", path, "", "", false).Body.String(); strings.Contains(body, trunkPassword) || strings.Contains(body, "newco-pw-1") {
			t.Fatalf("GET %s shows a trunk password", path)
		}
	}
	page := f.do(t, admin, "GET", "/admin/trunks", "", "", false).Body.String()
	if !strings.Contains(page, `data-state="failing">failing</span> rejected: 403 Forbidden`) || !strings.Contains(page, `data-state="registered">registered</span>`) {
		t.Fatalf("trunks page without the live status:\n%s", page)
	}
}

// TestTrunkAndRoutePages drives the forms: a bad value is named by its
// field and nothing is saved, an edit without a password keeps the stored
// one, the routes table replaces the dial plan row by row, and a delete
// the routes still need is refused with the reason.
func TestTrunkAndRoutePages(t *testing.T) {
	f, admin := trunksFixture(t)
	post := func(path string, form url.Values) (int, string) {
		t.Helper()
		form.Set("csrf", admin.csrf)
		res := f.do(t, admin, "POST", path, "application/x-www-form-urlencoded", form.Encode(), false).Result()
		return res.StatusCode, readAll(t, res)
	}
	code, body := post("/admin/trunks", url.Values{"name": {"provider"}, "type": {"register"}, "host": {"sip.example.net"}, "username": {"0123456789"}, "dtmf": {"sip-info"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "dtmf: must be rfc4733, info or inband") {
		t.Fatalf("bad dtmf: %d\n%s", code, body)
	}
	code, body = post("/admin/trunks", url.Values{"name": {"provider"}, "type": {"register"}, "host": {"sip.example.net"}, "username": {"0123456789"}, "expiry": {"soon"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "expiry: &#34;soon&#34; is not a duration") {
		t.Fatalf("bad expiry: %d\n%s", code, body)
	}
	code, body = post("/admin/trunks", url.Values{"name": {"provider"}, "type": {"register"}, "host": {"sip.example.net:5080"}, "username": {"0123456789"},
		"codecs": {"PCMU, PCMA"}, "dids": {"+33123456789 +33123456780"}, "expiry": {"10m"}, "country_code": {"32"}})
	if code != http.StatusSeeOther {
		t.Fatalf("save provider: %d\n%s", code, body)
	}
	recs, _ := f.st.Trunks(t.Context())
	if p := recs[slices.IndexFunc(recs, func(r store.Trunk) bool { return r.Name == "provider" })]; p.Password != trunkPassword || p.Host != "sip.example.net:5080" || len(p.DIDs) != 2 || p.Codecs[0] != "PCMU" || p.CountryCode != "32" || p.ExpirySeconds != 600 {
		t.Fatalf("provider saved as %+v", p)
	}
	edit := f.do(t, admin, "GET", "/admin/trunks?edit=provider", "", "", false).Body.String()
	if !strings.Contains(edit, `value="PCMU PCMA"`) || !strings.Contains(edit, `value="10m0s"`) || !strings.Contains(edit, `placeholder="unchanged"`) {
		t.Fatalf("edit form not filled:\n%s", edit)
	}

	code, body = post("/admin/routes", url.Values{"in_did": {"+33123456789", "12"}, "in_to": {"extension:1001", "queue:x"}, "in_trunk": {"", ""},
		"out_pattern": {"_0XXXXXXXXX"}, "out_trunks": {"provider"}, "out_strip": {"x"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "routes.outbound[0].strip: want a whole number") {
		t.Fatalf("bad strip: %d\n%s", code, body)
	}
	code, body = post("/admin/routes", url.Values{"in_did": {"+33123456789", "12"}, "in_to": {"extension:1001", "queue:x"}, "in_trunk": {"", ""},
		"out_pattern": {"_0XXXXXXXXX"}, "out_trunks": {"provider"}, "out_strip": {"1"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "routes.inbound[1].did") || !strings.Contains(body, `value="queue:x"`) {
		t.Fatalf("bad DID: %d\n%s", code, body)
	}
	code, body = post("/admin/routes", url.Values{
		"in_did": {"+33123456789", "", "+3312345678X"}, "in_to": {"extension:1001", "", "hangup:closed"}, "in_trunk": {"", "", "gateway"},
		"out_pattern": {"_0XXXXXXXXX", "_112"}, "out_trunks": {"gateway provider", "provider"}, "out_strip": {"1", ""}, "out_prepend": {"+33", ""},
		"out_class": {"national", ""}, "out_caller_id": {"", ""}, "out_emergency": {"", "yes"}, "emergency": {"112 15"}, "international_allowlist": {"+44"}})
	if code != http.StatusSeeOther {
		t.Fatalf("save routes: %d\n%s", code, body)
	}
	rt, _ := f.st.Routes(t.Context())
	if len(rt.Inbound) != 2 || rt.Inbound[1].Trunk != "gateway" || len(rt.Outbound) != 2 || rt.Outbound[0].Trunks[0] != "gateway" || !rt.Outbound[1].Emergency || len(rt.Emergency) != 2 {
		t.Fatalf("routes saved as %+v", rt)
	}
	allow, _ := config.InternationalAllowlist(t.Context(), f.st)
	if len(allow) != 1 || allow[0] != "+44" {
		t.Fatalf("allow-list %v", allow)
	}
	code, body = post("/admin/routes/permissions", url.Values{"perm_extension": {"1001", "1x"}, "perm_class": {"international", ""}, "perm_max_concurrent": {"2", ""}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "permissions[1].extension") {
		t.Fatalf("permission of a bad extension number: %d\n%s", code, body)
	}
	code, body = post("/admin/routes/permissions", url.Values{"perm_extension": {"1001"}, "perm_class": {"international"}, "perm_max_concurrent": {"2"}, "perm_international_minutes": {"30"}})
	if code != http.StatusSeeOther {
		t.Fatalf("save permissions: %d\n%s", code, body)
	}
	ps, _ := f.st.Permissions(t.Context())
	if len(ps) != 1 || ps[0].Class != "international" || ps[0].MaxConcurrent != 2 || ps[0].InternationalMinutes != 30 {
		t.Fatalf("permissions saved as %+v", ps)
	}
	page := f.do(t, admin, "GET", "/admin/routes", "", "", false).Body.String()
	if !strings.Contains(page, `value="gateway provider"`) || !strings.Contains(page, `value="112 15"`) || !strings.Contains(page, `<option value="yes" selected>yes</option>`) {
		t.Fatalf("routes page not filled:\n%s", page)
	}

	code, body = post("/admin/trunks/gateway/delete", url.Values{})
	if code != http.StatusConflict || !strings.Contains(body, "routes.inbound[1].trunk") {
		t.Fatalf("delete a trunk in use: %d\n%s", code, body)
	}
}
