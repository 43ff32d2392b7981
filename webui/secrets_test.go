package webui

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/sip/digest"
)

// secretsYAML has every kind of secret of the configuration file; none of
// secretsShown may appear in any answer.
const secretsYAML = `extensions:
  - {number: "1001", name: Alice, password: desk-secret-1}
  - {number: "1002", name: Bob, password: desk-secret-2}
trunks:
  - {name: provider, type: register, host: "127.0.0.1:5070", username: u, password: trunk-secret-1}
  - {name: gateway, type: peer, host: 192.0.2.10}
queues:
  - {name: support}
mailboxes:
  - {name: help, imap: "imaps://help:imap-secret-1@mail.example.com/INBOX", smtp: "smtps://help:smtp-secret-1@mail.example.com", from: help@example.com, queue: support}
`

// secretsShown are the secrets of secretsYAML, and the stored hashes of
// its extensions are checked as well (secretsAbsent).
var secretsShown = []string{"desk-secret-1", "desk-secret-2", "trunk-secret-1", "imap-secret-1", "smtp-secret-1"}

// secretsAbsent fails when body shows a secret of secretsYAML or a stored
// extension hash.
func secretsAbsent(t *testing.T, f *fixture, what, body string) {
	t.Helper()
	shown := slices.Clone(secretsShown)
	for _, e := range exported(t, f).Extensions {
		shown = append(shown, e.HA1MD5, e.HA1SHA256)
	}
	for _, s := range shown {
		if strings.Contains(body, s) {
			t.Fatalf("%s shows the secret %q:\n%s", what, s, body)
		}
	}
}

