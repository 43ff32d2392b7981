package voice

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/switchboard-cc/switchboard/ivr"
	"github.com/switchboard-cc/switchboard/ivr/calendar"
)

// fakeCall is a scripted call: prompts take promptLen, digits arrive as
// the test sends them.
type fakeCall struct {
	from   string
	digits chan byte

	mu          sync.Mutex // guards the following fields
	played      []string
	interrupted []string
	queue       string
	extension   string
	handed      ivr.Context
	hungUp      bool
}

const promptLen = 4 * time.Second

func newFakeCall() *fakeCall { return &fakeCall{from: "+33100000001", digits: make(chan byte, 32)} }

func (c *fakeCall) From() string        { return c.from }
func (c *fakeCall) Digits() <-chan byte { return c.digits }
func (c *fakeCall) Play(ctx context.Context, p string) error {
	c.mu.Lock()
	c.played = append(c.played, p)
	c.mu.Unlock()
	select {
	case <-time.After(promptLen):
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		c.interrupted = append(c.interrupted, p)
		c.mu.Unlock()
		return ctx.Err()
	}
}
func (c *fakeCall) Enqueue(_ context.Context, q string, fc ivr.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queue, c.handed = q, fc
	return nil
}
func (c *fakeCall) Transfer(_ context.Context, ext string, fc ivr.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.extension, c.handed = ext, fc
	return nil
}
func (c *fakeCall) Record(context.Context, time.Duration) (string, error) { return "vm-1", nil }
func (c *fakeCall) Hangup(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hungUp = true
	return nil
}

// press sends digits after a delay, from a goroutine of the synctest bubble.
func (c *fakeCall) press(after time.Duration, digits string) {
	go func() {
		time.Sleep(after)
		for i := range len(digits) {
			c.digits <- digits[i]
		}
	}()
}

type funnel struct {
	mu     sync.Mutex // guards events
	events []ivr.Event
}

func (f *funnel) Record(_ context.Context, e ivr.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, e)
	return nil
}

func (f *funnel) count(node string, step ivr.Step, choice string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := 0
	for _, e := range f.events {
		if e.Node == node && e.Step == step && e.Choice == choice {
			k++
		}
	}
	return k
}

type live struct {
	mu    sync.Mutex // guards items
	items []ivr.Item
}

func (l *live) AgentsAvailable(context.Context, string, string) (int, error) { return 0, nil }
func (l *live) ExpectedWait(context.Context, string, string) (time.Duration, error) {
	return 0, nil
}
func (l *live) KnownCaller(context.Context, string) (bool, error) { return false, nil }
func (l *live) Submit(_ context.Context, it ivr.Item) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = append(l.items, it)
	return "1", nil
}

// codes is the code store of the tests: a code redeems once; lookups
// counts the codes looked up.
type codes struct {
	mu      sync.Mutex // guards the following fields
	byCode  map[string]ivr.Context
	lookups int
}

func newCodes() *codes {
	return &codes{byCode: map[string]ivr.Context{
		"482193": {Flow: "main", Face: ivr.Web, Intent: "internet down", Path: []string{"web:welcome", "web:support"}},
	}}
}

func (c *codes) Redeem(_ context.Context, code string) (string, ivr.Context, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lookups++
	wc, ok := c.byCode[code]
	if !ok {
		return "", ivr.Context{}, nil
	}
	delete(c.byCode, code)
	return "support", wc, nil
}

func (c *codes) looked() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lookups
}

// twoLevel is the demo flow: a menu, a support sub-menu behind office
// hours, a contract-number collect and the closed branch.
func twoLevel() *ivr.Flow {
	return &ivr.Flow{Name: "main", Start: "welcome", Nodes: map[string]*ivr.Node{
		"welcome": {ID: "welcome", Type: ivr.Menu, Prompt: "welcome", Title: "How can we help?", Retries: 2, Invalid: "bye",
			Options: []ivr.Option{{Digit: "1", Label: "sales", Next: "sales"}, {Digit: "2", Label: "support", Next: "hours"}}},
		"sales": {ID: "sales", Type: ivr.Queue, Queue: "sales"},
		"hours": {ID: "hours", Type: ivr.Hours, Calendar: "office", Open: "support-menu", Closed: "closed"},
		"support-menu": {ID: "support-menu", Type: ivr.Menu, Prompt: "support-menu", Title: "Support", Retries: 1, Invalid: "bye",
			Options: []ivr.Option{{Digit: "1", Label: "billing", Next: "contract"}, {Digit: "2", Label: "technical", Next: "tech"}}},
		"contract":   {ID: "contract", Type: ivr.Collect, Prompt: "enter-contract", Var: "contract", MinDigits: 4, MaxDigits: 8, Terminator: "#", Next: "billing", Fallback: "billing"},
		"billing":    {ID: "billing", Type: ivr.Queue, Queue: "billing", Intent: "billing"},
		"tech":       {ID: "tech", Type: ivr.Chat, Queue: "tech", Fallback: "tech-queue"},
		"tech-queue": {ID: "tech-queue", Type: ivr.Queue, Queue: "tech"},
		"closed":     {ID: "closed", Type: ivr.Play, Prompt: "closed", Next: "bye"},
		"bye":        {ID: "bye", Type: ivr.Hangup},
	}}
}

