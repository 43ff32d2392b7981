package webui

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/webui/auth"
)

// TestExtensionRecordSetting checks that the API and the panel's form set
// an extension's record flag, that saving without it clears it, and that
// the list and the page show it.
func TestExtensionRecordSetting(t *testing.T) {
	f := newFixture(t, Config{})
	admin := f.login(t, "root", auth.RoleAdmin)
	recorded := func(number string) bool {
		t.Helper()
		e, err := f.st.Extension(context.Background(), number)
		if err != nil {
			t.Fatal(err)
		}
		return e.Record
	}
	if w := f.do(t, admin, "POST", "/api/v1/extensions", "application/json", `{"number":"1001","password":"secret-pass-1","record":true}`, true); w.Code != http.StatusCreated {
		t.Fatalf("POST: %d %s", w.Code, w.Body)
	}
	if !recorded("1001") {
		t.Fatal("API record:true not stored")
	}
	w := f.do(t, admin, "GET", "/api/v1/extensions", "", "", false)
	var exts []extensionView
	if err := json.Unmarshal(w.Body.Bytes(), &exts); err != nil || len(exts) != 1 || !exts[0].Record {
		t.Fatalf("extensions: %s", w.Body)
	}
	form := "csrf=" + admin.csrf + "&number=1001&password=secret-pass-1"
	if w := f.do(t, admin, "POST", "/admin/extensions", "application/x-www-form-urlencoded", form, false); w.Code != http.StatusSeeOther {
		t.Fatalf("form: %d %s", w.Code, w.Body)
	}
	if recorded("1001") {
		t.Fatal("a form saved without the box still records")
	}
	if w := f.do(t, admin, "POST", "/admin/extensions", "application/x-www-form-urlencoded", form+"&record=on", false); w.Code != http.StatusSeeOther {
		t.Fatalf("form: %d %s", w.Code, w.Body)
	}
	if !recorded("1001") {
		t.Fatal("the form's record box not stored")
	}
	page := f.do(t, admin, "GET", "/admin/extensions", "", "", false).Body.String()
	if !strings.Contains(page, `name="record"`) || !strings.Contains(page, "<td>yes</td>") {
		t.Fatalf("extensions page lacks the record box or column:\n%s", page)
	}
}
