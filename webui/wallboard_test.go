package webui

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/webui/auth"
)

// fakeLive is a distributor stand-in holding a snapshot.
type fakeLive struct {
	mu   sync.Mutex // guards the following fields
	snap Snapshot
	set  []string
}

func (f *fakeLive) Snapshot(context.Context) (Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snap, nil
}

func (f *fakeLive) SetPresence(_ context.Context, agent string, p PresenceChange) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.snap.Agents {
		if f.snap.Agents[i].Name == agent {
			f.snap.Agents[i].Presence, f.snap.Agents[i].Reason = p.Presence, p.Reason
			f.set = append(f.set, agent+"="+p.Presence)
			return nil
		}
	}
	return ErrUnknownAgent
}

func newLive() *fakeLive {
	return &fakeLive{snap: Snapshot{
		Queues: []QueueStats{
			{Name: "support <i>1</i>", Waiting: 3, LongestWait: 95 * time.Second, ServiceLevel: 0.62, TargetLevel: 0.8, Abandoned: 2},
			{Name: "sales", Waiting: 0, ServiceLevel: 0.95, TargetLevel: 0.8},
		},
		Agents: []AgentState{{Name: "agent1", Presence: PresenceOffline}, {Name: "agent2", Presence: PresenceAvailable, Held: 1, InStateFor: 3725 * time.Second, FreeCapacity: 75}},
	}}
}

func TestWallboard(t *testing.T) {
	live := newLive()
	f := newFixture(t, Config{Live: live})
	agent := f.login(t, "agent1", auth.RoleAgent)
	sup := f.login(t, "sup1", auth.RoleSupervisor)

	if w := f.do(t, agent, "GET", "/wallboard", "", "", false); w.Code != http.StatusForbidden {
		t.Fatalf("agent on wallboard: %d", w.Code)
	}
	if w := f.do(t, agent, "GET", "/api/v1/wallboard", "", "", false); w.Code != http.StatusForbidden {
		t.Fatalf("agent on wallboard API: %d", w.Code)
	}
	page := f.do(t, sup, "GET", "/wallboard", "", "", false)
	body := page.Body.String()
	if page.Code != http.StatusOK || strings.Contains(body, "<i>1</i>") || !strings.Contains(body, "&lt;i&gt;1&lt;/i&gt;") {
		t.Fatalf("wallboard page: %d", page.Code)
	}
	if strings.Count(body, `class="queue breach"`) != 1 || !strings.Contains(body, ">1:35<") {
		t.Fatal("breach colour or longest wait missing")
	}

	w := f.do(t, sup, "GET", "/api/v1/wallboard", "", "", false)
	var wb wallboardJSON
	if err := json.Unmarshal(w.Body.Bytes(), &wb); err != nil || len(wb.Queues) != 2 {
		t.Fatalf("wallboard API: %s", w.Body)
	}
	if !wb.Queues[0].Breach || wb.Queues[1].Breach || wb.Queues[0].ServicePercent != 62 || wb.Agents[1].InStateText != "1:02:05" {
		t.Fatalf("derived fields: %+v", wb)
	}

	tests := []struct {
		name string
		s    session
		path string
		body string
		csrf bool
		want int
	}{
		{"agent sets own presence", agent, "/api/v1/me/presence", `{"presence":"available","channels":["voice","chat"]}`, true, 204},
		{"agent without csrf", agent, "/api/v1/me/presence", `{"presence":"offline"}`, false, 403},
		{"agent sets another's presence", agent, "/api/v1/agents/agent2/presence", `{"presence":"offline"}`, true, 403},
		{"supervisor sets agent away", sup, "/api/v1/agents/agent2/presence", `{"presence":"away","reason":"coaching"}`, true, 204},
		{"unknown presence", sup, "/api/v1/agents/agent2/presence", `{"presence":"asleep"}`, true, 422},
		{"unknown agent", sup, "/api/v1/agents/nobody/presence", `{"presence":"offline"}`, true, 404},
		{"unknown field", sup, "/api/v1/agents/agent2/presence", `{"presence":"offline","x":1}`, true, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if w := f.do(t, tt.s, "POST", tt.path, "application/json", tt.body, tt.csrf); w.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.want, w.Body)
			}
		})
	}
	live.mu.Lock()
	got := strings.Join(live.set, ",")
	live.mu.Unlock()
	if got != "agent1=available,agent2=away" {
		t.Fatalf("presence changes %q", got)
	}
	console := f.do(t, agent, "GET", "/console", "", "", false).Body.String()
	if !strings.Contains(console, `id="my-presence" class="badge p-available">available<`) {
		t.Fatal("console does not show the agent's presence")
	}
}

func TestWallboardWithoutDistributor(t *testing.T) {
	f := newFixture(t, Config{})
	sup := f.login(t, "sup1", auth.RoleSupervisor)
	if w := f.do(t, sup, "GET", "/wallboard", "", "", false); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "not running") {
		t.Fatalf("wallboard without Live: %d", w.Code)
	}
	if w := f.do(t, sup, "GET", "/api/v1/wallboard", "", "", false); w.Code != http.StatusNotFound {
		t.Fatalf("API without Live: %d", w.Code)
	}
}

func TestClock(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{{0, "0:00"}, {59 * time.Second, "0:59"}, {95 * time.Second, "1:35"}, {3725 * time.Second, "1:02:05"}, {-time.Second, "0:00"}}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := clock(tt.d); got != tt.want {
				t.Fatalf("clock(%v) = %q", tt.d, got)
			}
		})
	}
}
