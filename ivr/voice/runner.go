package voice

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/switchboard-cc/switchboard/ivr"
)

// Config configures a Runner. Zero values mean the defaults.
type Config struct {
	// Env decides hours and condition nodes and takes callback and
	// voicemail work items.
	Env ivr.Env
	// Funnel records every node entered, choice and abandonment; nil
	// records nothing.
	Funnel ivr.Recorder
	// Codes redeems web-to-voice codes dialled at a menu ('*', the code,
	// '#'); nil disables them. Wrong codes are bounded per call and per
	// calling number (wrongcodes.go).
	Codes Codes
	// Timeout is how long a menu waits for a choice after its prompt
	// (default 5s) unless the node sets its own.
	Timeout time.Duration
	// InterDigit is the default wait between digits of a collect node or a
	// code (default 3s).
	InterDigit time.Duration
	// VoicemailMax bounds a voicemail recording (default 2m).
	VoicemailMax time.Duration
	// MaxSteps bounds the nodes one call walks (default 200).
	MaxSteps int
	// Logger receives errors of the funnel recorder (default slog.Default).
	Logger *slog.Logger
}

// Runner walks flows on calls. It is safe for concurrent use by many calls.
type Runner struct {
	cfg   Config
	wrong wrongCodes
}

// New returns a Runner.
func New(cfg Config) *Runner {
	cfg.Timeout = cmp.Or(cfg.Timeout, 5*time.Second)
	cfg.InterDigit = cmp.Or(cfg.InterDigit, 3*time.Second)
	cfg.VoicemailMax = cmp.Or(cfg.VoicemailMax, 2*time.Minute)
	cfg.MaxSteps = cmp.Or(cfg.MaxSteps, 200)
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Runner{cfg: cfg}
}

func (r *Runner) now() time.Time {
	if r.cfg.Env.Now != nil {
		return r.cfg.Env.Now()
	}
	return time.Now()
}

// walk is one call's walk of a flow.
type walk struct {
	r       *Runner
	f       *ivr.Flow
	call    Call
	session string
	c       ivr.Context
	// wrongCodes counts the wrong web-to-voice codes of the call.
	wrongCodes int
	// handed is set once the call is handed to a queue or an extension.
	handed bool
}

// Run walks f on call until the call is handed over or ends, and returns
// the context gathered. A caller hanging up is not an error: Run records
// the abandonment and returns the context with a nil error. The call
// ending (ctx done) before it is handed over is a hang-up too.
func (r *Runner) Run(ctx context.Context, f *ivr.Flow, call Call, session string) (ivr.Context, error) {
	w := &walk{r: r, f: f, call: call, session: session,
		c: ivr.Context{Flow: f.Name, Face: ivr.Voice, From: call.From(), Digits: map[string]string{}}}
	id := f.Start
	for step := 0; ; step++ {
		if step >= r.cfg.MaxSteps {
			return w.c, fmt.Errorf("%w: flow %s", ErrTooManySteps, f.Name)
		}
		n := f.Nodes[id]
		if n == nil {
			return w.c, fmt.Errorf("%w: flow %s node %q", ivr.ErrUnknownNode, f.Name, id)
		}
		w.record(ctx, id, ivr.Entered, "")
		w.c.Path = append(w.c.Path, id)
		next, err := w.node(ctx, id, n)
		if errors.Is(err, ErrHangup) || (err != nil && ctx.Err() != nil && !w.handed) {
			w.record(ctx, id, ivr.Left, "")
			return w.c, nil
		}
		if err != nil {
			return w.c, fmt.Errorf("voice: flow %s node %s: %w", f.Name, id, err)
		}
		if next == "" {
			return w.c, nil
		}
		id = next
	}
}

func (w *walk) record(ctx context.Context, node string, step ivr.Step, choice string) {
	if w.r.cfg.Funnel == nil {
		return
	}
	// The caller hanging up ends ctx: the step they took is still counted.
	err := w.r.cfg.Funnel.Record(context.WithoutCancel(ctx), ivr.Event{Flow: w.f.Name, Node: node, Face: ivr.Voice, Step: step, Choice: choice, Session: w.session})
	if err != nil {
		w.r.cfg.Logger.Warn("ivr funnel", "flow", w.f.Name, "node", node, "err", err)
	}
}