// exported is the stored configuration, secrets included.
func exported(t *testing.T, f *fixture) *config.File {
	t.Helper()
	exp, err := config.Export(t.Context(), f.st)
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

// secretsFixture imports secretsYAML and returns the stored configuration
// and the API's export of it.
func secretsFixture(t *testing.T) (f *fixture, admin session, stored *config.File, shown string) {
	t.Helper()
	f, admin = configuredFixture(t, secretsYAML)
	return f, admin, exported(t, f), f.do(t, admin, "GET", "/api/v1/config", "", "", false).Body.String()
}

// TestConfigExportHidesSecrets: the API export and the editor page show
// each secret as the placeholder, never a secret or a hash.
func TestConfigExportHidesSecrets(t *testing.T) {
	f, admin, _, body := secretsFixture(t)
	secretsAbsent(t, f, "GET /api/v1/config", body)
	for _, want := range []string{"password: " + config.Placeholder, "imaps://help:" + config.Placeholder + "@mail.example.com/INBOX", "smtps://help:" + config.Placeholder + "@"} {
		if !strings.Contains(body, want) {
			t.Errorf("export lacks %q:\n%s", want, body)
		}
	}
	if n := strings.Count(body, config.Placeholder); n != 5 {
		t.Errorf("%d placeholders, want 5 (2 extensions, 1 trunk, 2 mailbox URLs):\n%s", n, body)
	}

	page := f.do(t, admin, "GET", "/admin/config", "", "", false)
	if page.Code != http.StatusOK {
		t.Fatalf("editor: %d", page.Code)
	}
	secretsAbsent(t, f, "the editor page", page.Body.String())
	if !strings.Contains(page.Body.String(), `id="secrets-help"`) || strings.Count(page.Body.String(), config.Placeholder) != 6 {
		t.Errorf("the editor does not explain the placeholder:\n%s", page.Body)
	}
}

// TestConfigRoundTripKeepsSecrets: the export saved back unchanged, by the
// API, the live check and the editor, changes nothing, and the desk phones
// still log in with their passwords.
func TestConfigRoundTripKeepsSecrets(t *testing.T) {
	f, admin, before, shown := secretsFixture(t)

	w := f.do(t, admin, "POST", "/api/v1/config/validate", "application/yaml", shown, true)
	var v validation
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil || !v.OK {
		t.Fatalf("the export does not validate: %s", w.Body)
	}
	if w := f.do(t, admin, "PUT", "/api/v1/config", "application/yaml", shown, true); w.Code != http.StatusNoContent {
		t.Fatalf("PUT the export back: %d %s", w.Code, w.Body)
	}
	form := url.Values{"yaml": {shown}}.Encode()
	if w := f.do(t, admin, "POST", "/admin/config", "application/x-www-form-urlencoded", form, true); w.Code != http.StatusSeeOther {
		t.Fatalf("save the editor: %d %s", w.Code, w.Body)
	}
	if after := exported(t, f); !reflect.DeepEqual(after, before) {
		t.Fatalf("the round trip changed the configuration:\n%+v\n%+v", after, before)
	}
	for number, pw := range map[string]string{"1001": "desk-secret-1", "1002": "desk-secret-2"} {
		if !digestLogin(t, f, number, pw) {
			t.Errorf("extension %s no longer logs in with its password", number)
		}
	}
	if digestLogin(t, f, "1001", "desk-secret-2") {
		t.Error("a wrong password logs in")
	}
}

// TestConfigPlaceholderNeedsStoredSecret: a placeholder with no stored
// secret behind it is refused naming its field, nothing is applied; a
// secret typed in clear is stored.
func TestConfigPlaceholderNeedsStoredSecret(t *testing.T) {
	f, admin, before, shown := secretsFixture(t)
	for _, c := range []struct{ name, from, to, field string }{
		{"new extension", `number: "1002"`, `number: "1003"`, "extensions[1].password"},
		{"renamed trunk", "name: provider", "name: carrier", "trunks[1].password"},
		{"renamed mailbox", "name: help", "name: sales", "mailboxes[0].imap"},
	} {
		t.Run(c.name, func(t *testing.T) {
			changed := strings.Replace(shown, c.from, c.to, 1)
			if changed == shown {
				t.Fatalf("%q not in the export:\n%s", c.from, shown)
			}
			w := f.do(t, admin, "PUT", "/api/v1/config", "application/yaml", changed, true)
			if w.Code != http.StatusUnprocessableEntity {
				t.Fatalf("PUT: %d %s", w.Code, w.Body)
			}
			fes := decodeErrors(t, w.Body.Bytes())
			if !slices.ContainsFunc(fes, func(fe fieldError) bool {
				return fe.Path == c.field && fe.Line > 0 && strings.Contains(fe.Msg, config.Placeholder)
			}) {
				t.Fatalf("errors do not name %s: %+v", c.field, fes)
			}
			secretsAbsent(t, f, "the refusal", w.Body.String())
			page := f.do(t, admin, "POST", "/admin/config", "application/x-www-form-urlencoded", url.Values{"yaml": {changed}}.Encode(), true)
			if page.Code != http.StatusUnprocessableEntity || !strings.Contains(page.Body.String(), c.field) {
				t.Fatalf("editor: %d", page.Code)
			}
			secretsAbsent(t, f, "the editor's refusal", page.Body.String())
		})
	}
	if after := exported(t, f); !reflect.DeepEqual(after, before) {
		t.Fatal("a refused file changed the configuration")
	}

	typed := strings.Replace(shown, `number: "1002"`, `number: "1003"`, 1)
	typed = strings.Replace(typed, "name: Bob\n    password: "+config.Placeholder, "name: Bob\n    password: desk-secret-3", 1)
	if w := f.do(t, admin, "PUT", "/api/v1/config", "application/yaml", typed, true); w.Code != http.StatusNoContent {
		t.Fatalf("PUT with a clear password: %d %s\n%s", w.Code, w.Body, typed)
	}
	if !digestLogin(t, f, "1003", "desk-secret-3") || !digestLogin(t, f, "1001", "desk-secret-1") {
		t.Fatal("the new extension or the kept one does not log in")
	}
}

var nonceRE = regexp.MustCompile(`nonce="([^"]+)"`)

// digestLogin reports whether a digest REGISTER of number with password
// passes the registrar's check against the stored hashes.
func digestLogin(t *testing.T, f *fixture, number, password string) bool {
	t.Helper()
	exts, err := f.st.Extensions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	a := digest.New(digest.Config{Realm: config.DefaultRealm})
	m := nonceRE.FindStringSubmatch(a.Challenges(time.Now(), false)[0])
	if m == nil {
		t.Fatal("no nonce in the challenge")
	}
	md5hex := func(s string) string { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }
	uri := "sip:" + config.DefaultRealm
	resp := md5hex(md5hex(number+":"+config.DefaultRealm+":"+password) + ":" + m[1] + ":" + md5hex("REGISTER:"+uri))
	h := fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", algorithm=MD5`, number, config.DefaultRealm, m[1], uri, resp)
	_, res := a.Verify("REGISTER", []string{h}, func(user string) (digest.HA1, bool) {
		i := slices.IndexFunc(exts, func(e store.Extension) bool { return e.Number == user })
		if i < 0 {
			return digest.HA1{}, false
		}
		return digest.HA1{MD5: exts[i].HA1MD5, SHA256: exts[i].HA1SHA256}, true
	})
	return res == digest.OK
}
