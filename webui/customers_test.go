package webui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

// customerFixture is a panel with the customer directory.
func customerFixture(t *testing.T) (*fixture, *customer.Directory) {
	t.Helper()
	f := newFixture(t, Config{})
	dir, err := customer.New(f.st, customer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	f.s.cfg.Customers = dir
	return f, dir
}

// TestConsoleMergeAndSplit: an agent merges two records of the same
// person from the console (identities and history join the survivor, the
// old number leads to it), then splits a wrongly joined identity off with
// the entry that came through it; each needs the CSRF token, and bad
// requests are refused with a message.
func TestConsoleMergeAndSplit(t *testing.T) {
	f, dir := customerFixture(t)
	ctx := context.Background()
	phone := customer.Identity{Kind: customer.Phone, Value: "+33612345678"}
	email := customer.Identity{Kind: customer.Email, Value: "ana@example.com"}
	a, err := dir.Resolve(ctx, phone, "Ana Lopez", customer.Verified)
	if err != nil {
		t.Fatal(err)
	}
	b, err := dir.Resolve(ctx, email, "A. Lopez", customer.Verified)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dir.Record(ctx, b.ID, customer.Entry{Channel: customer.ChannelEmail, Kind: "email", Summary: "invoice", Ref: "m1", Via: email}); err != nil {
		t.Fatal(err)
	}
	agent := f.login(t, "agent1", auth.RoleAgent)
	form := "application/x-www-form-urlencoded"
	merge := fmt.Sprintf("/console/customers/%d/merge", a.ID)
	if w := f.do(t, agent, "POST", merge, form, fmt.Sprintf("from=%d", b.ID), false); w.Code != http.StatusForbidden {
		t.Fatalf("merge without CSRF: %d", w.Code)
	}
	for _, bad := range []struct {
		from string
		code int
	}{{"", 422}, {"abc", 422}, {fmt.Sprint(a.ID), 422}, {"999999", 404}} {
		if w := f.do(t, agent, "POST", merge, form, "from="+url.QueryEscape(bad.from), true); w.Code != bad.code {
			t.Errorf("merge from %q: %d %s, want %d", bad.from, w.Code, w.Body, bad.code)
		}
	}
	w := f.do(t, agent, "POST", merge, form, fmt.Sprintf("from=%%23%d", b.ID), true)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != fmt.Sprintf("/console?customer=%d", a.ID) {
		t.Fatalf("merge: %d %v", w.Code, w.Header())
	}
	got, err := dir.Get(ctx, b.ID) // the merged record leads to the survivor
	if err != nil || got.ID != a.ID || len(got.Identities) != 2 {
		t.Fatalf("after the merge, customer %d is %+v, %v", b.ID, got, err)
	}
	page := f.do(t, agent, "GET", fmt.Sprintf("/console?customer=%d", a.ID), "", "", false).Body.String()
	if !strings.Contains(page, `id="split-form"`) || !strings.Contains(page, `value="email:ana@example.com"`) || !strings.Contains(page, "invoice") {
		t.Fatalf("console after the merge lacks the split form or the email's history:\n%s", page)
	}

	split := fmt.Sprintf("/console/customers/%d/split", a.ID)
	if w := f.do(t, agent, "POST", split, form, "name=Someone", true); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("split without identity: %d", w.Code)
	}
	if w := f.do(t, agent, "POST", split, form, "identity=phone:%2B33612345678&identity=email:ana@example.com", true); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("split of every identity: %d", w.Code)
	}
	if w := f.do(t, agent, "POST", split, form, "identity=email:bob@example.com", true); w.Code != http.StatusNotFound {
		t.Errorf("split of another's identity: %d %s", w.Code, w.Body)
	}
	body := `{"identities":[{"kind":"email","value":"Ana@Example.com"}],"name":"Ana's colleague"}`
	w = f.do(t, agent, "POST", fmt.Sprintf("/api/v1/customers/%d/split", a.ID), "application/json", body, true)
	var moved customer.Customer
	if err := json.Unmarshal(w.Body.Bytes(), &moved); w.Code != http.StatusOK || err != nil || moved.ID == a.ID || moved.Name != "Ana's colleague" {
		t.Fatalf("API split: %d %s", w.Code, w.Body)
	}
	tl, err := dir.Timeline(ctx, moved.ID, 0)
	if err != nil || len(tl) != 1 || tl[0].Summary != "invoice" {
		t.Fatalf("the email's entry did not follow its identity: %+v %v", tl, err)
	}
	w = f.do(t, agent, "POST", fmt.Sprintf("/api/v1/customers/%d/merge", a.ID), "application/json", fmt.Sprintf(`{"from":%d}`, moved.ID), true)
	if w.Code != http.StatusOK {
		t.Fatalf("API merge: %d %s", w.Code, w.Body)
	}
}
