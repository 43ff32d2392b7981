package contact

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/ivr"
)

// reveal presses the "get a code" button of page as the client at remote.
func reveal(t *testing.T, h http.Handler, page, remote string) (int, string) {
	t.Helper()
	m := tokenRE.FindStringSubmatch(page)
	node := regexp.MustCompile(`name="node" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil || node == nil {
		t.Fatalf("no form on the page:\n%s", page)
	}
	form := url.Values{"token": {html.UnescapeString(m[1])}, "node": {node[1]}}
	req := httptest.NewRequest("POST", "/contact/main/call", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = remote
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

var codeRE = regexp.MustCompile(`id="code">\*([0-9]+)#<`)

// TestCodeOnAsk: a page view issues no web-to-voice code; the button
// does, once per visit: pressing it again, or reloading the page, shows
// the same code while it is valid and not used; a used one gives the
// button again, and a new code; another visit gets another code, and an
// expired one is replaced.
func TestCodeOnAsk(t *testing.T) {
	live := &fakeLive{}
	live.set(0, time.Minute)
	fn := &funnel{}
	h := newTestHandler(live, fn, true)
	now := time.Now()
	h.cfg.Env.Now = func() time.Time { return now }
	issuer := h.cfg.Codes.(*codes)
	const target = "/contact/main?n=support&s=0123456789abcdef"

	_, page := get(t, h, target)
	if issuer.issued() != 0 || !strings.Contains(page, `id="get-code"`) || strings.Contains(page, `id="code"`) {
		t.Fatalf("a view issued %d codes; page:\n%s", issuer.issued(), page)
	}
	status, body := reveal(t, h, page, "192.0.2.1:1")
	m := codeRE.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil || m[1] != "482101" {
		t.Fatalf("status %d, no code 482101:\n%s", status, body)
	}
	if got := issuer.asked[0]; got.Flow != "main" || got.Face != ivr.Web || got.Intent != "technical support" || got.Path[0] != "support" {
		t.Fatalf("code context %+v", got)
	}
	if strings.Contains(body, `data-left="/contact`) {
		t.Fatal("the code page reports leaving it as an abandonment")
	}
	if _, again := reveal(t, h, page, "192.0.2.1:1"); !strings.Contains(again, "*482101#") {
		t.Fatalf("second press: want the same code:\n%s", again)
	}
	if _, reload := get(t, h, target); !strings.Contains(reload, "*482101#") || strings.Contains(reload, `id="get-code"`) {
		t.Fatalf("reload: want the same code, no button:\n%s", reload)
	}
	if issuer.issued() != 1 || fn.count("support", ivr.Chose, "call") != 1 {
		t.Fatalf("issued %d codes, funnel counts %d calls; want 1 and 1", issuer.issued(), fn.count("support", ivr.Chose, "call"))
	}

	issuer.redeem("482101")
	_, page = get(t, h, target)
	if !strings.Contains(page, `id="get-code"`) || strings.Contains(page, `id="code"`) {
		t.Fatalf("reload after the code was used: want the button, no code:\n%s", page)
	}
	if _, body := reveal(t, h, page, "192.0.2.1:1"); !strings.Contains(body, "*482102#") {
		t.Fatalf("asking again after the code was used: want a new code:\n%s", body)
	}

	_, other := get(t, h, "/contact/main?n=support&s=fedcba9876543210")
	if _, body := reveal(t, h, other, "192.0.2.1:1"); !strings.Contains(body, "*482103#") {
		t.Fatalf("another visit: want a new code:\n%s", body)
	}
	now = now.Add(31 * time.Minute)
	_, page = get(t, h, target)
	if !strings.Contains(page, `id="get-code"`) {
		t.Fatalf("expired code still shown:\n%s", page)
	}
	if _, body := reveal(t, h, page, "192.0.2.1:1"); !strings.Contains(body, "*482104#") {
		t.Fatalf("after expiry: want a new code:\n%s", body)
	}
}

// TestCodesPerAddress: one address gets codesPerMinute new codes a
// minute, whatever its sessions; the visits it has a code for still see
// it, and other addresses are not refused.
func TestCodesPerAddress(t *testing.T) {
	live := &fakeLive{}
	live.set(0, time.Minute)
	h := newTestHandler(live, &funnel{}, true)
	var first string
	for i := range codesPerMinute {
		_, page := get(t, h, "/contact/main?n=support")
		if i == 0 {
			first = page
		}
		if status, body := reveal(t, h, page, "192.0.2.9:1"); status != http.StatusOK || !codeRE.MatchString(body) {
			t.Fatalf("code %d: status %d:\n%s", i, status, body)
		}
	}
	_, page := get(t, h, "/contact/main?n=support")
	if status, _ := reveal(t, h, page, "[::ffff:192.0.2.9]:2"); status != http.StatusTooManyRequests {
		t.Fatalf("code %d: status %d, want 429", codesPerMinute+1, status)
	}
	if _, body := reveal(t, h, first, "192.0.2.9:3"); !strings.Contains(body, "*482101#") {
		t.Fatalf("a visit's own code refused over the limit:\n%s", body)
	}
	if status, body := reveal(t, h, page, "192.0.2.10:1"); status != http.StatusOK || !codeRE.MatchString(body) {
		t.Fatalf("other address: status %d:\n%s", status, body)
	}
	if n := h.cfg.Codes.(*codes).issued(); n != codesPerMinute+1 {
		t.Fatalf("issued %d codes, want %d", n, codesPerMinute+1)
	}
}

// TestCodeHostileAsks: the button's post needs a token of the same flow,
// node and visit, a queue node, and no other site's origin.
func TestCodeHostileAsks(t *testing.T) {
	live := &fakeLive{}
	live.set(0, time.Minute)
	h := newTestHandler(live, &funnel{}, true)
	_, page := get(t, h, "/contact/main?n=support")
	token := html.UnescapeString(tokenRE.FindStringSubmatch(page)[1])
	for _, tc := range []struct {
		name   string
		form   url.Values
		origin string
		want   int
	}{
		{"no token", url.Values{"node": {"support"}}, "", http.StatusForbidden},
		{"token of another node", url.Values{"node": {"billing"}, "token": {token}}, "", http.StatusForbidden},
		{"forged token", url.Values{"node": {"support"}, "token": {token + "x"}}, "", http.StatusForbidden},
		{"cross-site", url.Values{"node": {"support"}, "token": {token}}, "https://evil.example", http.StatusForbidden},
		{"big body", url.Values{"node": {"support"}, "token": {token}, "x": {strings.Repeat("x", 8<<10)}}, "", http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/contact/main/call", strings.NewReader(tc.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d", rec.Code, tc.want)
			}
		})
	}
	_, after := get(t, h, "/contact/main?n=after")
	if status, _ := reveal(t, h, after, "192.0.2.1:1"); status != http.StatusBadRequest {
		t.Fatalf("a callback node: status %d, want 400", status)
	}
	if n := h.cfg.Codes.(*codes).issued(); n != 0 {
		t.Fatalf("hostile asks issued %d codes", n)
	}
}

