package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/ivr"
	"github.com/switchboard-cc/switchboard/media"
	"github.com/switchboard-cc/switchboard/media/prompts"
	"github.com/switchboard-cc/switchboard/sip/b2bua"
)

// Codes are the feature codes agents dial from their desk phone.
type Codes struct {
	Login  string // default *45
	Logout string // default *46
	Pause  string // default *47, followed by a reason digit
}

// Config wires a Service. Zero fields take the defaults.
type Config struct {
	ACD *acd.Distributor
	// Flows returns the configured IVR flows; nil: flows cannot be dialled.
	Flows func(ctx context.Context) ([]*ivr.Flow, error)
	// Run walks a flow on a call (an ivr/voice Runner's Run); nil: flows
	// cannot be run.
	Run func(ctx context.Context, f *ivr.Flow, c *Call) error
	// Media makes the extra session a voicemail recording needs, and
	// Recordings is where voicemails are written; nil or "": voicemail
	// nodes fail.
	Media      *media.Engine
	Recordings string
	// Customers resolves callers' numbers to customers and keeps the
	// queued calls on their timeline; nil skips it.
	Customers *customer.Directory
	// Place places a callback call (the B2BUA's PlaceCallback); nil:
	// callback requests wait for it.
	Place func(ctx context.Context, cb b2bua.Callback) error
	// Language returns the settings language: what calls that reach a
	// queue without a flow, flows without a language of their own and
	// agents' feature codes speak. Nil, or "", is
	// prompts.DefaultLanguage.
	Language func(ctx context.Context) string
	// Prompts resolves prompt and music names, uploads first; nil plays
	// the built-ins alone.
	Prompts *prompts.Library
	Codes   Codes
	// PauseReasons names the reason digits of the pause code (default
	// 1 break, 2 lunch, 3 meeting, 4 training, 5 admin).
	PauseReasons map[byte]string
	Logger       *slog.Logger
}

// Service implements b2bua.Destinations and b2bua.Local, and is the
// distributor's voice Handler.
type Service struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	waiting map[string]*waiter // by item id
	rings   sync.WaitGroup
}

var (
	_ b2bua.Destinations = (*Service)(nil)
	_ b2bua.Local        = (*Service)(nil)
	_ acd.Handler        = (*Service)(nil)
	_ acd.Prober         = (*Service)(nil)
	_ b2bua.Farewell     = (*Service)(nil)
)

// New returns a Service; register it with cfg.ACD.Handle(acd.Voice, s).
func New(cfg Config) *Service {
	if cfg.Prompts == nil {
		cfg.Prompts = prompts.NewLibrary(nil)
	}
	if cfg.Codes.Login == "" {
		cfg.Codes.Login = "*45"
	}
	if cfg.Codes.Logout == "" {
		cfg.Codes.Logout = "*46"
	}
	if cfg.Codes.Pause == "" {
		cfg.Codes.Pause = "*47"
	}
	if cfg.PauseReasons == nil {
		cfg.PauseReasons = map[byte]string{'1': "break", '2': "lunch", '3': "meeting", '4': "training", '5': "admin"}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{cfg: cfg, log: cfg.Logger.With("component", "queue"), waiting: map[string]*waiter{}}
}

// language returns the settings language.
func (s *Service) language(ctx context.Context) string {
	if s.cfg.Language == nil {
		return prompts.DefaultLanguage
	}
	if lang := s.cfg.Language(ctx); lang != "" {
		return lang
	}
	return prompts.DefaultLanguage
}

// Wait waits for the rings still running to end (after the B2BUA stopped).
func (s *Service) Wait() { s.rings.Wait() }

// waiter is a caller waiting in a queue.
type waiter struct {
	in       *b2bua.InboundCall
	queue    string
	mu       sync.Mutex
	closed   bool
	agent    string // who answered
	answered chan *b2bua.AgentLeg
}

func (w *waiter) agentName() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.agent
}