// node runs one node and returns the next one, or "" when the walk ends.
func (w *walk) node(ctx context.Context, id string, n *ivr.Node) (string, error) {
	if n.Intent != "" {
		w.c.Intent = n.Intent
	}
	if !n.On(ivr.Voice) {
		return n.Fallback, nil
	}
	switch n.Type {
	case ivr.Menu:
		return w.menu(ctx, id, n)
	case ivr.Collect:
		return w.collect(ctx, id, n)
	case ivr.Play, ivr.Link:
		if _, err := w.prompt(ctx, n.Prompt, false); err != nil {
			return "", err
		}
		if n.Next == "" {
			return "", w.call.Hangup(ctx)
		}
		return n.Next, nil
	case ivr.Hours, ivr.Condition:
		return ivr.Branch(ctx, w.r.cfg.Env, n, &w.c)
	case ivr.Queue:
		w.handed = true
		return "", w.call.Enqueue(ctx, n.Queue, w.c.Clone())
	case ivr.Extension:
		w.handed = true
		return "", w.call.Transfer(ctx, n.Extension, w.c.Clone())
	case ivr.Callback:
		return "", w.callback(ctx, n)
	case ivr.Voicemail:
		return "", w.voicemail(ctx, n)
	case ivr.Hangup:
		if n.Prompt != "" {
			if _, err := w.prompt(ctx, n.Prompt, false); err != nil {
				return "", err
			}
		}
		return "", w.call.Hangup(ctx)
	}
	return "", fmt.Errorf("voice: node type %q", n.Type)
}

func (w *walk) menu(ctx context.Context, id string, n *ivr.Node) (string, error) {
	timeout := cmp.Or(n.Timeout, w.r.cfg.Timeout)
	for attempt := 0; attempt <= n.Retries; attempt++ {
		d, err := w.prompt(ctx, n.Prompt, true)
		if err != nil {
			return "", err
		}
		if d == 0 {
			if d, err = w.digit(ctx, timeout); err != nil {
				return "", err
			}
		}
		if d == '*' && w.r.cfg.Codes != nil {
			done, err := w.code(ctx, id)
			if err != nil || done {
				return "", err
			}
			continue
		}
		if d == 0 {
			w.record(ctx, id, ivr.Chose, "timeout")
			continue
		}
		if o, ok := n.Option(string(d)); ok {
			w.record(ctx, id, ivr.Chose, o.Digit)
			if o.Label != "" {
				w.c.Intent = o.Label
			}
			return o.Next, nil
		}
		w.record(ctx, id, ivr.Chose, "invalid")
	}
	if n.Invalid == "" {
		return "", w.call.Hangup(ctx)
	}
	return n.Invalid, nil
}

// code reads a web code after '*' and, when it redeems, hands the call to
// the code's queue with the web context attached. A wrong code is recorded
// as an invalid choice and the menu goes on; once the call has dialled
// callCodes wrong codes, or its number callerCodes in callerWindow, its
// codes are refused without a lookup, as wrong ones.
func (w *walk) code(ctx context.Context, id string) (bool, error) {
	code, err := w.readCode(ctx)
	if err != nil {
		return false, err
	}
	queue, wc, err := w.redeem(ctx, code)
	if err != nil {
		w.r.cfg.Logger.Warn("ivr: web-to-voice code", "flow", w.f.Name, "session", w.session, "err", err)
	}
	if err != nil || queue == "" {
		w.record(ctx, id, ivr.Chose, "invalid")
		return false, nil
	}
	w.record(ctx, id, ivr.Chose, "code")
	c := wc.Clone()
	c.Face = ivr.Voice
	c.From = w.c.From
	c.Path = append(c.Path, w.c.Path...)
	for k, v := range w.c.Digits {
		if c.Digits == nil {
			c.Digits = map[string]string{}
		}
		c.Digits[k] = v
	}
	w.c = c
	w.handed = true
	return true, w.call.Enqueue(ctx, queue, w.c.Clone())
}

// readCode reads up to ivr.CodeDigits digits ended by '#' or silence.
// After a full code it takes the '#' that follows within the inter-digit
// wait; a digit instead makes the code too long, so wrong, and the rest
// of it is read (up to 16 more digits) so that it makes no menu choice.
func (w *walk) readCode(ctx context.Context) (string, error) {
	code, err := w.digits(ctx, ivr.CodeDigits, "#", w.r.cfg.InterDigit)
	if err != nil || len(code) < ivr.CodeDigits {
		return code, err
	}
	d, err := w.digit(ctx, w.r.cfg.InterDigit)
	if err != nil || d == 0 || d == '#' {
		return code, err
	}
	rest, err := w.digits(ctx, 16, "#", w.r.cfg.InterDigit)
	return code + string(d) + rest, err
}