func office(t *testing.T) calendar.Set {
	t.Helper()
	c, err := calendar.Parse(calendar.Spec{Name: "office", TimeZone: "Europe/Paris", Hours: map[string]string{"mon-fri": "09:00-18:00"}})
	if err != nil {
		t.Fatal(err)
	}
	return calendar.Set{"office": c}
}

func TestRunner(t *testing.T) {
	openTime := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)   // Monday 11:00 Paris
	closedTime := time.Date(2026, 11, 23, 19, 0, 0, 0, time.UTC) // Monday 20:00 Paris
	for _, tc := range []struct {
		name       string
		now        time.Time
		script     func(c *fakeCall)
		wantQueue  string
		wantPath   []string
		wantPlayed []string
		wantBarged []string
		wantHangup bool
		wantDigits map[string]string
		wantIntent string
		wantFunnel map[[3]string]int // node, step, choice → count
	}{
		{
			name: "barge-in two levels to a collected contract",
			now:  openTime,
			script: func(c *fakeCall) {
				c.press(time.Second, "2")       // during welcome
				c.press(6*time.Second, "1")     // after support-menu ended (4s) + 1s wait; welcome cut at 1s
				c.press(11*time.Second, "1234") // after enter-contract ended (6s+4s); then silence ends the digits
			},
			wantQueue:  "billing",
			wantPath:   []string{"welcome", "hours", "support-menu", "contract", "billing"},
			wantPlayed: []string{"welcome", "support-menu", "enter-contract"},
			wantBarged: []string{"welcome"},
			wantDigits: map[string]string{"contract": "1234"},
			wantIntent: "billing",
			wantFunnel: map[[3]string]int{
				{"welcome", "enter", ""}: 1, {"welcome", "choice", "2"}: 1, {"support-menu", "choice", "1"}: 1,
				{"contract", "choice", "collected"}: 1, {"billing", "enter", ""}: 1,
			},
		},
		{
			name:       "invalid choice replays the menu",
			now:        openTime,
			script:     func(c *fakeCall) { c.press(time.Second, "9"); c.press(3*time.Second, "1") },
			wantQueue:  "sales",
			wantPath:   []string{"welcome", "sales"},
			wantPlayed: []string{"welcome", "welcome"},
			wantBarged: []string{"welcome", "welcome"},
			wantIntent: "sales",
			wantFunnel: map[[3]string]int{{"welcome", "choice", "invalid"}: 1, {"welcome", "choice", "1"}: 1, {"welcome", "enter", ""}: 1},
		},
		{
			name:       "retries exhausted run the fallback",
			now:        openTime,
			script:     func(*fakeCall) {},
			wantPath:   []string{"welcome", "bye"},
			wantPlayed: []string{"welcome", "welcome", "welcome"},
			wantHangup: true,
			wantFunnel: map[[3]string]int{{"welcome", "choice", "timeout"}: 3, {"bye", "enter", ""}: 1},
		},
		{
			name:       "after hours the closed branch",
			now:        closedTime,
			script:     func(c *fakeCall) { c.press(time.Second, "2") },
			wantPath:   []string{"welcome", "hours", "closed", "bye"},
			wantPlayed: []string{"welcome", "closed"},
			wantBarged: []string{"welcome"},
			wantHangup: true,
			wantIntent: "support",
			wantFunnel: map[[3]string]int{{"closed", "enter", ""}: 1, {"support-menu", "enter", ""}: 0},
		},
		{
			name:       "web-only chat falls back to the queue on the phone",
			now:        openTime,
			script:     func(c *fakeCall) { c.press(time.Second, "2"); c.press(3*time.Second, "2") },
			wantQueue:  "tech",
			wantPath:   []string{"welcome", "hours", "support-menu", "tech", "tech-queue"},
			wantPlayed: []string{"welcome", "support-menu"},
			wantBarged: []string{"welcome", "support-menu"},
			wantIntent: "technical",
		},
		{
			name:       "hangup during the menu is an abandonment",
			now:        openTime,
			script:     func(c *fakeCall) { go func() { time.Sleep(2 * time.Second); close(c.digits) }() },
			wantPath:   []string{"welcome"},
			wantPlayed: []string{"welcome"},
			wantBarged: []string{"welcome"},
			wantFunnel: map[[3]string]int{{"welcome", "leave", ""}: 1},
		},
		{
			name:       "a web code dialled at the menu goes straight to the intent's queue",
			now:        openTime,
			script:     func(c *fakeCall) { c.press(time.Second, "*482193#") },
			wantQueue:  "support",
			wantPath:   []string{"web:welcome", "web:support", "welcome"},
			wantPlayed: []string{"welcome"},
			wantBarged: []string{"welcome"},
			wantIntent: "internet down",
			wantFunnel: map[[3]string]int{{"welcome", "choice", "code"}: 1},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fn := &funnel{}
				r := New(Config{
					Env:    ivr.Env{Calendars: office(t), Live: &live{}, Now: func() time.Time { return tc.now }},
					Funnel: fn,
					Codes:  newCodes(),
				})
				call := newFakeCall()
				tc.script(call)
				got, err := r.Run(t.Context(), twoLevel(), call, "s1")
				if err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				call.mu.Lock()
				defer call.mu.Unlock()
				if call.queue != tc.wantQueue {
					t.Errorf("queue = %q, want %q", call.queue, tc.wantQueue)
				}
				if !slices.Equal(got.Path, tc.wantPath) {
					t.Errorf("path = %v, want %v", got.Path, tc.wantPath)
				}
				if tc.wantQueue != "" && !slices.Equal(call.handed.Path, tc.wantPath) {
					t.Errorf("handed path = %v, want %v", call.handed.Path, tc.wantPath)
				}
				if !slices.Equal(call.played, tc.wantPlayed) {
					t.Errorf("played = %v, want %v", call.played, tc.wantPlayed)
				}
				if !slices.Equal(call.interrupted, tc.wantBarged) {
					t.Errorf("barged in = %v, want %v", call.interrupted, tc.wantBarged)
				}
				if call.hungUp != tc.wantHangup {
					t.Errorf("hung up = %v, want %v", call.hungUp, tc.wantHangup)
				}
				if got.Intent != tc.wantIntent {
					t.Errorf("intent = %q, want %q", got.Intent, tc.wantIntent)
				}
				for k, v := range tc.wantDigits {
					if got.Digits[k] != v || call.handed.Digits[k] != v {
						t.Errorf("digits[%s] = %q (handed %q), want %q", k, got.Digits[k], call.handed.Digits[k], v)
					}
				}
				for k, want := range tc.wantFunnel {
					if n := fn.count(k[0], ivr.Step(k[1]), k[2]); n != want {
						t.Errorf("funnel %v = %d, want %d", k, n, want)
					}
				}
			})
		})
	}
}