// hand passes an answered agent leg to the waiting caller, or reports that
// the caller is gone.
func (w *waiter) hand(leg *b2bua.AgentLeg, agent string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return false
	}
	select {
	case w.answered <- leg:
		w.agent = agent
		return true
	default:
		return false
	}
}

// close stops taking legs and hangs up one handed too late.
func (w *waiter) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	select {
	case leg := <-w.answered:
		leg.Hangup()
	default:
	}
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "call-" + hex.EncodeToString(b[:])
}

// Queue runs a trunk call routed to a queue.
func (s *Service) Queue(ctx context.Context, in *b2bua.InboundCall, queue string) error {
	return s.wait(ctx, in, queue, ivr.Context{From: in.From}, s.language(ctx))
}

// wait queues the caller until an agent takes the call and it ends, the
// caller hangs up, or the caller asks to be called back; the caller hears
// the announcements and the callback confirmation in lang.
func (s *Service) wait(ctx context.Context, in *b2bua.InboundCall, queue string, ic ivr.Context, lang string) error {
	ann, ok := s.cfg.ACD.QueueVoice(queue)
	if !ok {
		s.play(ctx, in.Media, lang, prompts.Closed)
		return fmt.Errorf("queue: no queue %q", queue)
	}
	in.SetQueue(queue)
	id := newID()
	w := &waiter{in: in, queue: queue, answered: make(chan *b2bua.AgentLeg, 1)}
	s.mu.Lock()
	s.waiting[id] = w
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.waiting, id)
		s.mu.Unlock()
		w.close()
	}()
	cust := s.customer(ctx, in.From)
	started := time.Now()
	if _, err := s.cfg.ACD.Enqueue(ctx, acd.Item{ID: id, Channel: acd.Voice, Queue: queue, Customer: cust, Context: itemContext(in, ic)}); err != nil {
		s.log.Warn("caller refused by the queue", "queue", queue, "from", in.From, "err", err)
		s.play(ctx, in.Media, lang, prompts.Closed)
		return err
	}
	outcome := "abandoned"
	defer func() { s.recordCall(cust, id, in.From, queue, w.agentName(), outcome, ic, started) }()
	holdCtx, stopHold := context.WithCancel(ctx)
	callback := make(chan struct{}, 1)
	held := make(chan struct{})
	go func() {
		defer close(held)
		if s.hold(holdCtx, in.Media, id, ann, lang) {
			callback <- struct{}{}
		}
	}()
	select {
	case leg := <-w.answered:
		stopHold()
		<-held
		outcome = "answered"
		err := leg.Bridge(ctx, ann.Record)
		s.end(id)
		var tr *b2bua.Transferred
		if errors.As(err, &tr) {
			// recordCall adds " by <agent>": the agent transferred it.
			outcome = "transferred to " + tr.To
			if tr.Failed != "" {
				outcome = "transfer to " + tr.To + " failed (" + tr.Failed + ")"
			}
		}
		return err
	case <-callback:
		stopHold()
		<-held
		if err := s.cfg.ACD.ToCallback(ctx, id, map[string]string{"number": in.From}); err != nil {
			s.log.Warn("the callback request could not be queued; hanging up", "item", id, "err", err)
			s.end(id)
			return err
		}
		outcome = "callback requested"
		s.play(ctx, in.Media, lang, prompts.Callback)
		s.play(ctx, in.Media, lang, prompts.Goodbye)
		return nil
	case <-ctx.Done():
		stopHold()
		<-held
		s.end(id)
		return nil
	}
}

// end tells the distributor the call is over (abandoned while waiting or
// ringing, completed when an agent held it).
func (s *Service) end(id string) {
	if err := s.cfg.ACD.Abandon(context.Background(), id); err != nil && !errors.Is(err, acd.ErrNoItem) {
		s.log.Warn("ending the queue item failed", "item", id, "err", err)
	}
}