// redeem returns the queue and web context of code, or an empty queue
// when it is wrong or refused, and counts a wrong code for the call and
// its number.
func (w *walk) redeem(ctx context.Context, code string) (string, ivr.Context, error) {
	if w.wrongCodes >= callCodes {
		w.wrongCodes++
		return "", ivr.Context{}, nil
	}
	s, last, ok := w.r.wrong.take(w.c.From, w.r.now())
	if !ok {
		w.wrongCodes++
		return "", ivr.Context{}, nil
	}
	if wellFormed(code) {
		queue, wc, err := w.r.cfg.Codes.Redeem(ctx, code)
		if err != nil || queue != "" {
			w.r.wrong.give(s)
			return queue, wc, err
		}
	}
	if w.wrongCodes++; w.wrongCodes == callCodes {
		w.r.cfg.Logger.Warn("ivr: wrong web-to-voice codes, no more codes on this call",
			"flow", w.f.Name, "session", w.session, "from", w.c.From, "wrong", w.wrongCodes)
	}
	if last {
		w.r.cfg.Logger.Warn("ivr: wrong web-to-voice codes, no more codes from this number for now",
			"flow", w.f.Name, "session", w.session, "from", w.c.From, "wrong", callerCodes, "within", callerWindow)
	}
	return "", ivr.Context{}, nil
}

// wellFormed reports whether code is ivr.CodeDigits decimal digits.
func wellFormed(code string) bool {
	if len(code) != ivr.CodeDigits {
		return false
	}
	for i := range len(code) {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

func (w *walk) collect(ctx context.Context, id string, n *ivr.Node) (string, error) {
	inter := cmp.Or(n.InterDigit, w.r.cfg.InterDigit)
	for attempt := 0; attempt <= n.Retries; attempt++ {
		first, err := w.prompt(ctx, n.Prompt, true)
		if err != nil {
			return "", err
		}
		got := ""
		if first != 0 && string(first) != n.Terminator {
			got = string(first)
		}
		if first == 0 || (string(first) != n.Terminator && len(got) < n.MaxDigits) {
			more, err := w.digits(ctx, n.MaxDigits-len(got), n.Terminator, inter)
			if err != nil {
				return "", err
			}
			got += more
		}
		if len(got) >= n.MinDigits {
			choice := "none"
			if got != "" {
				w.c.Digits[n.Var] = got
				choice = "collected"
			}
			w.record(ctx, id, ivr.Chose, choice)
			return n.Next, nil
		}
		w.record(ctx, id, ivr.Chose, "invalid")
	}
	if n.Invalid == "" {
		return "", w.call.Hangup(ctx)
	}
	return n.Invalid, nil
}

func (w *walk) callback(ctx context.Context, n *ivr.Node) error {
	if w.r.cfg.Env.Live == nil {
		return ivr.ErrNoLive
	}
	if _, err := w.r.cfg.Env.Live.Submit(ctx, ivr.Item{Channel: "callback", Queue: n.Queue, Number: w.c.From, Context: w.c.Clone()}); err != nil {
		return err
	}
	if n.Prompt != "" {
		if _, err := w.prompt(ctx, n.Prompt, false); err != nil {
			return err
		}
	}
	return w.call.Hangup(ctx)
}

func (w *walk) voicemail(ctx context.Context, n *ivr.Node) error {
	if w.r.cfg.Env.Live == nil {
		return ivr.ErrNoLive
	}
	if _, err := w.prompt(ctx, n.Prompt, false); err != nil {
		return err
	}
	ref, err := w.call.Record(ctx, w.r.cfg.VoicemailMax)
	if err != nil {
		return err
	}
	// The caller usually hangs up to end the message: it is delivered all
	// the same.
	if _, err := w.r.cfg.Env.Live.Submit(context.WithoutCancel(ctx), ivr.Item{Channel: "voicemail", Queue: n.Queue, Number: w.c.From, Ref: ref, Context: w.c.Clone()}); err != nil {
		return err
	}
	return w.call.Hangup(ctx)
}
