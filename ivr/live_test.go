package ivr

import (
	"context"
	"testing"
	"time"
)

type fakeLive struct {
	agents map[string]int // queue/channel → available agents
	wait   time.Duration
	known  map[string]bool
}

func (l *fakeLive) AgentsAvailable(_ context.Context, q, ch string) (int, error) {
	return l.agents[q+"/"+ch], nil
}
func (l *fakeLive) ExpectedWait(context.Context, string, string) (time.Duration, error) {
	return l.wait, nil
}
func (l *fakeLive) KnownCaller(_ context.Context, from string) (bool, error) {
	return l.known[from], nil
}
func (l *fakeLive) Submit(context.Context, Item) (string, error) { return "1", nil }

type fixedCalendar map[string]bool

func (c fixedCalendar) OpenAt(name string, _ time.Time) (bool, error) { return c[name], nil }

func TestBranch(t *testing.T) {
	live := &fakeLive{agents: map[string]int{"support/chat": 1}, wait: 3 * time.Minute, known: map[string]bool{"+33123": true}}
	env := Env{Live: live, Calendars: fixedCalendar{"office": true}}
	for _, tc := range []struct {
		name string
		node Node
		ctx  Context
		want string
	}{
		{"hours open", Node{Type: Hours, Calendar: "office", Open: "o", Closed: "c"}, Context{}, "o"},
		{"hours closed", Node{Type: Hours, Calendar: "night", Open: "o", Closed: "c"}, Context{}, "c"},
		{"agent available for chat", Node{Type: Condition, Test: AgentsAvailable, Queue: "support", Channel: "chat", Then: "y", Else: "n"}, Context{}, "y"},
		{"no agent for voice", Node{Type: Condition, Test: AgentsAvailable, Queue: "support", Channel: "voice", Then: "y", Else: "n"}, Context{}, "n"},
		{"wait above 2m", Node{Type: Condition, Test: WaitAbove, Queue: "support", Channel: "voice", Wait: 2 * time.Minute, Then: "y", Else: "n"}, Context{}, "y"},
		{"wait not above 5m", Node{Type: Condition, Test: WaitAbove, Queue: "support", Channel: "voice", Wait: 5 * time.Minute, Then: "y", Else: "n"}, Context{}, "n"},
		{"wait equal is not above", Node{Type: Condition, Test: WaitAbove, Queue: "support", Channel: "voice", Wait: 3 * time.Minute, Then: "y", Else: "n"}, Context{}, "n"},
		{"known caller", Node{Type: Condition, Test: KnownCaller, Then: "y", Else: "n"}, Context{From: "+33123"}, "y"},
		{"unknown caller", Node{Type: Condition, Test: KnownCaller, Then: "y", Else: "n"}, Context{From: "+33999"}, "n"},
		{"anonymous caller", Node{Type: Condition, Test: KnownCaller, Then: "y", Else: "n"}, Context{}, "n"},
		{"digits collected", Node{Type: Condition, Test: DigitsCollected, Var: "contract", Then: "y", Else: "n"}, Context{Digits: map[string]string{"contract": "42"}}, "y"},
		{"digits missing", Node{Type: Condition, Test: DigitsCollected, Var: "contract", Then: "y", Else: "n"}, Context{}, "n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Branch(context.Background(), env, &tc.node, &tc.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Branch = %q, want %q", got, tc.want)
			}
		})
	}
}
