package webui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/config"
)

// TestWidgetsAPI creates, changes and deletes chat widgets through the REST
// API: bad input is named by its field, a widget's queue must exist, and
// the list gives the script tag to paste in the website.
func TestWidgetsAPI(t *testing.T) {
	f, _, admin := acdAdminFixture(t)
	runEntryCases(t, f, admin, []entryCase{
		{"no origin", "PUT", "/api/v1/widgets/shop", `{"queue":"support"}`, 422, "origins", ""},
		{"bad origin", "PUT", "/api/v1/widgets/shop", `{"queue":"support","origins":["https://shop.example.com/page"]}`, 422, "origins[0]", ""},
		{"no queue", "PUT", "/api/v1/widgets/shop", `{"origins":["https://shop.example.com"]}`, 422, "queue", ""},
		{"unknown queue", "PUT", "/api/v1/widgets/shop", `{"queue":"sales","origins":["https://shop.example.com"]}`, 422, "queue", ""},
		{"unknown field", "PUT", "/api/v1/widgets/shop", `{"greeting":"hi"}`, 400, "greeting", ""},
		{"bad name", "PUT", "/api/v1/widgets/Shop", `{"queue":"support","origins":["https://shop.example.com"]}`, 422, "name", ""},
		{"create", "PUT", "/api/v1/widgets/shop", `{"queue":"support","origins":["https://shop.example.com","http://localhost:3000"]}`, 201, "", ""},
		{"change", "PUT", "/api/v1/widgets/shop", `{"queue":"backoffice","origins":["https://shop.example.com"]}`, 200, "", ""},
		{"unknown", "DELETE", "/api/v1/widgets/nope", "", 404, "", ""},
	})
	w := f.do(t, admin, "GET", "/api/v1/widgets", "", "", false)
	var list []map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil || len(list) != 2 {
		t.Fatalf("widgets: %s", w.Body)
	}
	shop := list[0]
	if shop["name"] != "shop" || shop["queue"] != "backoffice" || shop["script"] != `<script src="http://example.com/chat/widget.js" data-widget="shop" async></script>` ||
		shop["start_url"] != "http://example.com/chat/start/shop" {
		t.Fatalf("shop listed as %v", shop)
	}
	if w := f.do(t, admin, "DELETE", "/api/v1/widgets/shop", "", "", true); w.Code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", w.Code, w.Body)
	}
	exp, err := config.Export(t.Context(), f.st)
	if err != nil || len(exp.Chat) != 1 || exp.Chat[0].Name != "website" || len(exp.Calendars) != 1 {
		t.Fatalf("after delete: %+v %v", exp, err)
	}
	if w := f.do(t, admin, "DELETE", "/api/v1/widgets/website", "", "", true); w.Code != http.StatusNoContent {
		t.Fatalf("delete the last widget: %d %s", w.Code, w.Body)
	}
	if exp, _ := config.Export(t.Context(), f.st); len(exp.Chat) != 0 {
		t.Fatalf("widgets left: %+v", exp.Chat)
	}
}

// TestWidgetsPage drives the widget form: the script tag is shown as text
// to copy, HTML typed in a field comes back inert, and an edit keeps the
// widget's origins in the form.
func TestWidgetsPage(t *testing.T) {
	f, _, admin := acdAdminFixture(t)
	post := formPoster(t, f, admin)
	page := f.do(t, admin, "GET", "/admin/widgets", "", "", false).Body.String()
	if !strings.Contains(page, `<tr data-widget="website">`) || !strings.Contains(page, `&lt;script src=&#34;http://example.com/chat/widget.js&#34; data-widget=&#34;website&#34; async&gt;&lt;/script&gt;`) {
		t.Fatalf("widgets page without website's script tag:\n%s", page)
	}
	status, body := post("/admin/widgets", url.Values{"name": {"<img src=x onerror=alert(1)>"}, "queue": {"support"}, "origins": {"<script>alert(1)</script>"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "origins[0]: must be scheme://host") || !strings.Contains(body, "name: must be") {
		t.Fatalf("bad widget: %d\n%s", status, body)
	}
	if strings.Contains(body, "<img src=x") || strings.Contains(body, "<script>alert") {
		t.Fatalf("typed HTML not escaped:\n%s", body)
	}
	if status, body := post("/admin/widgets", url.Values{"name": {"shop"}, "queue": {"backoffice"}, "origins": {"https://shop.example.com\nhttps://www.shop.example.com"}}); status != http.StatusSeeOther {
		t.Fatalf("save shop: %d\n%s", status, body)
	}
	edit := f.do(t, admin, "GET", "/admin/widgets?edit=shop", "", "", false).Body.String()
	if !strings.Contains(edit, "https://shop.example.com\nhttps://www.shop.example.com</textarea>") || !strings.Contains(edit, "<option selected>backoffice</option>") {
		t.Fatalf("edit form not filled:\n%s", edit)
	}
	if status, _ := post("/admin/widgets/shop/delete", url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("delete shop: %d", status)
	}
}
