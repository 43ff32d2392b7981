package contact

import (
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/ivr"
	"github.com/switchboard-cc/switchboard/ivr/voice"
)

// phoneCall is a call that dials the digits it is given once its first
// prompt starts.
type phoneCall struct {
	digits chan byte

	mu     sync.Mutex // guards the following fields
	queue  string
	handed ivr.Context
}

func (c *phoneCall) From() string        { return "+33699999999" }
func (c *phoneCall) Digits() <-chan byte { return c.digits }
func (c *phoneCall) Play(ctx context.Context, _ string) error {
	<-ctx.Done() // a prompt long enough to be cut by the caller's digits
	return ctx.Err()
}
func (c *phoneCall) Enqueue(_ context.Context, q string, fc ivr.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queue, c.handed = q, fc
	return nil
}
func (c *phoneCall) Transfer(context.Context, string, ivr.Context) error   { return nil }
func (c *phoneCall) Record(context.Context, time.Duration) (string, error) { return "", nil }
func (c *phoneCall) Hangup(context.Context) error                          { return nil }

// TestCodeBridgesWebToVoice shows the code of the contact page, dialled
// at the phone menu, landing the call in the intent's queue with the web
// context, through the store; the stored funnel counting both faces; and
// the code refused on a second call.
func TestCodeBridgesWebToVoice(t *testing.T) {
	st, err := store.OpenFile(t.Context(), filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	codes := ivr.Codes{Store: st}
	fn := ivr.StoreFunnel{Store: st}
	live := &fakeLive{}
	live.set(0, time.Minute)
	flow := demoFlow()
	h, err := New(Config{Flows: Flows{"main": flow}, Env: ivr.Env{Live: live, Calendars: openCalendar(true)}, Funnel: fn, Codes: codes})
	if err != nil {
		t.Fatal(err)
	}
	const session = "0123456789abcdef"
	_, page := get(t, h, "/contact/main?n=support&s="+session)
	_, page = reveal(t, h, page, "192.0.2.1:1")
	m := regexp.MustCompile(`\*([0-9]{6})#`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no code on the page:\n%s", page)
	}

	call := &phoneCall{digits: make(chan byte, 8)}
	for _, d := range []byte("*" + m[1] + "#") {
		call.digits <- d
	}
	r := voice.New(voice.Config{Codes: codes, Funnel: fn, Env: ivr.Env{Live: live}})
	if _, err := r.Run(t.Context(), flow, call, "call-1"); err != nil {
		t.Fatal(err)
	}
	call.mu.Lock()
	defer call.mu.Unlock()
	if call.queue != "support" || call.handed.Intent != "technical support" || call.handed.Face != ivr.Voice ||
		!slices.Equal(call.handed.Path, []string{"support", "welcome"}) || call.handed.From != "+33699999999" {
		t.Fatalf("queue %q context %+v", call.queue, call.handed)
	}

	counts, err := st.FunnelCounts(t.Context(), "main")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range counts {
		got = append(got, strings.Join([]string{c.Node, c.Face, c.Step, c.Choice}, "/")+"="+string(rune('0'+c.Count)))
	}
	want := []string{"support/web/choice/call=1", "support/web/enter/=1", "welcome/voice/choice/code=1", "welcome/voice/enter/=1"}
	if !slices.Equal(got, want) {
		t.Fatalf("funnel = %v, want %v", got, want)
	}

	// The code works once: a second call dialling it stays at the menu,
	// and the visitor reloading the page is offered a new code.
	again := &phoneCall{digits: make(chan byte, 8)}
	for _, d := range []byte("*" + m[1] + "#") {
		again.digits <- d
	}
	close(again.digits) // then the caller hangs up
	if _, err := r.Run(t.Context(), flow, again, "call-2"); err != nil {
		t.Fatal(err)
	}
	if again.queue != "" {
		t.Fatalf("a used code took a second call to %q", again.queue)
	}
	if _, reload := get(t, h, "/contact/main?n=support&s="+session); !strings.Contains(reload, `id="get-code"`) || strings.Contains(reload, m[1]) {
		t.Fatalf("reload after the call: want the button, not the used code:\n%s", reload)
	}
}
