package webui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

func TestConsoleScreenPop(t *testing.T) {
	f, dir := customerFixture(t)
	ctx := context.Background()
	evil := `<script>alert(1)</script>`
	c, err := dir.Resolve(ctx, customer.Identity{Kind: customer.Phone, Value: "+33612345678"}, "Ana "+evil, customer.Verified)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for i, e := range []customer.Entry{
		{Channel: customer.ChannelVoice, Kind: "call", At: t0, Summary: "first call", Ref: "cdr-1"},
		{Channel: customer.ChannelVoice, Kind: "note", At: t0.Add(2 * time.Hour), Summary: "newest " + evil, Ref: "n-1"},
		{Channel: customer.ChannelVoice, Kind: "call", At: t0.Add(time.Hour), Summary: "second call", Ref: "cdr-2"},
		{Channel: customer.ChannelChat, Kind: "chat", At: t0.Add(-time.Hour), Summary: "chat", Ref: "chat-1",
			Detail: map[string]string{"queue": "support", "transcript": "Ana: my box " + evil + "\nann: on it"}},
		{Channel: customer.ChannelEmail, Kind: "email", At: t0.Add(-2 * time.Hour), Summary: "invoice", Ref: "mail-7",
			Detail: map[string]string{"conversation": "7"}},
	} {
		if _, err := dir.Record(ctx, c.ID, e); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	agent := f.login(t, "agent1", auth.RoleAgent)

	if w := f.do(t, session{}, "GET", "/api/v1/customers?q=ana", "", "", false); w.Code != http.StatusUnauthorized {
		t.Fatalf("anonymous search: %d", w.Code)
	}
	w := f.do(t, agent, "GET", "/api/v1/customers?q=0612345678", "", "", false)
	var found []customer.Customer
	if err := json.Unmarshal(w.Body.Bytes(), &found); err != nil || len(found) != 1 || found[0].ID != c.ID {
		t.Fatalf("search by national number: %d %s", w.Code, w.Body)
	}
	w = f.do(t, agent, "GET", fmt.Sprintf("/api/v1/customers/%d", c.ID), "", "", false)
	var pop screenPop
	if err := json.Unmarshal(w.Body.Bytes(), &pop); err != nil || len(pop.Timeline) != 5 {
		t.Fatalf("screen pop: %d %s", w.Code, w.Body)
	}
	if !strings.HasPrefix(pop.Timeline[0].Summary, "newest") || pop.Timeline[2].Summary != "first call" || pop.Timeline[3].Detail["transcript"] == "" {
		t.Fatalf("timeline not newest first: %+v", pop.Timeline)
	}
	for _, bad := range []string{"999999", "abc", "99999999999999999999999"} {
		if w := f.do(t, agent, "GET", "/api/v1/customers/"+bad, "", "", false); w.Code != http.StatusNotFound {
			t.Fatalf("customer %s: %d", bad, w.Code)
		}
	}

	page := f.do(t, agent, "GET", fmt.Sprintf("/console?q=ana&customer=%d", c.ID), "", "", false)
	body := page.Body.String()
	if page.Code != http.StatusOK || !strings.Contains(body, `id="screen-pop"`) {
		t.Fatalf("console: %d", page.Code)
	}
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;") {
		t.Fatal("customer data not escaped on the console")
	}
	if i, j := strings.Index(body, "newest"), strings.Index(body, "first call"); i < 0 || j < 0 || i > j {
		t.Fatal("console timeline not newest first")
	}
	// Each entry's details: the chat's transcript (inert), the email
	// thread's link, the other fields by name.
	for _, want := range []string{`<pre class="transcript">Ana: my box &lt;script&gt;alert(1)&lt;/script&gt;`, `<a href="/console/emails/7">`, "<dt>queue</dt><dd>support</dd>"} {
		if !strings.Contains(body, want) {
			t.Errorf("console timeline lacks %s", want)
		}
	}
	if w := f.do(t, agent, "GET", "/console?customer=424242", "", "", false); w.Code != http.StatusNotFound {
		t.Fatalf("unknown customer page: %d", w.Code)
	}

	notePath := fmt.Sprintf("/console/customers/%d/notes", c.ID)
	if w := f.do(t, agent, "POST", notePath, "application/x-www-form-urlencoded", "note=Called+back", false); w.Code != http.StatusForbidden {
		t.Fatalf("note without CSRF: %d", w.Code)
	}
	if w := f.do(t, agent, "POST", notePath, "application/x-www-form-urlencoded", "note=Called+back+"+evil, true); w.Code != http.StatusSeeOther {
		t.Fatalf("note: %d %s", w.Code, w.Body)
	}
	if w := f.do(t, agent, "POST", fmt.Sprintf("/api/v1/customers/%d/notes", c.ID), "application/json", `{"text":"   "}`, true); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("empty note: %d", w.Code)
	}
	if w := f.do(t, agent, "POST", "/api/v1/customers/424242/notes", "application/json", `{"text":"x"}`, true); w.Code != http.StatusNotFound {
		t.Fatalf("note on unknown customer: %d", w.Code)
	}
	if w := f.do(t, agent, "POST", fmt.Sprintf("/api/v1/customers/%d/notes", c.ID), "application/json", `{"text":"Second note"}`, true); w.Code != http.StatusCreated {
		t.Fatalf("API note: %d %s", w.Code, w.Body)
	}
	tl, err := dir.Timeline(ctx, c.ID, 0)
	if err != nil || len(tl) != 7 || tl[0].Summary != "Second note" || tl[0].Detail["agent"] != "agent1" {
		t.Fatalf("timeline after notes: %+v %v", tl, err)
	}
	body = f.do(t, agent, "GET", fmt.Sprintf("/console?customer=%d", c.ID), "", "", false).Body.String()
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "Called back") {
		t.Fatal("note missing or not escaped")
	}
}

type fakeChat struct{ s *Server }

func (c fakeChat) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "public %s", r.URL.Path) })
}

func (c fakeChat) AgentHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := c.s.AgentFromRequest(r)
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "%s %s", id, r.URL.Path)
	})
}

func TestMountChat(t *testing.T) {
	f := newFixture(t, Config{})
	agent := f.login(t, "agent1", auth.RoleAgent)
	if w := f.do(t, agent, "GET", "/console/chat/chats", "", "", false); w.Code != http.StatusNotFound {
		t.Fatalf("before MountChat: %d", w.Code)
	}
	f.s.MountChat(fakeChat{f.s})
	w := f.do(t, agent, "GET", "/console/chat/chats", "", "", false)
	if w.Code != http.StatusOK || w.Body.String() != "agent1 /chats" {
		t.Fatalf("mounted chat: %d %q", w.Code, w.Body)
	}
	if w := f.do(t, session{}, "GET", "/console/chat/chats", "", "", false); w.Code == http.StatusOK {
		t.Fatal("anonymous reached the chat console")
	}
	if w := f.do(t, session{}, "GET", "/chat/widget.js", "", "", false); w.Body.String() != "public /widget.js" {
		t.Fatalf("public chat: %d %q", w.Code, w.Body)
	}
}

func TestContactMounted(t *testing.T) {
	contact := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "contact %s", r.URL.Path) })
	f := newFixture(t, Config{Contact: contact})
	w := f.do(t, session{}, "GET", "/contact/main", "", "", false)
	if w.Code != http.StatusOK || w.Body.String() != "contact /contact/main" {
		t.Fatalf("contact page: %d %q", w.Code, w.Body)
	}
	if w.Header().Get("X-Frame-Options") != "DENY" {
		t.Fatal("contact page served without the security headers")
	}
}
