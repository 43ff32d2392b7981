package contact

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestCatalogueComplete: every language has every text, and the callback
// answer takes the window once.
func TestCatalogueComplete(t *testing.T) {
	for lang, tx := range catalogue {
		v := reflect.ValueOf(*tx)
		for i := range v.NumField() {
			if v.Field(i).String() == "" {
				t.Errorf("%s: %s is empty", lang, v.Type().Field(i).Name)
			}
		}
		if tx.Lang != lang {
			t.Errorf("%s: Lang = %q", lang, tx.Lang)
		}
		if strings.Count(tx.CallbackDone, "%s") != 1 {
			t.Errorf("%s: CallbackDone %q lacks its one %%s", lang, tx.CallbackDone)
		}
	}
}

// TestPageLanguage: the page speaks the flow's language, else the settings
// language, else English (also for a language without texts); the admin's
// titles are shown as written; the form answers follow.
func TestPageLanguage(t *testing.T) {
	for _, tc := range []struct {
		name, flow, settings, want string
	}{
		{"default", "", "", "en"},
		{"French flow", "fr", "", "fr"},
		{"settings French", "", "fr", "fr"},
		{"English flow, French settings", "en", "fr", "en"},
		{"language without texts", "de", "fr", "en"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			live := &fakeLive{}
			live.set(1, time.Hour)
			h := newTestHandler(live, &funnel{}, true)
			f := demoFlow()
			f.Language = tc.flow
			h.cfg.Flows = Flows{"main": f}
			if tc.settings != "" {
				h.cfg.Language = func(context.Context) string { return tc.settings }
			}
			tx := catalogue[tc.want]
			expect := func(body string, want ...string) {
				t.Helper()
				for _, w := range want {
					if !strings.Contains(body, w) {
						t.Errorf("page lacks %q:\n%s", w, body)
					}
				}
			}
			_, body := get(t, h, "/contact/main?n=support&s=0123456789abcdef")
			expect(body, `<html lang="`+tx.Lang+`">`)
			expect(body, tx.ChatWithUs, tx.AgentAvailable, tx.StartChat, tx.CallbackTitle, tx.YourPhone, tx.WhenSuits,
				tx.RequestCallback, tx.EmailTitle, tx.YourEmail, tx.YourMessage, tx.Send, "technical support")
			_, menu := get(t, h, "/contact/main")
			expect(menu, "How can we help?", `aria-label="`+tx.Choices+`"`)
			live.set(1, time.Minute)
			_, faq := get(t, h, "/contact/main?n=faq")
			expect(faq, tx.HelpYourself, tx.CallUs, tx.GetCode)
			_, call := reveal(t, h, faq, "192.0.2.1:1")
			expect(call, tx.CallUs, tx.DialBefore, tx.DialAfter)

			token := html.UnescapeString(tokenRE.FindStringSubmatch(body)[1])
			form := url.Values{"token": {token}, "kind": {"callback"}, "node": {"support"}, "number": {"x"}, "window": {"09:00-12:00"}}
			code, answer := post(t, h, form, "", "192.0.2.1:1")
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("bad number: status %d", code)
			}
			expect(answer, `lang="`+tx.Lang+`"`, tx.CallbackError)
			form.Set("number", "+33612345678")
			_, answer = post(t, h, form, "", "192.0.2.1:1")
			expect(answer, tx.ThankYou, strings.Replace(tx.CallbackDone, "%s", "09:00-12:00", 1))
			form = url.Values{"token": {token}, "kind": {"email"}, "node": {"support"}, "email": {"a@example.com"}}
			_, answer = post(t, h, form, "", "192.0.2.1:1")
			expect(answer, tx.EmailError)
			form.Set("message", "Bonjour")
			_, answer = post(t, h, form, "", "192.0.2.1:1")
			expect(answer, tx.EmailDone)
			form.Set("token", "1.2.3")
			_, answer = post(t, h, form, "", "192.0.2.1:1")
			expect(answer, tx.Expired)
		})
	}
}