// TestStoredCodes asks the store's codes (ivr.Codes) for several visits:
// each is ivr.CodeDigits digits, drawn at random (not one after the
// other); past the codes allowed outstanding the page shows the number
// without a code and says so, in the page's language.
func TestStoredCodes(t *testing.T) {
	for _, lang := range []string{"en", "fr"} {
		t.Run(lang, func(t *testing.T) {
			st, err := store.OpenFile(t.Context(), filepath.Join(t.TempDir(), "db.sqlite"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			live := &fakeLive{}
			live.set(0, time.Minute)
			h := newTestHandler(live, &funnel{}, true)
			const max = 8
			h.cfg.Codes = ivr.Codes{Store: st, Max: max}
			f := demoFlow()
			f.Language = lang
			h.cfg.Flows = Flows{"main": f}
			tx := catalogue[lang]

			var got []int
			for i := range max {
				_, page := get(t, h, "/contact/main?n=support")
				_, body := reveal(t, h, page, fmt.Sprintf("192.0.2.%d:1", i))
				m := regexp.MustCompile(`id="code">\*([0-9]{6})#<`).FindStringSubmatch(body)
				if m == nil || !strings.Contains(body, tx.CodeOnce) || strings.Contains(body, `id="no-code"`) {
					t.Fatalf("code %d: no 6-digit code:\n%s", i, body)
				}
				n, _ := strconv.Atoi(m[1])
				got = append(got, n)
			}
			steps := map[int]bool{}
			for i := 1; i < len(got); i++ {
				steps[got[i]-got[i-1]] = true
			}
			if len(steps) == 1 {
				t.Fatalf("codes %v go in steps of one size", got)
			}
			if slices.Sort(got); len(slices.Compact(got)) != max {
				t.Fatalf("codes %v repeat", got)
			}

			_, page := get(t, h, "/contact/main?n=support")
			status, body := reveal(t, h, page, "192.0.2.100:1")
			if status != http.StatusOK || !strings.Contains(body, "23 45 67 89") || codeRE.MatchString(body) ||
				!strings.Contains(body, `id="no-code"`) || !strings.Contains(body, html.EscapeString(tx.NoCode)) {
				t.Fatalf("past the cap: status %d, want the number and %q without a code:\n%s", status, tx.NoCode, body)
			}
		})
	}
}
