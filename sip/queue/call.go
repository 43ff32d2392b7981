package queue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/ivr"
	"github.com/switchboard-cc/switchboard/ivr/voice"
	"github.com/switchboard-cc/switchboard/media"
	"github.com/switchboard-cc/switchboard/media/prompts"
	"github.com/switchboard-cc/switchboard/sip/b2bua"
)

var errNoFlows = errors.New("queue: IVR flows are not wired")

func errUnknownFlow(name string) error { return fmt.Errorf("queue: no flow named %q", name) }

// Call is an answered call as the IVR voice runner drives it.
type Call struct {
	ctx    context.Context // the call's: done when it ends
	s      *Service
	in     *b2bua.InboundCall
	lang   string // of its prompts and announcements
	once   sync.Once
	digits chan byte

	// idle plays silence between prompts: the session reads the caller's
	// RTP, and so the digits in it, only while it plays or bridges.
	idleMu   sync.Mutex
	idleStop context.CancelFunc
	idleDone chan struct{}
}

// silence is one second of µ-law silence, looped between prompts.
var silence = bytes.Repeat([]byte{0xFF}, 8000)

// listen keeps reading the caller (playing silence) until quiet is called.
func (c *Call) listen() {
	c.idleMu.Lock()
	defer c.idleMu.Unlock()
	if c.idleStop != nil || c.ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithCancel(c.ctx)
	done := make(chan struct{})
	c.idleStop, c.idleDone = cancel, done
	c.s.rings.Add(1)
	go func() {
		defer c.s.rings.Done()
		defer close(done)
		_, _ = c.in.Media.Play(ctx, silence, media.PlayOptions{Loop: true})
	}()
}

// quiet stops the silence so that the session can play or bridge.
func (c *Call) quiet() {
	c.idleMu.Lock()
	defer c.idleMu.Unlock()
	if c.idleStop == nil {
		return
	}
	c.idleStop()
	<-c.idleDone
	c.idleStop, c.idleDone = nil, nil
}

var _ voice.Call = (*Call)(nil)

// NewCall adapts an answered call for the IVR runner, speaking lang (""
// is the settings language); ctx is the call's and ends when it does.
func (s *Service) NewCall(ctx context.Context, in *b2bua.InboundCall, lang string) *Call {
	if lang == "" {
		lang = s.language(ctx)
	}
	return &Call{ctx: ctx, s: s, in: in, lang: lang}
}

// From returns the caller's number.
func (c *Call) From() string { return c.in.From }

// Digits delivers the caller's DTMF digits; it is closed when the call
// ends.
func (c *Call) Digits() <-chan byte {
	c.once.Do(func() {
		c.listen()
		c.digits = make(chan byte, 16)
		src := c.in.Media.Digits()
		c.s.rings.Add(1)
		go func() {
			defer c.s.rings.Done()
			defer close(c.digits)
			for {
				select {
				case d, ok := <-src:
					if !ok {
						return
					}
					select {
					case c.digits <- byte(d.Key):
					default: // a caller typing faster than the flow reads
					}
				case <-c.ctx.Done():
					return
				}
			}
		}()
	})
	return c.digits
}

// Play plays a prompt in the call's language: an upload of that name,
// else the built-in.
func (c *Call) Play(ctx context.Context, prompt string) error {
	audio, err := c.s.cfg.Prompts.Get(ctx, c.lang, prompt)
	if err != nil {
		c.s.log.Warn("flow prompt missing; skipped", "prompt", prompt, "language", c.lang, "err", err)
		return nil
	}
	c.quiet()
	defer c.listen()
	_, err = c.in.Media.Play(ctx, audio, media.PlayOptions{})
	return err
}

// Enqueue waits in queue until the call ends.
func (c *Call) Enqueue(ctx context.Context, queue string, ic ivr.Context) error {
	c.quiet()
	return c.s.wait(ctx, c.in, queue, ic, c.lang)
}

// Transfer rings extension and bridges the caller to it.
func (c *Call) Transfer(ctx context.Context, extension string, ic ivr.Context) error {
	leg, err := c.in.Ring(ctx, extension, c.in.From, map[string]string{"Intent": ic.Intent, "Flow": ic.Flow})
	c.quiet()
	if err != nil {
		c.s.play(ctx, c.in.Media, c.lang, prompts.Goodbye)
		return err
	}
	return leg.Bridge(ctx, false)
}

// Record records the caller (a voicemail) for at most max, ended earlier
// by '#' or the caller hanging up, as a WAV file (the caller on the left
// channel) under the recordings directory, and returns its path relative
// to that directory.
func (c *Call) Record(ctx context.Context, max time.Duration) (string, error) {
	dir := c.s.cfg.Recordings
	if dir == "" || c.s.cfg.Media == nil {
		return "", errors.New("queue: voicemail: no recordings directory or media engine")
	}
	now := time.Now().UTC()
	rel := filepath.Join("voicemail", now.Format("2006/01/02"), fmt.Sprintf("%s-%s.wav", now.Format("150405.000"), safeName(c.in.From)))
	path := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return "", fmt.Errorf("queue: voicemail: %w", err)
	}
	// media.Record takes two legs: the second is a session nobody sends
	// to, so its channel stays silent.
	quiet, err := c.s.cfg.Media.NewSession()
	if err != nil {
		return "", fmt.Errorf("queue: voicemail: %w", err)
	}
	defer quiet.Close()
	digits := c.Digits()
	c.listen()
	rctx, stop := context.WithTimeout(ctx, max)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- media.Record(rctx, c.in.Media, quiet, path) }()
wait:
	for {
		select {
		case d, ok := <-digits:
			if !ok || d == '#' {
				break wait
			}
		case <-rctx.Done():
			break wait
		}
	}
	stop()
	if err := <-done; err != nil {
		return "", fmt.Errorf("queue: voicemail: %w", err)
	}
	return rel, nil
}

// safeName keeps the letters, digits and + of a caller's number for a file
// name.
func safeName(s string) string {
	out := strings.Map(func(r rune) rune {
		if r == '+' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			return r
		}
		return -1
	}, s)
	if len(out) > 32 {
		out = out[:32]
	}
	if out == "" {
		return "anonymous"
	}
	return out
}

// Hangup ends the call: the B2BUA hangs up when the flow returns.
func (c *Call) Hangup(ctx context.Context) error {
	c.quiet()
	return nil
}
