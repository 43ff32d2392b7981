package b2bua

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/switchboard-cc/switchboard/media"
)

// Errors of Supervise.
var (
	ErrNoLiveCall        = errors.New("no bridged call for this agent")
	ErrAlreadySupervised = errors.New("the call already has a supervisor")
)

// supervision is the media state of one bridged agent call: the
// supervisor's leg when there is one, and a signal when it changes.
type supervision struct {
	c       *call
	mu      sync.Mutex
	sess    *media.Session
	mode    media.SuperviseMode
	changed chan struct{}
	ended   chan struct{}
}

func (sv *supervision) current() (*media.Session, media.SuperviseMode) {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	return sv.sess, sv.mode
}

func (sv *supervision) set(sess *media.Session, mode media.SuperviseMode) {
	sv.mu.Lock()
	sv.sess, sv.mode = sess, mode
	sv.mu.Unlock()
	select {
	case sv.changed <- struct{}{}:
	default:
	}
}

// bridgeSupervised relays between the caller a and the agent b until ctx
// ends, switching to the supervision mixer while a supervisor is on the
// call and back when they leave. A transfer the agent asks for runs here:
// once it took effect, errTransferred is returned (c.next holds what goes
// on) and the supervisor, whose call that was, is hung up.
func (b *B2BUA) bridgeSupervised(ctx context.Context, c *call, a, ag *media.Session) error {
	sv := &supervision{c: c, changed: make(chan struct{}, 1), ended: make(chan struct{})}
	b.mu.Lock()
	b.supervised[c] = sv
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.supervised, c)
		b.mu.Unlock()
		close(sv.ended)
	}()
	w := c.watchRefers()
	defer w.stop()
	for {
		mctx, cancel := context.WithCancel(ctx)
		woke := make(chan wake, 1)
		go func() {
			var e wake
			select {
			case <-sv.changed:
				e.changed = true
			case e.x = <-w.refers:
			case <-w.gone:
				e.gone = true
			case <-w.grace:
				e.grace = true
			case <-mctx.Done():
			}
			cancel()
			woke <- e
		}()
		sup, mode := sv.current()
		var err error
		if sup == nil {
			err = media.Bridge(mctx, a, ag)
		} else {
			err = media.Supervise(mctx, a, ag, sup, mode)
		}
		cancel()
		e := <-woke
		switch {
		case e.x != nil && ctx.Err() != nil:
			e.x.report(487, "Request Terminated")
			c.endTransfer(e.x)
			return nil
		case ctx.Err() != nil:
			return nil
		case e.x != nil:
			if next := w.run(ctx, e.x); next != nil {
				c.setNext(next)
				return errTransferred
			}
			continue
		case e.gone:
			c.setNext(w.left())
			return errTransferred
		case e.grace:
			w.expired()
			continue
		case e.changed:
			continue
		case err != nil && sup != nil:
			// A leg failed while supervised: drop the supervisor and try
			// the plain bridge, which fails at once if it was not them.
			b.log.Info("b2bua: supervision ended by a media error", "err", err)
			sv.set(nil, 0)
			continue
		default:
			return err
		}
	}
}

// wake is why a supervised bridge stopped: a change of supervision, an
// accepted transfer, or the end of a failed transfer's grace (the
// transferor left, or the grace passed); zero when its context ended or
// a leg failed.
type wake struct {
	changed, gone, grace bool
	x                    *transfer
}

// Supervise calls the supervisor's extension sup and, once answered, joins
// it to the call that agent extension ext is on: listen (hears both),
// whisper (heard by the agent only) or barge (heard by both). On the
// phone, 1, 2 and 3 switch to listen, whisper and barge. It returns when
// the supervisor hangs up, the call ends or ctx ends.
func (b *B2BUA) Supervise(ctx context.Context, ext, sup string, mode media.SuperviseMode) error {
	sv, err := b.supervisable(ext, sup)
	if err != nil {
		return err
	}
	if !b.admit() {
		return errors.New("b2bua: stopping")
	}
	defer b.calls.Done()
	return b.supervise(ctx, sv, ext, sup, mode)
}

