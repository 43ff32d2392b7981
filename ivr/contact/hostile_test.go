package contact

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// getFrom fetches target as the client at remote.
func getFrom(h http.Handler, target, remote string) int {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", target, nil)
	req.RemoteAddr = remote
	h.ServeHTTP(rec, req)
	return rec.Code
}

// TestPageViewsPerAddress: a script fetching pages in a loop (each view
// writes the funnel, and takes no web-to-voice code) is refused after
// PageViewsPerMinute; other addresses are not, and an IPv6 client is
// counted by its /64.
func TestPageViewsPerAddress(t *testing.T) {
	h := newTestHandler(&fakeLive{}, &funnel{}, true)
	defer func() {
		if n := h.cfg.Codes.(*codes).issued(); n != 0 {
			t.Errorf("page views issued %d codes", n)
		}
	}()
	for i := range 120 {
		if code := getFrom(h, "/contact/main?n=support", "192.0.2.9:1"); code != http.StatusOK {
			t.Fatalf("view %d: status %d", i, code)
		}
	}
	if code := getFrom(h, "/contact/main", "192.0.2.9:2"); code != http.StatusTooManyRequests {
		t.Fatalf("view 121: status %d, want 429", code)
	}
	if code := getFrom(h, "/contact/main", "192.0.2.10:1"); code != http.StatusOK {
		t.Fatalf("other address: status %d", code)
	}
	for i := range 120 {
		getFrom(h, "/contact/main", "[2001:db8:1:2::"+strings.Repeat("f", i%4+1)+"]:1")
	}
	if code := getFrom(h, "/contact/main", "[2001:db8:1:2:ffff::1]:1"); code != http.StatusTooManyRequests {
		t.Fatalf("same /64: status %d, want 429", code)
	}
	if code := getFrom(h, "/contact/main", "[2001:db8:1:3::1]:1"); code != http.StatusOK {
		t.Fatalf("other /64: status %d", code)
	}
}

// TestHostileForms: the email form refuses what the mail side would not
// take (header injection, a name, oversized fields) with the form again,
// and the handler bounds the body and refuses unknown kinds and flows.
func TestHostileForms(t *testing.T) {
	live := &fakeLive{}
	live.set(0, 0)
	h := newTestHandler(live, &funnel{}, false)
	_, page := get(t, h, "/contact/main?n=after&s=0123456789abcdef")
	m := tokenRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no token on the page")
	}
	token := html.UnescapeString(m[1])
	form := func(kind, email, message string) url.Values {
		return url.Values{"token": {token}, "kind": {kind}, "node": {"after"}, "email": {email}, "message": {message}}
	}
	for i, tc := range []struct {
		name string
		form url.Values
		want int
	}{
		{"header injection", form("email", "ana@example.com\r\nBcc: all@example.com", "hi"), http.StatusUnprocessableEntity},
		{"encoded newline", form("email", "ana@example.com%0d%0aBcc:x@y", "hi"), http.StatusUnprocessableEntity},
		{"display name", form("email", "Ana <ana@example.com>", "hi"), http.StatusUnprocessableEntity},
		{"long address", form("email", strings.Repeat("a", 250)+"@example.com", "hi"), http.StatusUnprocessableEntity},
		{"long message", form("email", "ana@example.com", strings.Repeat("m", 4001)), http.StatusUnprocessableEntity},
		{"script in the message is data", form("email", "ana@example.com", "<script>alert(1)</script>"), http.StatusOK},
		{"unknown kind", form("<script>", "ana@example.com", "hi"), http.StatusBadRequest},
		{"body too big", form("email", "ana@example.com", strings.Repeat("m", 20<<10)), http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := post(t, h, tc.form, "", "192.0.2."+string(rune('1'+i))+":1")
			if code != tc.want {
				t.Fatalf("status %d, want %d: %.200s", code, tc.want, body)
			}
			if strings.Contains(body, "<script>alert") {
				t.Fatal("the answer echoes the script unescaped")
			}
		})
	}
	if items := live.queued(); len(items) != 1 || items[0].Message != "<script>alert(1)</script>" {
		t.Fatalf("items %+v, want the one valid message, as typed", items)
	}
	for _, target := range []string{"/contact/..%2f..%2fetc%2fpasswd", "/contact/%2e%2e", "/contact/main%00", "/contact/main?n=..%2fwelcome"} {
		if code := getFrom(h, target, "192.0.2.50:1"); code != http.StatusNotFound && code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 404", target, code)
		}
	}
}
