package b2bua

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-cc/switchboard/media"
	"github.com/switchboard-cc/switchboard/sip/registrar"
)

// ErrNotRegistered is returned by Ring when the extension has no live
// registration.
var ErrNotRegistered = errors.New("extension not registered")

// RingError is a ring that ended without an answer: every phone refused
// (Status is the best final response, 486 for busy) or ctx ended first
// (Status 0).
type RingError struct {
	Extension string
	Status    int
	Reason    string
}

func (e *RingError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("b2bua: ringing %s: not answered", e.Extension)
	}
	return fmt.Sprintf("b2bua: ringing %s: %d %s", e.Extension, e.Status, e.Reason)
}

// Busy reports whether the phone said busy.
func (e *RingError) Busy() bool { return e.Status == 486 || e.Status == 600 }

// AgentLeg is an answered call to an agent's phone, made for a caller the
// appliance has already answered (a queued caller, a transfer from a
// flow). Bridge connects the two.
type AgentLeg struct {
	c         *call
	dlg       *sipgo.DialogClientSession
	sess      *media.Session
	extension string
	once      sync.Once
}

// Ring calls every registered contact of extension ext for this caller,
// showing display as the caller's name, until one answers (the other
// phones stop ringing), all refuse, or ctx ends. info is passed to the
// phone as X-Switchboard-<Key> headers (the queue, the caller's intent and
// path in the IVR) for screen pops. The answered leg is not bridged yet:
// call Bridge, or Hangup when the answer came too late.
func (in *InboundCall) Ring(ctx context.Context, ext, display string, info map[string]string) (*AgentLeg, error) {
	c := in.c
	b := c.b
	bindings := b.deps.Locate(ext)
	if len(bindings) == 0 {
		return nil, fmt.Errorf("b2bua: ringing %s: %w", ext, ErrNotRegistered)
	}
	sess, err := b.deps.Media.NewSession()
	if err != nil {
		return nil, fmt.Errorf("b2bua: ringing %s: %w", ext, err)
	}
	offer, err := sess.Offer(b.cfg.Advertise, c.sessA.Remote())
	if err != nil {
		sess.Close()
		return nil, fmt.Errorf("b2bua: ringing %s: %w", ext, err)
	}
	dlg, res := b.forkTo(ctx, bindings, ext, in.From, display, offer, infoHeaders(info)...)
	if dlg == nil {
		sess.Close()
		e := &RingError{Extension: ext}
		if res != nil {
			e.Status, e.Reason = res.StatusCode, res.Reason
		}
		return nil, e
	}
	leg := &AgentLeg{c: c, dlg: dlg, sess: sess, extension: ext}
	if err := dlg.Ack(context.Background()); err != nil {
		b.log.Warn("b2bua: ACK to the agent failed", "extension", ext, "err", err)
	}
	ans, err := media.ParseSDP(dlg.InviteResponse.Body())
	if err == nil {
		err = sess.SetRemote(ans)
	}
	if err != nil {
		leg.Hangup()
		return nil, &RingError{Extension: ext, Status: 488, Reason: "agent answered without usable SDP"}
	}
	return leg, nil
}

// forkTo sends an INVITE to every binding and returns the first answered
// dialog, or the best final refusal. Losing forks are cancelled, or hung
// up if they answered too.
func (b *B2BUA) forkTo(ctx context.Context, bindings []registrar.Binding, ext, from, display string, offer []byte, extra ...sip.Header) (*sipgo.DialogClientSession, *sip.Response) {
	type result struct {
		leg *sipgo.DialogClientSession
		err error
	}
	forkCtx, cancel := context.WithCancel(ctx)
	results := make(chan result, len(bindings))
	for _, bind := range bindings {
		inv, err := agentInvite(b, bind, ext, from, display, offer)
		for _, h := range extra {
			inv.AppendHeader(h)
		}
		if err != nil {
			results <- result{err: err}
			continue
		}
		b.calls.Add(1)
		go func() {
			defer b.calls.Done()
			leg, err := b.dialogUA(bind.Transport).WriteInvite(forkCtx, inv)
			if err == nil {
				err = b.waitFork(forkCtx, leg, nil)
			}
			results <- result{leg: leg, err: err}
		}()
	}
	var winner *sipgo.DialogClientSession
	var best *sip.Response
	pending := len(bindings)
	for pending > 0 && winner == nil {
		select {
		case r := <-results:
			pending--
			var de *sipgo.ErrDialogResponse
			switch {
			case r.err == nil && ctx.Err() != nil:
				// Answered as the caller left or the ring timed out.
				b.hangupLateAsync(r.leg)
			case r.err == nil:
				winner = r.leg
			case errors.As(r.err, &de) && (best == nil || better(de.Res, best)):
				best = de.Res
			}
		case <-b.stop:
			pending = -pending
		}
	}
	cancel()
	if pending < 0 {
		pending = -pending
	}
	b.calls.Add(1)
	go func() {
		defer b.calls.Done()
		for ; pending > 0; pending-- {
			if r := <-results; r.err == nil {
				b.hangupLate(r.leg)
			}
		}
	}()
	return winner, best
}

