package webui

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/switchboard-cc/switchboard/internal/events"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

type fixture struct {
	s   *Server
	st  *store.Store
	bus *events.Bus
}

func newFixture(t testing.TB, cfg Config) *fixture {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	cfg.DataDir = dir
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Auth.BcryptCost = bcrypt.MinCost
	bus := events.NewBus()
	s, err := New(st, bus, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{s: s, st: st, bus: bus}
}

// session is a logged-in browser: its cookie and CSRF token.
type session struct {
	cookie *http.Cookie
	csrf   string
}

// configuredFixture is a fixture with configuration yaml imported by the
// API, and an admin's session.
func configuredFixture(t *testing.T, yaml string) (*fixture, session) {
	t.Helper()
	f := newFixture(t, Config{})
	admin := f.login(t, "admin1", auth.RoleAdmin)
	if w := f.do(t, admin, "PUT", "/api/v1/config", "application/yaml", yaml, true); w.Code != http.StatusNoContent {
		t.Fatalf("import: %d %s", w.Code, w.Body)
	}
	return f, admin
}

func (f *fixture) login(t testing.TB, name string, role auth.Role) session {
	t.Helper()
	ctx := context.Background()
	if err := f.s.Auth().CreateUser(ctx, name, role, "password-"+name, "<b>"+name+"</b>"); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"username": {name}, "password": {"password-" + name}}
	w := f.do(t, session{}, "POST", "/login", "application/x-www-form-urlencoded", form.Encode(), false)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("login %s: status %d", name, w.Code)
	}
	c := w.Result().Cookies()[0]
	page := f.do(t, session{cookie: c}, "GET", "/", "", "", false)
	m := regexp.MustCompile(`name="csrf-token" content="([0-9a-f]+)"`).FindStringSubmatch(page.Body.String())
	if m == nil {
		if loc := page.Header().Get("Location"); loc != "" {
			page = f.do(t, session{cookie: c}, "GET", loc, "", "", false)
			m = regexp.MustCompile(`name="csrf-token" content="([0-9a-f]+)"`).FindStringSubmatch(page.Body.String())
		}
	}
	if m == nil {
		t.Fatalf("no CSRF token on the home page of %s", name)
	}
	return session{cookie: c, csrf: m[1]}
}

// do sends one request through the handler; withCSRF adds the session's
// token as a header.
func (f *fixture) do(t testing.TB, s session, method, path, ctype, body string, withCSRF bool) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.RemoteAddr = "192.0.2.10:4000"
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if s.cookie != nil {
		r.AddCookie(s.cookie)
	}
	if withCSRF {
		r.Header.Set(auth.CSRFHeader, s.csrf)
	}
	w := httptest.NewRecorder()
	f.s.Handler().ServeHTTP(w, r)
	return w
}

