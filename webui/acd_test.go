package webui

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

// TestDistributorLive drives the wallboard and the console's presence
// control through a real distributor.
func TestDistributorLive(t *testing.T) {
	d := acd.New(acd.Config{Logger: slog.New(slog.DiscardHandler)})
	d.SetConfig([]config.Queue{{Name: "support", Members: []string{"alice", "bob"}, ServiceGoal: 90}},
		[]config.Agent{{Name: "alice"}, {Name: "bob"}})
	f := newFixture(t, Config{Live: DistributorLive(d)})
	alice := f.login(t, "alice", auth.RoleAgent)
	sup := f.login(t, "sup1", auth.RoleSupervisor)

	for _, tc := range []struct {
		name string
		s    session
		path string
		body string
		want int
	}{
		{"agent logs in for chat", alice, "/api/v1/me/presence", `{"presence":"available","channels":["chat"]}`, 204},
		{"supervisor pauses bob", sup, "/api/v1/agents/bob/presence", `{"presence":"away","reason":"coaching"}`, 204},
		{"unknown channel", alice, "/api/v1/me/presence", `{"presence":"available","channels":["fax"]}`, 422},
		{"unknown agent", sup, "/api/v1/agents/zoe/presence", `{"presence":"offline"}`, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if w := f.do(t, tc.s, "POST", tc.path, "application/json", tc.body, true); w.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.want, w.Body)
			}
		})
	}
	if p, _ := d.Presence("alice"); p.State != acd.Available || len(p.Channels) != 1 || p.Channels[0] != acd.Chat {
		t.Fatalf("alice in the distributor: %+v", p)
	}
	if p, _ := d.Presence("bob"); p.State != acd.Away || p.Reason != "coaching" {
		t.Fatalf("bob in the distributor: %+v", p)
	}
	if _, err := d.Enqueue(t.Context(), acd.Item{ID: "e1", Channel: acd.Email, Queue: "support"}); err != nil {
		t.Fatal(err)
	}

	w := f.do(t, sup, "GET", "/api/v1/wallboard", "", "", false)
	var wb wallboardJSON
	if err := json.Unmarshal(w.Body.Bytes(), &wb); err != nil {
		t.Fatalf("wallboard API: %d %s", w.Code, w.Body)
	}
	if len(wb.Queues) != 1 || wb.Queues[0].Name != "support" || wb.Queues[0].Waiting != 1 || wb.Queues[0].TargetLevel != 0.9 {
		t.Fatalf("queues: %+v", wb.Queues)
	}
	if len(wb.Agents) != 2 || wb.Agents[0].Presence != "available" || wb.Agents[0].Channels[0] != "chat" || wb.Agents[1].Reason != "coaching" {
		t.Fatalf("agents: %+v", wb.Agents)
	}
	if w := f.do(t, alice, "GET", "/console", "", "", false); w.Code != http.StatusOK {
		t.Fatalf("console: %d", w.Code)
	}
}
