package webui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

// apiOperation is one route of openapi.json.
type apiOperation struct {
	method, path string
	// props are the JSON body's top-level properties and their types;
	// nil when the route takes no JSON body.
	props map[string]string
	json  bool // the body is JSON
	list  bool // the body is a list of such objects
}

// openAPIOperations reads every operation of the embedded openapi.json,
// resolving the body schemas' references.
func openAPIOperations(t *testing.T) []apiOperation {
	t.Helper()
	b, err := assets.ReadFile("assets/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	type schema struct {
		Ref        string             `json:"$ref"`
		Type       any                `json:"type"`
		Properties map[string]*schema `json:"properties"`
		Items      *schema            `json:"items"`
	}
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody *struct {
				Content map[string]struct {
					Schema *schema `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]*schema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	resolve := func(s *schema) *schema {
		for s != nil && s.Ref != "" {
			s = doc.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
		}
		return s
	}
	var ops []apiOperation
	for p, methods := range doc.Paths {
		for m, op := range methods {
			o := apiOperation{method: strings.ToUpper(m), path: "/api/v1" + p}
			if op.RequestBody != nil {
				if c, ok := op.RequestBody.Content["application/json"]; ok {
					o.json = true
					o.props = map[string]string{}
					s := resolve(c.Schema)
					if s != nil && s.Items != nil {
						o.list, s = true, resolve(s.Items)
					}
					if s != nil {
						for name, ps := range s.Properties {
							o.props[name] = fmt.Sprint(resolve(ps).Type)
						}
					}
				}
			}
			ops = append(ops, o)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	return ops
}

// hostileFixture is a panel with every optional part configured (live
// distributor, customers, mail, supervision, recordings), so that every
// route reaches its handler, and an admin session.
func hostileFixture(t *testing.T) (*fixture, session) {
	t.Helper()
	f, _, _ := emailFixture(t)
	f.s.cfg.Supervisor = &fakeSupervisor{}
	f.s.cfg.Recordings = t.TempDir()
	return f, f.login(t, "root", auth.RoleAdmin)
}

// wrongValue is a JSON value of another type than typ.
func wrongValue(typ string) string {
	switch typ {
	case "string":
		return `{"nested": [1, 2]}`
	case "array":
		return `"not a list"`
	case "object":
		return `[true]`
	default: // integer, number, boolean
		return `"not a number"`
	}
}

// fillPath puts v in every {parameter} of an OpenAPI path.
func fillPath(path, v string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			return b.String() + path
		}
		j := strings.IndexByte(path[i:], '}')
		b.WriteString(path[:i] + v)
		path = path[i+j+1:]
	}
}

// TestAPIHostileBodies walks every route of openapi.json with hostile JSON
// bodies: each is refused with 400 or 422 (never a 5xx, a panic or a
// success) and, where one field is at fault, the answer names it.
func TestAPIHostileBodies(t *testing.T) {
	f, admin := hostileFixture(t)
	for _, op := range openAPIOperations(t) {
		if !op.json {
			continue
		}
		path := fillPath(op.path, "7")
		type hostile struct {
			name, body, field string
		}
		cases := []hostile{
			{"truncated", `{"a": `, ""},
			{"not an object", `"just a string"`, ""},
			{"number", `12`, ""},
			{"trailing data", `{} {}`, ""},
			{"unknown field", `{"zz_unknown_field": 1}`, "zz_unknown_field"},
			{"invalid UTF-8", "{\"x\": \"\xff\xfe\"}", ""},
			{"deep nesting", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), ""},
		}
		for name, typ := range op.props {
			cases = append(cases, hostile{"wrong type " + name, fmt.Sprintf(`{%q: %s}`, name, wrongValue(typ)), name})
		}
		if op.list {
			for i, c := range cases[4:] { // the object's cases, as the second item
				cases[4+i].body = "[{}, " + c.body + "]"
			}
		}
		for _, c := range cases {
			t.Run(op.method+" "+op.path+"/"+c.name, func(t *testing.T) {
				w := f.do(t, admin, op.method, path, "application/json", c.body, true)
				if w.Code != http.StatusBadRequest && w.Code != http.StatusUnprocessableEntity && w.Code != http.StatusNotFound {
					t.Fatalf("status %d, want 400 or 422: %s", w.Code, w.Body)
				}
				var e apiError
				if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" {
					t.Fatalf("answer is not a JSON error: %q", w.Body)
				}
				if c.field != "" && w.Code != http.StatusNotFound && !strings.Contains(w.Body.String(), c.field) {
					t.Errorf("the error does not name %q: %s", c.field, w.Body)
				}
			})
		}
	}
}

// TestAPIHugeStrings sends a 20 KiB string in every string field of every
// JSON route of openapi.json: none is answered 5xx (bcrypt refused
// passwords over 72 bytes with an internal error).
func TestAPIHugeStrings(t *testing.T) {
	f, admin := hostileFixture(t)
	huge := strings.Repeat("h", 20<<10)
	for _, op := range openAPIOperations(t) {
		for name, typ := range op.props {
			if typ != "string" {
				continue
			}
			body := fmt.Sprintf(`{%q: %q}`, name, huge)
			if op.list {
				body = "[" + body + "]"
			}
			t.Run(op.method+" "+op.path+"/"+name, func(t *testing.T) {
				if w := f.do(t, admin, op.method, fillPath(op.path, "7"), "application/json", body, true); w.Code >= 500 {
					t.Fatalf("status %d: %.300s", w.Code, w.Body)
				}
			})
		}
	}
	long := strings.Repeat("p", 73)
	for path, body := range map[string]string{
		"/api/v1/users/root/password": `{"password": "` + long + `"}`,
		"/api/v1/me/password":         `{"current": "password-root", "password": "` + long + `"}`,
	} {
		w := f.do(t, admin, "POST", path, "application/json", body, true)
		if w.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: 73-byte password: status %d: %s", path, w.Code, w.Body)
		}
	}
}

// TestAPIHostileParameters walks every route of openapi.json with path
// parameters that are not what they should be (not numbers, traversal,
// encoded traversal, NUL, huge): none is answered 5xx, and none but a
// plain name succeeds.
func TestAPIHostileParameters(t *testing.T) {
	f, admin := hostileFixture(t)
	for _, op := range openAPIOperations(t) {
		if !strings.Contains(op.path, "{") {
			continue
		}
		for _, v := range []string{"abc", "-1", "0", "99999999999999999999999", "..", "%2e%2e", "..%2f..%2fetc%2fpasswd", "%00", "%2fetc%2fpasswd", strings.Repeat("x", 5000)} {
			t.Run(op.method+" "+op.path+"/"+v[:min(len(v), 24)], func(t *testing.T) {
				w := f.do(t, admin, op.method, fillPath(op.path, v), "application/json", `{}`, true)
				odd := strings.ContainsAny(v, ".%") || len(v) > 1000
				if w.Code >= 500 || (odd && w.Code < 300) {
					t.Fatalf("status %d: %.300s", w.Code, w.Body)
				}
			})
		}
	}
}

// TestDecodeEntryNamesTheField: a body that does not fit is refused with
// the path of the value at fault, however deep.
func TestDecodeEntryNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		name, body, path string
		v                any
	}{
		{"nested duration", `{"members": ["a"], "overflow": {"after": "soon"}}`, "overflow.after", &config.Queue{}},
		{"map value", `{"skills": {"french": "fluent"}}`, "skills.french", &config.Agent{}},
		{"list item", `{"outbound": [{"pattern": "0X."}, {"strip": [1]}]}`, "outbound[1].strip", &config.Routes{}},
		{"list body", `[{}, {"max_concurrent": "many"}]`, "[1].max_concurrent", &[]config.Permission{}},
		{"unknown field", `{"capacity": 100, "colour": "red"}`, "colour", &config.Agent{}},
		{"trailing data", `{} {}`, "", &config.Agent{}},
		{"syntax", `{"capacity": `, "", &config.Agent{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := decodeEntry(strings.NewReader(tc.body), tc.v)
			var be *bodyError
			if !errors.As(err, &be) {
				t.Fatalf("error %v, want a bodyError", err)
			}
			if be.path != tc.path {
				t.Errorf("path %q, want %q (%v)", be.path, tc.path, err)
			}
		})
	}
}

// TestRecordingLinkOutside: a link planted in the recordings directory
// that leads out of it is not followed.
func TestRecordingLinkOutside(t *testing.T) {
	rec, outside := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.wav"), []byte("RIFF secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.wav"), filepath.Join(rec, "call.wav")); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, Config{Recordings: rec})
	day := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	addCDR(t, f.st, store.CDR{CallID: "a", Caller: "1001", Callee: "1002", StartedAt: day, Disposition: "answered", Recording: "call.wav"})
	sup := f.login(t, "sup1", auth.RoleSupervisor)
	if w := f.do(t, sup, "GET", "/api/v1/cdrs/1/recording", "", "", false); w.Code != http.StatusNotFound || strings.Contains(w.Body.String(), "secret") {
		t.Fatalf("link out of the recordings: %d %q", w.Code, w.Body)
	}
}

// TestScriptsBuildNoHTML: the panel's, the chat widget's and the contact
// page's scripts put visitor and customer strings in the page as text
// only: none uses an HTML sink (a name or message with markup stays
// inert, whatever the server let through).
func TestScriptsBuildNoHTML(t *testing.T) {
	sink := regexp.MustCompile(`\.(innerHTML|outerHTML|insertAdjacentHTML)\b|document\.write|\beval\(|new Function\(|setAttribute\(\s*["']on`)
	for _, path := range []string{"assets/static/app.js", "../chat/widget.js", "../ivr/contact/assets/contact.js"} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if sink.MatchString(line) {
				t.Errorf("%s:%d: HTML sink: %s", path, i+1, strings.TrimSpace(line))
			}
		}
	}
}

// endless reads as many bytes of 'a' as asked, forever.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

// TestBigBodies: every body is bounded: one announced too large is refused
// at once with 413, one sent without a length is cut at the limit, and a
// multipart or form made of a great many small parts is refused, never a
// 5xx.
func TestBigBodies(t *testing.T) {
	f, admin := hostileFixture(t)
	send := func(method, path, ctype string, body io.Reader, length int64) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, body)
		r.ContentLength = length
		r.Header.Set("Content-Type", ctype)
		r.AddCookie(admin.cookie)
		r.Header.Set(auth.CSRFHeader, admin.csrf)
		w := httptest.NewRecorder()
		f.s.Handler().ServeHTTP(w, r)
		return w
	}
	var parts strings.Builder
	mw := multipart.NewWriter(&parts)
	for i := range 5000 {
		mw.WriteField(fmt.Sprint("f", i), "x")
	}
	mw.Close()
	fields := strings.Repeat("a=&", 300000)
	for _, tc := range []struct {
		name, method, path, ctype string
		body                      io.Reader
		length                    int64
		want                      []int
	}{
		{"config announced too large", "PUT", "/api/v1/config", "application/yaml", endless{}, 2 << 20, []int{413}},
		{"config without a length", "PUT", "/api/v1/config", "application/yaml", io.LimitReader(endless{}, 2<<20), -1, []int{413}},
		{"JSON announced too large", "POST", "/api/v1/users", "application/json", endless{}, 2 << 20, []int{413}},
		{"JSON without a length", "PUT", "/api/v1/agents/x", "application/json", io.LimitReader(endless{}, 2<<20), -1, []int{400, 413}},
		{"upload announced too large", "POST", "/api/v1/prompts", "multipart/form-data; boundary=x", endless{}, maxUploadBody + 1, []int{413}},
		{"upload without a length", "POST", "/api/v1/prompts", "multipart/form-data; boundary=x", io.LimitReader(endless{}, maxUploadBody+1), -1, []int{400, 413}},
		{"many parts", "POST", "/api/v1/prompts", mw.FormDataContentType(), strings.NewReader(parts.String()), int64(parts.Len()), []int{400, 413}},
		{"many form fields", "POST", "/admin/extensions", "application/x-www-form-urlencoded", strings.NewReader(fields), int64(len(fields)), []int{400, 413, 422}},
		{"contact post too large", "POST", "/contact/main", "application/x-www-form-urlencoded", endless{}, 2 << 20, []int{413}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := send(tc.method, tc.path, tc.ctype, tc.body, tc.length)
			if !slices.Contains(tc.want, w.Code) {
				t.Fatalf("status %d, want one of %v: %.300s", w.Code, tc.want, w.Body)
			}
		})
	}
}

// TestFormsHostileValues posts every form route of routes.go with every
// usual field set to a hostile value (30 KiB, the fields together just
// under the body limit; NUL; markup; out-of-range numbers): none is
// answered 5xx, and no answer echoes markup unescaped.
func TestFormsHostileValues(t *testing.T) {
	f, admin := hostileFixture(t)
	routes := registeredRoutes(t, `"POST (/[^"]*)"`)
	fields := []string{"number", "name", "password", "username", "role", "display_name", "queue", "members", "host", "yaml",
		"note", "body", "from", "identity", "timezone", "language", "in_did", "out_pattern", "out_strip",
		"perm_max_concurrent", "origins", "hours", "capacity", "text", "kind", "lang"}
	for _, m := range routes {
		path := fillPath(m[1], "7")
		for _, v := range []string{strings.Repeat("h", 30<<10), "\x00", "<script>x</script>", "-1", "99999999999999999999"} {
			form := url.Values{}
			for _, k := range fields {
				form.Set(k, v)
			}
			t.Run(path+"/"+v[:min(len(v), 8)], func(t *testing.T) {
				w := f.do(t, admin, "POST", path, "application/x-www-form-urlencoded", form.Encode(), true)
				if w.Code >= 500 {
					t.Fatalf("status %d: %.300s", w.Code, w.Body)
				}
				if strings.Contains(w.Body.String(), "<script>x") {
					t.Fatal("the answer echoes markup unescaped")
				}
			})
		}
	}
}

// registeredRoutes returns the submatches of pattern in routes.go, the
// routes the mux registers; it fails the test when fewer than 20 match.
func registeredRoutes(t *testing.T, pattern string) [][]string {
	t.Helper()
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	routes := regexp.MustCompile(pattern).FindAllStringSubmatch(string(src), -1)
	if len(routes) < 20 {
		t.Fatalf("found only %d routes matching %s in routes.go", len(routes), pattern)
	}
	return routes
}