// adminRoutes is every route that needs the admin role, with a body that
// would succeed for an admin.
var adminRoutes = []struct {
	method, path, ctype, body string
}{
	{"GET", "/admin/extensions", "", ""},
	{"POST", "/admin/extensions", "application/x-www-form-urlencoded", "number=1001&name=x&password=secret-pass-1"},
	{"POST", "/admin/extensions/1001/delete", "application/x-www-form-urlencoded", ""},
	{"GET", "/admin/users", "", ""},
	{"POST", "/admin/users", "application/x-www-form-urlencoded", "username=zed&role=admin&password=0123456789"},
	{"GET", "/admin/config", "", ""},
	{"GET", "/admin/flows", "", ""},
	{"GET", "/admin/agents", "", ""},
	{"POST", "/admin/agents", "application/x-www-form-urlencoded", "name=zed-agent&capacity=50"},
	{"GET", "/admin/queues", "", ""},
	{"POST", "/admin/queues", "application/x-www-form-urlencoded", "name=zq&members=zed-agent&ring_timeout=10s"},
	{"POST", "/admin/queues/zq/delete", "application/x-www-form-urlencoded", ""},
	{"POST", "/admin/agents/zed-agent/delete", "application/x-www-form-urlencoded", ""},
	{"GET", "/api/v1/agents", "", ""},
	{"PUT", "/api/v1/agents/yan-agent", "application/json", `{"capacity":50}`},
	{"GET", "/api/v1/queues", "", ""},
	{"PUT", "/api/v1/queues/yq", "application/json", `{"members":["yan-agent"],"ring_timeout":"10s"}`},
	{"DELETE", "/api/v1/queues/yq", "", ""},
	{"DELETE", "/api/v1/agents/yan-agent", "", ""},
	{"POST", "/admin/config", "application/x-www-form-urlencoded", "yaml=extensions%3A%20%5B%5D"},
	{"GET", "/api/v1/extensions", "", ""},
	{"POST", "/api/v1/extensions", "application/json", `{"number":"1002","name":"y","password":"secret-pass-2"}`},
	{"DELETE", "/api/v1/extensions/1002", "", ""},
	{"GET", "/api/v1/users", "", ""},
	{"POST", "/api/v1/users", "application/json", `{"name":"yan","role":"admin","password":"0123456789"}`},
	{"POST", "/api/v1/users/yan/password", "application/json", `{"password":"9876543210"}`},
	{"DELETE", "/api/v1/users/yan", "", ""},
	{"POST", "/admin/users/zed/password", "application/x-www-form-urlencoded", "password=9876543210"},
	{"POST", "/admin/users/zed/delete", "application/x-www-form-urlencoded", ""},
	{"GET", "/api/v1/config", "", ""},
	{"PUT", "/api/v1/config", "application/yaml", "extensions: []\n"},
	{"POST", "/api/v1/config/validate", "application/yaml", "extensions: []\n"},
	{"GET", "/admin/trunks", "", ""},
	{"POST", "/admin/trunks", "application/x-www-form-urlencoded", "name=spare&type=peer&host=192.0.2.9"},
	{"GET", "/admin/trunks?edit=spare", "", ""},
	{"POST", "/admin/trunks/spare/delete", "application/x-www-form-urlencoded", ""},
	{"GET", "/admin/routes", "", ""},
	{"POST", "/admin/routes", "application/x-www-form-urlencoded", "in_did=%2B33123456789&in_to=hangup%3Aclosed"},
	{"POST", "/admin/routes/permissions", "application/x-www-form-urlencoded", "perm_extension=1001&perm_class=local"},
	{"GET", "/api/v1/trunks", "", ""},
	{"PUT", "/api/v1/trunks/spare2", "application/json", `{"type":"peer","host":"192.0.2.10"}`},
	{"DELETE", "/api/v1/trunks/spare2", "", ""},
	{"GET", "/api/v1/routes", "", ""},
	{"PUT", "/api/v1/routes", "application/json", `{"inbound":[{"did":"+33123456789","to":"hangup:closed"}]}`},
	{"GET", "/api/v1/permissions", "", ""},
	{"PUT", "/api/v1/permissions", "application/json", `[{"extension":"1001","class":"international"}]`},
}

func TestAdminRoutesRefuseAgentsAndMissingCSRF(t *testing.T) {
	f := newFixture(t, Config{})
	agent := f.login(t, "agent1", auth.RoleAgent)
	sup := f.login(t, "sup1", auth.RoleSupervisor)
	admin := f.login(t, "admin1", auth.RoleAdmin)
	for _, rt := range adminRoutes {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			w := f.do(t, session{}, rt.method, rt.path, rt.ctype, rt.body, false)
			if w.Code != http.StatusUnauthorized && w.Code != http.StatusSeeOther {
				t.Errorf("anonymous: status %d", w.Code)
			}
			for _, s := range []session{agent, sup} {
				if w := f.do(t, s, rt.method, rt.path, rt.ctype, rt.body, true); w.Code != http.StatusForbidden {
					t.Errorf("non-admin with CSRF: status %d, want 403", w.Code)
				}
			}
			if rt.method != "GET" {
				if w := f.do(t, admin, rt.method, rt.path, rt.ctype, rt.body, false); w.Code != http.StatusForbidden {
					t.Errorf("admin without CSRF: status %d, want 403", w.Code)
				}
			}
			w = f.do(t, admin, rt.method, rt.path, rt.ctype, rt.body, true)
			if w.Code >= 400 {
				t.Errorf("admin: status %d: %s", w.Code, w.Body)
			}
		})
	}
}