func TestVoicemailAndCallbackBecomeItems(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := &live{}
		f := &ivr.Flow{Name: "vm", Start: "m", Nodes: map[string]*ivr.Node{
			"m":  {ID: "m", Type: ivr.Menu, Prompt: "m", Title: "m", Options: []ivr.Option{{Digit: "1", Label: "message", Next: "vm"}, {Digit: "2", Label: "call me", Next: "cb"}}},
			"vm": {ID: "vm", Type: ivr.Voicemail, Prompt: "leave", Queue: "support"},
			"cb": {ID: "cb", Type: ivr.Callback, Prompt: "we-call-you", Queue: "support"},
		}}
		r := New(Config{Env: ivr.Env{Live: l}})
		for _, d := range "12" {
			call := newFakeCall()
			call.press(time.Second, string(d))
			if _, err := r.Run(t.Context(), f, call, "s"); err != nil {
				t.Fatal(err)
			}
			if !call.hungUp {
				t.Error("call not hung up")
			}
		}
		synctest.Wait()
		if len(l.items) != 2 || l.items[0].Channel != "voicemail" || l.items[0].Ref != "vm-1" || l.items[1].Channel != "callback" ||
			l.items[1].Number != "+33100000001" || l.items[1].Context.Intent != "call me" {
			t.Fatalf("items = %+v", l.items)
		}
	})
}

// waitingCall waits in the queue until the call ends.
type waitingCall struct{ *fakeCall }

func (c waitingCall) Enqueue(ctx context.Context, q string, fc ivr.Context) error {
	c.fakeCall.Enqueue(ctx, q, fc)
	<-ctx.Done()
	return ctx.Err()
}

// TestCallEndingIsAnAbandonment: the call ending (its context done, as
// the SIP side ends it) during the menu is a hang-up there, recorded as
// such with no error; ending while queued is not an IVR abandonment.
func TestCallEndingIsAnAbandonment(t *testing.T) {
	for _, tc := range []struct {
		name      string
		keys      string
		wantLeave int
	}{
		{"during the menu", "", 1},
		{"queued", "1", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fn := &funnel{}
				r := New(Config{Env: ivr.Env{Live: &live{}}, Funnel: fn})
				call := newFakeCall()
				if tc.keys != "" {
					call.press(time.Second, tc.keys)
				}
				ctx, hangup := context.WithCancel(t.Context())
				go func() { time.Sleep(2 * time.Second); hangup() }()
				_, err := r.Run(ctx, twoLevel(), waitingCall{call}, "s")
				if tc.wantLeave == 1 && err != nil {
					t.Fatalf("Run = %v, want nil", err)
				}
				n := fn.count("welcome", ivr.Left, "") + fn.count("sales", ivr.Left, "")
				if n != tc.wantLeave {
					t.Fatalf("%d abandonments recorded, want %d", n, tc.wantLeave)
				}
			})
		})
	}
}
