package contact

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/ivr"
)

func get(t *testing.T, h http.Handler, target string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
	return rec.Code, rec.Body.String()
}

var tokenRE = regexp.MustCompile(`name="token" value="([^"]+)"`)

func post(t *testing.T, h http.Handler, form url.Values, origin, remote string) (int, string) {
	t.Helper()
	req := httptest.NewRequest("POST", "/contact/main", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Host = "example.com"
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	req.RemoteAddr = remote
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestPages(t *testing.T) {
	for _, tc := range []struct {
		name       string
		open       bool
		chat       int
		wait       time.Duration
		target     string
		want, lack []string
	}{
		{"menu", true, 0, 0, "/contact/main", []string{"How can we help?", "Technical support &lt;b&gt;now&lt;/b&gt;"}, []string{"<b>now"}},
		{"self-service link first", true, 0, 0, "/contact/main?n=faq", []string{`id="selfservice"`, "https://example.com/faq", `id="phone"`}, nil},
		{"short wait shows the phone and code", true, 0, time.Minute, "/contact/main?n=support", []string{`id="phone"`, `id="get-code"`, `id="callback"`}, []string{`id="chat"`, `id="code"`}},
		{"long wait hides the phone", true, 1, time.Hour, "/contact/main?n=support", []string{`id="chat"`, `id="callback"`, `id="email"`}, []string{`id="phone"`}},
		{"chat agent and short wait: no forms", true, 1, time.Minute, "/contact/main?n=support", []string{`id="chat"`, `id="phone"`}, []string{`id="callback"`}},
		{"after hours the callback form", false, 1, 0, "/contact/main?n=hours", []string{"We are closed", `id="callback"`}, []string{`id="phone"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			live := &fakeLive{}
			live.set(tc.chat, tc.wait)
			code, body := get(t, newTestHandler(live, &funnel{}, tc.open), tc.target)
			if code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, l := range tc.lack {
				if strings.Contains(body, l) {
					t.Errorf("page has %q", l)
				}
			}
		})
	}
	h := newTestHandler(&fakeLive{}, &funnel{}, true)
	for _, target := range []string{"/contact/nope", "/contact/main?n=nope"} {
		if code, _ := get(t, h, target); code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", target, code)
		}
	}
}

func TestCallbackPost(t *testing.T) {
	live := &fakeLive{}
	fn := &funnel{}
	h := newTestHandler(live, fn, false)
	_, page := get(t, h, "/contact/main?n=after&s=0123456789abcdef")
	m := tokenRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no token on the page")
	}
	token := html.UnescapeString(m[1])
	form := func(mod func(url.Values)) url.Values {
		v := url.Values{"token": {token}, "kind": {"callback"}, "node": {"after"}, "number": {"+33612345678"}, "window": {"09:00-12:00"}}
		mod(v)
		return v
	}
	for _, tc := range []struct {
		name   string
		form   url.Values
		origin string
		want   int
	}{
		{"cross-site origin", form(func(url.Values) {}), "https://evil.example", http.StatusForbidden},
		{"no token", form(func(v url.Values) { v.Del("token") }), "", http.StatusForbidden},
		{"token for another node", form(func(v url.Values) { v.Set("node", "support") }), "", http.StatusForbidden},
		{"forged token", form(func(v url.Values) { v.Set("token", token[:len(token)-2]+"AA") }), "", http.StatusForbidden},
		{"bad number", form(func(v url.Values) { v.Set("number", "<script>") }), "https://example.com", http.StatusUnprocessableEntity},
		{"window not offered", form(func(v url.Values) { v.Set("window", "03:00-04:00") }), "", http.StatusUnprocessableEntity},
		{"valid", form(func(url.Values) {}), "https://example.com", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := post(t, h, tc.form, tc.origin, "192.0.2.1:1000"); code != tc.want {
				t.Fatalf("status %d, want %d: %s", code, tc.want, body)
			}
		})
	}
	items := live.queued()
	if len(items) != 1 || items[0].Channel != "callback" || items[0].Context.Intent != "technical support" || items[0].Number != "+33612345678" {
		t.Fatalf("items = %+v", items)
	}
	if got := fn.count("after", ivr.Chose, "callback"); got != 1 {
		t.Errorf("funnel callback choices = %d, want 1", got)
	}
}

func TestRateLimitPerAddress(t *testing.T) {
	h := newTestHandler(&fakeLive{}, &funnel{}, false)
	bad := url.Values{"kind": {"callback"}, "node": {"after"}}
	for i := range 10 {
		if code, _ := post(t, h, bad, "", "192.0.2.7:1"); code != http.StatusForbidden {
			t.Fatalf("post %d: status %d", i, code)
		}
	}
	if code, _ := post(t, h, bad, "", "192.0.2.7:2"); code != http.StatusTooManyRequests {
		t.Fatalf("11th post: status %d, want 429", code)
	}
	if code, _ := post(t, h, bad, "", "192.0.2.8:1"); code != http.StatusForbidden {
		t.Fatalf("other address: status %d, want 403", code)
	}
}

func TestLeftBeacon(t *testing.T) {
	fn := &funnel{}
	h := newTestHandler(&fakeLive{}, fn, true)
	for _, tc := range []struct {
		node, session string
		want          int
	}{
		{"welcome", "0123456789abcdef", http.StatusNoContent},
		{"nope", "0123456789abcdef", http.StatusBadRequest},
		{"welcome", "x", http.StatusBadRequest},
	} {
		req := httptest.NewRequest("POST", "/contact/main/left", strings.NewReader(url.Values{"node": {tc.node}, "session": {tc.session}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("%s/%s: status %d, want %d", tc.node, tc.session, rec.Code, tc.want)
		}
	}
	if got := fn.count("welcome", ivr.Left, ""); got != 1 {
		t.Errorf("left = %d, want 1", got)
	}
}

func FuzzCheckToken(f *testing.F) {
	secret := []byte("secret")
	good := signToken(secret, "main", "after", "0123456789abcdef", time.Unix(2e9, 0))
	for _, s := range []string{good, "", "1.2.3", "9999999999.0123456789abcdef.", good + "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		session, ok := checkToken(secret, token, "main", "after", time.Unix(1e9, 0))
		if ok && token != good {
			t.Fatalf("forged token %q accepted", token)
		}
		if ok && session != "0123456789abcdef" {
			t.Fatalf("session %q", session)
		}
	})
}

// TestChatURLEmpty: a queue without a chat page (ChatURL gives "") offers
// no chat even with an agent available for chat, and so keeps the forms.
func TestChatURLEmpty(t *testing.T) {
	live := &fakeLive{}
	live.set(1, time.Minute)
	h := newTestHandler(live, &funnel{}, true)
	h.cfg.ChatURL = func(string) string { return "" }
	code, body := get(t, h, "/contact/main?n=support")
	if code != http.StatusOK || strings.Contains(body, `id="chat"`) || !strings.Contains(body, `id="callback"`) || !strings.Contains(body, `id="phone"`) {
		t.Fatalf("status %d, page:\n%s", code, body)
	}
}