func TestBearerTokenIsCSRFExempt(t *testing.T) {
	f := newFixture(t, Config{})
	admin := f.login(t, "admin1", auth.RoleAdmin)
	w := f.do(t, admin, "POST", "/api/v1/tokens", "application/json", `{"label":"ci"}`, true)
	if w.Code != http.StatusCreated {
		t.Fatalf("create token: %d %s", w.Code, w.Body)
	}
	var tok struct{ Token string }
	json.Unmarshal(w.Body.Bytes(), &tok)
	r := httptest.NewRequest("POST", "/api/v1/extensions", strings.NewReader(`{"number":"2001","name":"Desk","password":"secret-pass-9"}`))
	r.Header.Set("Authorization", "Bearer "+tok.Token)
	rec := httptest.NewRecorder()
	f.s.Handler().ServeHTTP(rec, r)
	if rec.Code != http.StatusCreated {
		t.Fatalf("bearer create: %d %s", rec.Code, rec.Body)
	}
	if _, err := f.st.Extension(context.Background(), "2001"); err != nil {
		t.Fatal(err)
	}
}

func TestLoginThrottle(t *testing.T) {
	f := newFixture(t, Config{})
	f.login(t, "alice", auth.RoleAgent)
	bad := url.Values{"username": {"alice"}, "password": {"wrong"}}.Encode()
	for i := range 5 {
		if w := f.do(t, session{}, "POST", "/login", "application/x-www-form-urlencoded", bad, false); w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d", i, w.Code)
		}
	}
	good := url.Values{"username": {"alice"}, "password": {"password-alice"}}.Encode()
	w := f.do(t, session{}, "POST", "/login", "application/x-www-form-urlencoded", good, false)
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("after 5 failures: status %d, want 429", w.Code)
	}
	if len(w.Result().Cookies()) != 0 {
		t.Fatal("throttled login set a cookie")
	}
}

func TestCrossOriginLoginRefused(t *testing.T) {
	f := newFixture(t, Config{})
	f.login(t, "alice", auth.RoleAgent)
	r := httptest.NewRequest("POST", "http://panel.example/login", strings.NewReader("username=alice&password=password-alice"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "https://evil.example")
	w := httptest.NewRecorder()
	f.s.Handler().ServeHTTP(w, r)
	if w.Code != http.StatusForbidden || len(w.Result().Cookies()) != 0 {
		t.Fatalf("cross-origin login: %d", w.Code)
	}
}

func TestCookieFlags(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run(map[bool]string{false: "http", true: "https"}[tls], func(t *testing.T) {
			f := newFixture(t, Config{TLS: tls})
			if err := f.s.Auth().CreateUser(context.Background(), "bob", auth.RoleAgent, "0123456789", ""); err != nil {
				t.Fatal(err)
			}
			w := f.do(t, session{}, "POST", "/login", "application/x-www-form-urlencoded", "username=bob&password=0123456789", false)
			if hsts := w.Header().Get("Strict-Transport-Security"); (hsts != "") != tls {
				t.Fatalf("HSTS %q under TLS=%v", hsts, tls)
			}
			c := w.Result().Cookies()
			if len(c) != 1 || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode || c[0].Secure != tls || c[0].Path != "/" {
				t.Fatalf("cookie %+v", c)
			}
		})
	}
}