func itemContext(in *b2bua.InboundCall, ic ivr.Context) map[string]string {
	m := map[string]string{"from": in.From}
	if in.DID != "" {
		m["did"] = in.DID
	}
	if in.Trunk != "" {
		m["trunk"] = in.Trunk
	}
	if ic.Flow != "" {
		m["flow"] = ic.Flow
	}
	if ic.Intent != "" {
		m["intent"] = ic.Intent
	}
	if len(ic.Path) > 0 {
		m["path"] = strings.Join(ic.Path, ">")
	}
	for k, v := range ic.Digits {
		m["digits."+k] = v
	}
	return m
}

// hold plays music on hold to the caller, with the position and expected
// wait in lang soon after entry and then at the queue's interval, until
// ctx ends; it reports whether the caller pressed the callback digit.
func (s *Service) hold(ctx context.Context, sess *media.Session, id string, ann acd.VoiceSettings, lang string) bool {
	bargeIn := ann.CallbackDigit != ""
	music, err := s.cfg.Prompts.Music(ctx, ann.Music)
	if err != nil {
		s.log.Warn("music on hold missing; default played", "music", ann.Music, "err", err)
		music = prompts.Music()
	}
	next := firstAnnouncement
	if ann.Announce <= 0 {
		next = time.Hour
	}
	for {
		musicCtx, stop := context.WithTimeout(ctx, next)
		d, err := sess.Play(musicCtx, music, media.PlayOptions{Loop: true, BargeIn: bargeIn})
		stop()
		switch {
		case err != nil || ctx.Err() != nil:
			return false
		case bargeIn && string(d.Key) == ann.CallbackDigit:
			return true
		case ann.Announce <= 0 || d.Key != 0:
			continue
		}
		if s.announce(ctx, sess, id, ann.CallbackDigit, lang) == ann.CallbackDigit && bargeIn {
			return true
		}
		next = ann.Announce
	}
}

// firstAnnouncement is how long a new caller hears music before the first
// position announcement (none if an agent is already ringing by then).
const firstAnnouncement = 2 * time.Second

// announce says the item's position and expected wait, and how to ask for
// a callback, in lang, unless it is ringing an agent; it returns the digit
// pressed during it.
func (s *Service) announce(ctx context.Context, sess *media.Session, id, callbackDigit, lang string) string {
	pos, wait := s.cfg.ACD.ItemWait(id)
	if pos == 0 {
		return ""
	}
	parts, err := prompts.Position(lang, pos)
	if err == nil {
		var w []string
		w, err = prompts.Wait(lang, int((wait+time.Minute-1)/time.Minute))
		parts = append(parts, w...)
	}
	if err != nil {
		s.log.Debug("no announcement for this position", "position", pos, "err", err)
		return ""
	}
	if d := callbackDigit; len(d) == 1 && d[0] >= '0' && d[0] <= '9' {
		parts = append(parts, prompts.PressForCallback, d)
	}
	audio, err := s.cfg.Prompts.Audio(ctx, lang, parts)
	if err != nil {
		return ""
	}
	d, _ := sess.Play(ctx, audio, media.PlayOptions{BargeIn: callbackDigit != ""})
	return string(d.Key)
}

// Goodbye says goodbye on sess in the settings language (an uploaded
// prompt first): the B2BUA's farewell to a caller whose transfer failed
// with nowhere to go back to.
func (s *Service) Goodbye(ctx context.Context, sess *media.Session) {
	s.play(ctx, sess, s.language(ctx), prompts.Goodbye)
}

// play plays a prompt in lang to the end (or until ctx ends), logging a
// missing prompt.
func (s *Service) play(ctx context.Context, sess *media.Session, lang, name string) {
	audio, err := s.cfg.Prompts.Get(ctx, lang, name)
	if err != nil {
		s.log.Warn("prompt missing", "prompt", name, "language", lang, "err", err)
		return
	}
	if _, err := sess.Play(ctx, audio, media.PlayOptions{}); err != nil {
		s.log.Debug("prompt interrupted", "prompt", name, "err", err)
	}
}

