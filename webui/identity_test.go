package webui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

// TestUnconfirmedIdentityShownAndConfirmed: a visitor's pre-chat typed the
// address of a customer known by email; the customer page labels that
// address and the email reached through it unconfirmed, the JSON says
// verified false, and an agent confirms it from the console (CSRF needed,
// anonymous refused); the label is gone after.
func TestUnconfirmedIdentityShownAndConfirmed(t *testing.T) {
	f, dir := customerFixture(t)
	ctx := context.Background()
	email := customer.Identity{Kind: customer.Email, Value: "ana@example.com"}
	ana, err := dir.Resolve(ctx, email, "Ana Lopez", customer.Verified)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dir.Record(ctx, ana.ID, customer.Entry{Channel: customer.ChannelEmail, Kind: "email", Summary: "contract renewal", Ref: "m1", Via: email}); err != nil {
		t.Fatal(err)
	}
	visitor, err := dir.Resolve(ctx, customer.Identity{Kind: customer.Chat, Value: "tok-v"}, "Visitor", customer.Verified)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dir.Link(ctx, visitor.ID, customer.Identity{Kind: customer.Email, Value: "Ana@Example.com"}, customer.Typed); err != nil {
		t.Fatal(err)
	}
	const label = "unconfirmed — typed by the visitor"
	agent := f.login(t, "agent1", auth.RoleAgent)
	pagePath := fmt.Sprintf("/console?customer=%d", ana.ID)
	page := f.do(t, agent, "GET", pagePath, "", "", false).Body.String()
	if strings.Count(page, label) != 2 || !strings.Contains(page, `<tr class="unconfirmed">`) || !strings.Contains(page, `id="identities"`) {
		t.Fatalf("customer page: want the address and the email entry labelled %q:\n%s", label, page)
	}
	confirm := fmt.Sprintf("/console/customers/%d/confirm", ana.ID)
	if !strings.Contains(page, `action="`+confirm+`"`) || !strings.Contains(page, `value="email:ana@example.com"`) {
		t.Fatalf("customer page lacks the confirm form:\n%s", page)
	}

	var got struct {
		Customer struct {
			Identities []struct {
				Kind     string
				Value    string
				Verified *bool
			}
		}
		Timeline []struct {
			Ref         string
			Unconfirmed *bool
		}
	}
	w := f.do(t, agent, "GET", fmt.Sprintf("/api/v1/customers/%d", ana.ID), "", "", false)
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 200 {
		t.Fatalf("API customer: %d %s", w.Code, w.Body)
	}
	for _, id := range got.Customer.Identities {
		if id.Verified == nil || *id.Verified != (id.Kind == "chat") {
			t.Errorf("API identity %s %s: verified %v; want the chat token only", id.Kind, id.Value, id.Verified)
		}
	}
	if len(got.Timeline) != 1 || got.Timeline[0].Unconfirmed == nil || !*got.Timeline[0].Unconfirmed {
		t.Errorf("API timeline %s: want the email entry unconfirmed", w.Body)
	}

	form := "application/x-www-form-urlencoded"
	body := "identity=email:ana@example.com"
	if w := f.do(t, session{}, "POST", confirm, form, body, false); w.Code != http.StatusSeeOther && w.Code != http.StatusUnauthorized {
		t.Errorf("anonymous confirm: %d", w.Code)
	}
	if w := f.do(t, agent, "POST", confirm, form, body, false); w.Code != http.StatusForbidden {
		t.Errorf("confirm without CSRF: %d, want 403", w.Code)
	}
	for _, bad := range []struct {
		path, body string
		code       int
	}{
		{confirm, "", http.StatusUnprocessableEntity},
		{confirm, "identity=email:not-an-address", http.StatusUnprocessableEntity},
		{confirm, "identity=email:bob@example.com", http.StatusNotFound},
		{"/console/customers/999999/confirm", body, http.StatusNotFound},
	} {
		if w := f.do(t, agent, "POST", bad.path, form, bad.body, true); w.Code != bad.code {
			t.Errorf("confirm %s %q: %d %s, want %d", bad.path, bad.body, w.Code, w.Body, bad.code)
		}
	}
	if c, _ := dir.Get(ctx, ana.ID); verified(c, email) {
		t.Fatal("a refused confirm confirmed the address")
	}
	w = f.do(t, agent, "POST", confirm, form, body, true)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != pagePath {
		t.Fatalf("confirm: %d %v", w.Code, w.Header())
	}
	if c, _ := dir.Get(ctx, ana.ID); !verified(c, email) {
		t.Fatalf("after confirm: %+v", c.Identities)
	}
	if page := f.do(t, agent, "GET", pagePath, "", "", false).Body.String(); strings.Contains(page, label) {
		t.Fatalf("customer page still labels something unconfirmed:\n%s", page)
	}
}

// TestConfirmIdentityRoles: every console role may confirm an identity,
// by the form (CSRF cookie token) or the API; neither answers without a
// session or, for a session, without the CSRF token.
func TestConfirmIdentityRoles(t *testing.T) {
	f, dir := customerFixture(t)
	ctx := context.Background()
	n := 0 // each role and route confirms a number of its own
	for _, role := range []auth.Role{auth.RoleAgent, auth.RoleSupervisor, auth.RoleAdmin} {
		t.Run(string(role), func(t *testing.T) {
			s := f.login(t, "user-"+string(role), role)
			for _, rt := range []struct{ kind, ctype, path, body string }{
				{"form", "application/x-www-form-urlencoded", "/console/customers/%d/confirm", "identity=phone:%%2B3361234567%d"},
				{"api", "application/json", "/api/v1/customers/%d/confirm", `{"kind":"phone","value":"+3361234567%d"}`},
			} {
				n++
				c, err := dir.Resolve(ctx, customer.Identity{Kind: customer.Phone, Value: fmt.Sprintf("+3361234567%d", n)}, "Callback", customer.Typed)
				if err != nil {
					t.Fatal(err)
				}
				path, body := fmt.Sprintf(rt.path, c.ID), fmt.Sprintf(rt.body, n)
				if w := f.do(t, session{}, "POST", path, rt.ctype, body, false); w.Code != http.StatusUnauthorized && w.Code != http.StatusSeeOther {
					t.Errorf("%s anonymous: %d", rt.kind, w.Code)
				}
				if w := f.do(t, s, "POST", path, rt.ctype, body, false); w.Code != http.StatusForbidden {
					t.Errorf("%s without CSRF: %d, want 403", rt.kind, w.Code)
				}
				if w := f.do(t, s, "POST", path, rt.ctype, body, true); w.Code >= 400 {
					t.Errorf("%s with CSRF: %d %s", rt.kind, w.Code, w.Body)
				}
				if got, _ := dir.Get(ctx, c.ID); !verified(got, got.Identities[0].Identity) {
					t.Errorf("%s: %+v not confirmed", rt.kind, got.Identities)
				}
			}
		})
	}
}

// verified reports whether id is a verified identity of c.
func verified(c customer.Customer, id customer.Identity) bool {
	for _, k := range c.Identities {
		if k.Identity == id {
			return k.Verified
		}
	}
	return false
}