func TestUserInputRenderedInert(t *testing.T) {
	f := newFixture(t, Config{})
	admin := f.login(t, "admin1", auth.RoleAdmin)
	evil := `<script>alert(1)</script><img src=x onerror=alert(2)>`
	w := f.do(t, admin, "POST", "/admin/extensions", "application/x-www-form-urlencoded",
		url.Values{"number": {"1001"}, "name": {evil}, "password": {"secret-pass-1"}}.Encode(), true)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", w.Code, w.Body)
	}
	w = f.do(t, admin, "POST", "/admin/users", "application/x-www-form-urlencoded",
		url.Values{"username": {"eve"}, "role": {"agent"}, "password": {"0123456789"}, "display_name": {evil}}.Encode(), true)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("user: %d %s", w.Code, w.Body)
	}
	for _, path := range []string{"/admin/extensions", "/admin/users", "/admin/config"} {
		t.Run(path, func(t *testing.T) {
			body := f.do(t, admin, "GET", path, "", "", false).Body.String()
			if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") || strings.Contains(body, "<b>admin1</b>") {
				t.Fatalf("raw HTML from user input in %s", path)
			}
			if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") && !strings.Contains(body, "&lt;img") {
				t.Fatalf("escaped input missing from %s", path)
			}
		})
	}
	js, err := assets.ReadFile("assets/static/app.js")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(js, []byte("innerHTML")) || bytes.Contains(js, []byte("insertAdjacentHTML")) || bytes.Contains(js, []byte("document.write")) {
		t.Fatal("app.js writes HTML; use textContent")
	}
	csp := f.do(t, admin, "GET", "/admin/users", "", "", false).Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("CSP %q", csp)
	}
}

func TestConfigValidateImportExport(t *testing.T) {
	f := newFixture(t, Config{})
	admin := f.login(t, "admin1", auth.RoleAdmin)
	bad := "extensions:\n  - number: \"1001\"\n    password: secret-pass-1\n  - number: \"x\"\n    password: secret-pass-2\n"
	w := f.do(t, admin, "POST", "/api/v1/config/validate", "application/yaml", bad, true)
	var v validation
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil || v.OK || len(v.Errors) == 0 {
		t.Fatalf("validate: %d %s", w.Code, w.Body)
	}
	if v.Errors[0].Line != 4 || !strings.Contains(v.Errors[0].Path, "extensions[1]") {
		t.Fatalf("error not at its line: %+v", v.Errors)
	}
	syntax := "extensions:\n  - number: [\n"
	w = f.do(t, admin, "POST", "/api/v1/config/validate", "application/yaml", syntax, true)
	json.Unmarshal(w.Body.Bytes(), &v)
	if v.OK || len(v.Errors) != 1 || v.Errors[0].Line == 0 {
		t.Fatalf("syntax error: %s", w.Body)
	}

	w = f.do(t, admin, "PUT", "/api/v1/config", "application/yaml", bad, true)
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad import: %d", w.Code)
	}
	if exts, _ := f.st.Extensions(context.Background()); len(exts) != 0 {
		t.Fatal("a bad file was partly applied")
	}
	page := f.do(t, admin, "POST", "/admin/config", "application/x-www-form-urlencoded", url.Values{"yaml": {bad}}.Encode(), true)
	if page.Code != http.StatusUnprocessableEntity || !strings.Contains(page.Body.String(), "line 4: extensions[1]") {
		t.Fatalf("editor page does not name the line: %d", page.Code)
	}

	good := "extensions:\n  - number: \"1001\"\n    name: Front desk\n    password: secret-pass-1\n"
	rev0, _ := f.st.ConfigRev(context.Background())
	if w := f.do(t, admin, "PUT", "/api/v1/config", "application/yaml", good, true); w.Code != http.StatusNoContent {
		t.Fatalf("import: %d %s", w.Code, w.Body)
	}
	if rev1, _ := f.st.ConfigRev(context.Background()); rev1 <= rev0 {
		t.Fatal("import did not bump the config revision")
	}
	w = f.do(t, admin, "GET", "/api/v1/config", "", "", false)
	if !strings.Contains(w.Body.String(), "Front desk") || strings.Contains(w.Body.String(), "secret-pass-1") {
		t.Fatalf("export: %s", w.Body)
	}
	w = f.do(t, admin, "GET", "/api/v1/extensions", "", "", false)
	var exts []extensionView
	if err := json.Unmarshal(w.Body.Bytes(), &exts); err != nil || len(exts) != 1 || exts[0].Registered {
		t.Fatalf("extensions: %s", w.Body)
	}
	err := f.st.ReplaceRegistrations(context.Background(), []string{"1001"}, []store.Registration{{
		AOR: "1001", Contact: "sip:1001@192.0.2.5:5060", Source: "192.0.2.5:5060", Transport: "UDP",
		ExpiresAt: time.Now().Add(time.Hour), UserAgent: "DeskPhone 1",
	}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	w = f.do(t, admin, "GET", "/api/v1/extensions", "", "", false)
	json.Unmarshal(w.Body.Bytes(), &exts)
	if !exts[0].Registered || exts[0].Contacts[0].UserAgent != "DeskPhone 1" {
		t.Fatalf("registration status: %s", w.Body)
	}
	if w := f.do(t, admin, "POST", "/api/v1/extensions", "application/json", `{"number":"1","password":"x"}`, true); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("invalid extension: %d", w.Code)
	}
}