// StartSupervise checks that the agent's call can be supervised from sup
// and runs Supervise in the background (the B2BUA's shutdown waits for
// it); failures after the check are logged.
func (b *B2BUA) StartSupervise(ext, sup string, mode media.SuperviseMode) error {
	sv, err := b.supervisable(ext, sup)
	if err != nil {
		return err
	}
	if !b.admit() {
		return errors.New("b2bua: stopping")
	}
	go func() {
		defer b.calls.Done()
		if err := b.supervise(context.Background(), sv, ext, sup, mode); err != nil {
			b.log.Info("b2bua: supervision did not start", "agent", ext, "supervisor", sup, "err", err)
		}
	}()
	return nil
}

// supervisable finds the bridged call of agent extension ext and checks
// that it has no supervisor and that sup has a phone registered.
func (b *B2BUA) supervisable(ext, sup string) (*supervision, error) {
	var sv *supervision
	b.mu.Lock()
	for c, s := range b.supervised {
		c.mu.Lock()
		callee := c.cdr.Callee
		c.mu.Unlock()
		if callee == ext {
			sv = s
			break
		}
	}
	b.mu.Unlock()
	if sv == nil {
		return nil, fmt.Errorf("b2bua: supervise %s: %w", ext, ErrNoLiveCall)
	}
	if s, _ := sv.current(); s != nil {
		return nil, fmt.Errorf("b2bua: supervise %s: %w", ext, ErrAlreadySupervised)
	}
	if len(b.deps.Locate(sup)) == 0 {
		return nil, fmt.Errorf("b2bua: supervisor %s: %w", sup, ErrNotRegistered)
	}
	return sv, nil
}

func (b *B2BUA) supervise(ctx context.Context, sv *supervision, ext, sup string, mode media.SuperviseMode) error {
	bindings := b.deps.Locate(sup)
	if len(bindings) == 0 {
		return fmt.Errorf("b2bua: supervisor %s: %w", sup, ErrNotRegistered)
	}
	sess, err := b.deps.Media.NewSession()
	if err != nil {
		return err
	}
	defer sess.Close()
	offer, err := sess.Offer(b.cfg.Advertise, nil)
	if err != nil {
		return err
	}
	ringCtx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-sv.ended:
			cancel()
		case <-ringCtx.Done():
		}
	}()
	dlg, res := b.forkTo(ringCtx, bindings, sup, ext, "Supervise "+ext, offer)
	cancel()
	if dlg == nil {
		e := &RingError{Extension: sup}
		if res != nil {
			e.Status, e.Reason = res.StatusCode, res.Reason
		}
		return e
	}
	cc := newCallbackCall(nil)
	b.addCallbackLeg(cc, dlg, sess)
	defer b.untrackCallback(cc)
	defer func() {
		bctx, stop := context.WithTimeout(context.Background(), byeTimeout)
		_ = dlg.Bye(bctx)
		stop()
	}()
	if err := dlg.Ack(context.Background()); err != nil {
		b.log.Warn("b2bua: ACK to the supervisor failed", "extension", sup, "err", err)
	}
	if err := answerInto(sess, dlg); err != nil {
		return err
	}
	b.log.Info("b2bua: supervisor joined a call", "agent", ext, "supervisor", sup, "mode", mode)
	sv.set(sess, mode)
	defer sv.set(nil, 0)
	for {
		select {
		case d := <-sess.Digits():
			if m, ok := map[rune]media.SuperviseMode{'1': media.Listen, '2': media.Whisper, '3': media.Barge}[d.Key]; ok {
				sv.set(sess, m)
			}
		case <-cc.hangup:
			return nil
		case <-sv.ended:
			return nil
		case <-ctx.Done():
			return nil
		case <-b.stop:
			return nil
		}
	}
}