// agentInvite builds the INVITE toward one contact of an agent's phone.
func agentInvite(b *B2BUA, bind registrar.Binding, ext, from, display string, offer []byte) (*sip.Request, error) {
	var contact sip.Uri
	if err := sip.ParseUri(bind.Contact, &contact); err != nil {
		return nil, err
	}
	adv := b.cfg.Advertise.String()
	user := from
	if user == "" {
		user = "anonymous"
	}
	inv := sip.NewRequest(sip.INVITE, contact)
	fh := &sip.FromHeader{DisplayName: display, Address: sip.Uri{Scheme: "sip", User: user, Host: adv}}
	fh.Params.Add("tag", sip.GenerateTagN(16))
	inv.AppendHeader(fh)
	inv.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: ext, Host: adv}})
	inv.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	inv.SetBody(offer)
	inv.SetDestination(destination(contact, bind.Source))
	inv.SetTransport(bind.Transport)
	return inv, nil
}

// Bridge connects the caller and the agent until ctx ends (the caller or
// the agent hung up: the call's context ends either way) and then hangs
// the agent up if the agent is still there, or until the agent
// transferred the caller: it then returns a *Transferred, and the B2BUA
// runs the rest of the call once the queue or flow returned. The call's CDR names the agent's
// extension as the callee. With record (the queue's setting), or when the
// caller's or the agent's extension is recorded, the conversation is
// recorded as a stereo WAV (caller left, agent right) named in the CDR.
func (l *AgentLeg) Bridge(ctx context.Context, record bool) error {
	c := l.c
	c.mu.Lock()
	if c.bl != nil {
		c.mu.Unlock()
		l.Hangup()
		return errors.New("b2bua: the caller is already bridged")
	}
	c.bl, c.bID, c.sessB, c.legBExt = l.dlg, l.dlg.InviteRequest.CallID().Value(), l.sess, l.extension
	c.cdr.Callee = l.extension
	id := c.bID
	c.mu.Unlock()
	c.b.track(id, c)
	if record || c.recorded() {
		stop := c.record(l.sess)
		defer stop()
	}
	err := c.b.bridgeSupervised(ctx, c, c.sessA, l.sess)
	if errors.Is(err, errTransferred) {
		// The transferor's leg ends on its own (see handOver).
		c.mu.Lock()
		res := c.next.result
		c.mu.Unlock()
		return res
	}
	defer c.b.untrack(id)
	if !c.calleeBye.Load() {
		c.byeB("caller left the agent")
	}
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Hangup ends an agent leg that will not be bridged.
func (l *AgentLeg) Hangup() {
	l.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
		defer cancel()
		if err := l.dlg.Bye(ctx); err != nil {
			l.c.b.log.Debug("b2bua: BYE to an unbridged agent leg", "extension", l.extension, "err", err)
		}
		l.sess.Close()
	})
}

// infoHeaders renders call information as X-Switchboard-<Key> headers,
// keys sorted; keys keep letters, digits and dashes, values lose control
// characters and are cut at 200 bytes, so that a caller's input cannot
// forge headers.
func infoHeaders(info map[string]string) []sip.Header {
	keys := make([]string, 0, len(info))
	for k := range info {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []sip.Header
	for _, k := range keys {
		name := strings.Map(func(r rune) rune {
			if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-') {
				return r
			}
			return -1
		}, k)
		v := strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return -1
			}
			return r
		}, info[k])
		if len(v) > 200 {
			v = v[:200]
		}
		if name == "" || strings.TrimSpace(v) == "" {
			continue
		}
		out = append(out, sip.NewHeader("X-Switchboard-"+name, v))
	}
	return out
}

// record starts recording leg A and agent session b into the recordings
// directory and names the file in the CDR; stop ends the recording and
// waits for the file to be complete.
func (c *call) record(b *media.Session) (stop func()) {
	rel, stop := c.b.startRecording(c.cdr.ID, c.aID, c.sessA, b)
	if rel != "" {
		c.mu.Lock()
		c.cdr.Recording = rel
		c.mu.Unlock()
	}
	return stop
}