func TestEventStream(t *testing.T) {
	f := newFixture(t, Config{})
	sup := f.login(t, "sup1", auth.RoleSupervisor)
	agent := f.login(t, "agent1", auth.RoleAgent)
	if w := f.do(t, agent, "GET", "/api/v1/events", "", "", false); w.Code != http.StatusForbidden {
		t.Fatalf("agent on events: %d", w.Code)
	}
	srv := httptest.NewServer(f.s.Handler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/events?topic=queue", nil)
	req.AddCookie(sup.cookie)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	buf := make([]byte, 512)
	n, err := res.Body.Read(buf) // ": connected": the subscription exists
	if err != nil || !strings.Contains(string(buf[:n]), "connected") {
		t.Fatalf("stream start: %q %v", buf[:n], err)
	}
	f.bus.Publish("agent", "ignored")
	f.bus.Publish("queue", map[string]int{"waiting": 1})
	var got strings.Builder
	for i := 0; i < 20 && !strings.Contains(got.String(), "\n\n"); i++ {
		n, err := res.Body.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if !strings.Contains(got.String(), "event: queue") || !strings.Contains(got.String(), `"waiting":1`) || strings.Contains(got.String(), "ignored") {
		t.Fatalf("stream: %q", got.String())
	}
}

func TestEnsureAdmin(t *testing.T) {
	f := newFixture(t, Config{})
	var out bytes.Buffer
	if err := f.s.EnsureAdmin(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`password (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no password printed: %q", out.String())
	}
	out.Reset()
	if err := f.s.EnsureAdmin(context.Background(), &out); err != nil || out.Len() != 0 {
		t.Fatalf("second start printed %q, %v", out.String(), err)
	}
	w := f.do(t, session{}, "POST", "/login", "application/x-www-form-urlencoded", url.Values{"username": {"admin"}, "password": {m[1]}}.Encode(), false)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("admin login with printed password: %d", w.Code)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"loopback http", Config{Listen: "127.0.0.1:8080"}, nil},
		{"localhost http", Config{Listen: "localhost:8080"}, nil},
		{"public http", Config{Listen: "0.0.0.0:8080"}, ErrPlainHTTP},
		{"public https", Config{Listen: "0.0.0.0:8080", TLS: true, DataDir: "/tmp/x"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.Validate(); !errors.Is(err, tt.want) && (tt.want != nil || err != nil) {
				t.Fatalf("Validate = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestServeTLSSelfSigned(t *testing.T) {
	f := newFixture(t, Config{TLS: true})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := f.s.Listen(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- f.s.Serve(ctx) }()

	pemData, err := os.ReadFile(filepath.Join(f.s.cfg.DataDir, certFileName))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemData)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer client.CloseIdleConnections()
	res, err := client.Get("https://" + f.s.Addr().String() + "/login")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	// A second start reuses the certificate.
	again, _, err := ensureSelfSigned(f.s.cfg.DataDir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(again); !bytes.Equal(b, pemData) {
		t.Fatal("certificate regenerated")
	}
}

// TestOpenAPIListsEveryRoute checks that every /api/v1 route registered
// in routes.go is documented in openapi.json.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	f := newFixture(t, Config{})
	w := f.do(t, session{}, "GET", "/api/v1/openapi.json", "", "", false)
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	routes := registeredRoutes(t, `"(GET|POST|PUT|DELETE|PATCH) /api/v1(/[^"]*)"`)
	for _, m := range routes {
		method, path := strings.ToLower(m[1]), m[2]
		if path == "/openapi.json" {
			continue
		}
		if _, ok := doc.Paths[path][method]; !ok {
			t.Errorf("openapi.json lacks %s %s", method, path)
		}
	}
}
