package webui

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

func init() {
	adminRoutes = append(adminRoutes, []struct{ method, path, ctype, body string }{
		{"GET", "/admin/settings", "", ""},
		{"POST", "/admin/settings", "application/x-www-form-urlencoded", "timezone=UTC"},
		{"GET", "/api/v1/settings", "", ""},
		{"PUT", "/api/v1/settings", "application/json", `{"timezone":"UTC"}`},
	}...)
}

// TestSettingsPageAndAPI: the admin sets the time zone, country, language
// and channel sizes on the page; a typo is named by its field and nothing
// is saved; the realm is kept; the API reads and replaces the section.
func TestSettingsPageAndAPI(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	admin := f.login(t, "root", auth.RoleAdmin)
	form := "application/x-www-form-urlencoded"

	w := f.do(t, admin, "POST", "/admin/settings", form, "timezone=Europe/Pariss&country=fr&language=fr&size_chat=x", true)
	body := w.Body.String()
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "size_chat") || !strings.Contains(body, `value="Europe/Pariss"`) {
		t.Fatalf("bad form: %d\n%s", w.Code, body)
	}
	w = f.do(t, admin, "POST", "/admin/settings", form, "timezone=Europe/Pariss&country=fr&language=fr", true)
	if body := w.Body.String(); w.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "settings.timezone") || !strings.Contains(body, "settings.country") {
		t.Fatalf("bad values: %d\n%s", w.Code, body)
	}
	if st, _ := config.Export(ctx, f.st); st.Settings != nil && st.Settings.Timezone != "" {
		t.Fatalf("a refused form saved %+v", st.Settings)
	}
	w = f.do(t, admin, "POST", "/admin/settings", form, "timezone=Europe/Paris&country=FR&language=fr&size_chat=20&size_voice=", true)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", w.Code, w.Body)
	}
	exp, err := config.Export(ctx, f.st)
	if err != nil {
		t.Fatal(err)
	}
	if s := exp.Settings; s.Timezone != "Europe/Paris" || s.Country != "FR" || s.Language != "fr" || s.ChannelSizes["chat"] != 20 || s.Realm != config.DefaultRealm {
		t.Fatalf("stored settings %+v", s)
	}
	page := f.do(t, admin, "GET", "/admin/settings", "", "", false).Body.String()
	if !strings.Contains(page, `value="Europe/Paris"`) || !strings.Contains(page, `<option selected>fr</option>`) || !strings.Contains(page, `id="settings-size-chat" value="20"`) {
		t.Fatalf("page after saving:\n%s", page)
	}

	w = f.do(t, admin, "PUT", "/api/v1/settings", "application/json", `{"timezone":"America/New_York","country":"US","language":"en"}`, true)
	if w.Code != http.StatusNoContent {
		t.Fatalf("API put: %d %s", w.Code, w.Body)
	}
	w = f.do(t, admin, "PUT", "/api/v1/settings", "application/json", `{"language":"xx"}`, true)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "settings.language") {
		t.Fatalf("API put of an unknown language: %d %s", w.Code, w.Body)
	}
	var got map[string]any
	w = f.do(t, admin, "GET", "/api/v1/settings", "", "", false)
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got["timezone"] != "America/New_York" || got["country"] != "US" || got["realm"] != config.DefaultRealm {
		t.Fatalf("API get: %d %s", w.Code, w.Body)
	}
}