// Offer rings the offered agents' phones for a waiting caller.
func (s *Service) Offer(ctx context.Context, o acd.Offer) {
	s.mu.Lock()
	w := s.waiting[o.Item.ID]
	s.mu.Unlock()
	if w == nil {
		for _, a := range o.Agents {
			_ = s.cfg.ACD.Decline(context.Background(), o.Item.ID, a.Name, "caller gone")
		}
		return
	}
	display := fmt.Sprintf("%s (%s)", w.in.From, w.queue)
	if w.in.From == "" {
		display = w.queue
	}
	info := map[string]string{"Queue": w.queue, "Intent": o.Item.Context["intent"], "Path": o.Item.Context["path"],
		"Flow": o.Item.Context["flow"]}
	for _, a := range o.Agents {
		s.rings.Add(1)
		go func() {
			defer s.rings.Done()
			s.ring(ctx, w, o.Item.ID, a, display, info)
		}()
	}
}

// ring rings one agent for a waiting caller and hands the answered leg to
// the caller.
func (s *Service) ring(ctx context.Context, w *waiter, id string, a acd.OfferedAgent, display string, info map[string]string) {
	bg := context.Background()
	if a.Extension == "" {
		s.log.Warn("agent has no extension to ring; set away", "agent", a.Name)
		_ = s.cfg.ACD.Decline(bg, id, a.Name, "no extension")
		_ = s.cfg.ACD.SetPresence(bg, a.Name, acd.Presence{State: acd.Away, Reason: "no-phone"})
		return
	}
	leg, err := w.in.Ring(ctx, a.Extension, display, info)
	if err != nil {
		if ctx.Err() != nil {
			return // the offer ended: timed out, answered elsewhere, caller gone
		}
		reason := err.Error()
		if errors.Is(err, b2bua.ErrNotRegistered) {
			reason = "phone-offline"
		}
		s.log.Info("agent's phone refused the call", "agent", a.Name, "extension", a.Extension, "err", err)
		_ = s.cfg.ACD.Decline(bg, id, a.Name, reason)
		if reason == "phone-offline" {
			_ = s.cfg.ACD.SetPresence(bg, a.Name, acd.Presence{State: acd.Away, Reason: reason})
		}
		return
	}
	if err := s.cfg.ACD.Accept(bg, id, a.Name); err != nil {
		leg.Hangup()
		return
	}
	if !w.hand(leg, a.Name) {
		leg.Hangup()
		s.end(id)
	}
}

// Alive reports whether a voice item's caller is still on the line.
func (s *Service) Alive(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.waiting[id]
	return ok
}

// customer resolves a caller's number to a customer (0 when there is no
// directory or the number is no phone number, such as a withheld one).
func (s *Service) customer(ctx context.Context, from string) int64 {
	if s.cfg.Customers == nil || from == "" {
		return 0
	}
	c, err := s.cfg.Customers.Resolve(ctx, customer.Identity{Kind: customer.Phone, Value: from}, "", customer.Verified)
	if err != nil {
		s.log.Debug("caller is no customer number", "from", from, "err", err)
		return 0
	}
	return c.ID
}

// recordCall puts a queued call on its customer's timeline.
func (s *Service) recordCall(cust int64, id, from, queue, agent, outcome string, ic ivr.Context, started time.Time) {
	if s.cfg.Customers == nil || cust == 0 {
		return
	}
	summary := fmt.Sprintf("Call to %s: %s", queue, outcome)
	if agent != "" {
		summary += " by " + agent
	}
	detail := map[string]string{"queue": queue, "disposition": outcome, "duration": time.Since(started).Round(time.Second).String()}
	if agent != "" {
		detail["agent"] = agent
	}
	if len(ic.Path) > 0 {
		detail["ivr_path"] = strings.Join(ic.Path, ">")
	}
	if ic.Intent != "" {
		detail["intent"] = ic.Intent
	}
	e := customer.Entry{Channel: customer.ChannelVoice, Kind: "call", At: started, Summary: summary, Ref: id, Detail: detail,
		Via: customer.Identity{Kind: customer.Phone, Value: from}}
	if _, err := s.cfg.Customers.Record(context.Background(), cust, e); err != nil {
		s.log.Warn("recording the call on the customer's timeline failed", "customer", cust, "err", err)
	}
}
