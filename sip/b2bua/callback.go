package b2bua

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/media"
	"github.com/switchboard-cc/switchboard/media/prompts"
	"github.com/switchboard-cc/switchboard/sip/dialplan"
)

// Callback is a call the appliance places on its own: first to an agent's
// phone, then, once the agent answers, to the customer who asked to be
// called back; the two are bridged until either hangs up.
type Callback struct {
	// Extension is the agent's phone; Display what it shows.
	Extension string
	Display   string
	// Number is the customer's: an extension, or a number dialled through
	// the trunks with the agent's permission class.
	Number string
	// Accept is called when the agent answers, before the customer is
	// called; an error hangs the agent up (the work went elsewhere).
	Accept func() error
	// RingTimeout bounds the customer's ringing (default the B2BUA's).
	RingTimeout time.Duration
}

// callbackCall is a Callback's two client legs (or another pair the
// appliance bridges on client legs: the called party and the target after
// a transfer by the calling phone; a supervisor's single leg), found by
// their Call-IDs for their in-dialog requests.
type callbackCall struct {
	mu   sync.Mutex
	legs map[string]*sipgo.DialogClientSession
	// sess is the media session facing each leg, by its Call-ID.
	sess   map[string]*media.Session
	hangup chan string
	// committed is closed once the CDR of the call is committed: a BYE
	// is answered then (nil: at once; see heldTx).
	committed <-chan struct{}
}

func newCallbackCall(committed <-chan struct{}) *callbackCall {
	return &callbackCall{legs: map[string]*sipgo.DialogClientSession{}, sess: map[string]*media.Session{},
		hangup: make(chan string, 2), committed: committed}
}

// peerOf returns the leg opposite to the one with Call-ID id while both
// legs are up, for hold and resume and INFO.
func (cc *callbackCall) peerOf(id string) (peer, bool) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	own := cc.sess[id]
	if len(cc.legs) != 2 || cc.legs[id] == nil || own == nil {
		return peer{}, false
	}
	for other, d := range cc.legs {
		if other == id {
			continue
		}
		contact := d.InviteResponse.Contact()
		if contact == nil || cc.sess[other] == nil {
			return peer{}, false
		}
		return peer{target: contact.Address, do: d.Do, write: d.WriteRequest, own: own, other: cc.sess[other]}, true
	}
	return peer{}, false
}

// ErrCustomerUnreachable is returned by PlaceCallback when the customer's
// phone did not answer or refused.
var ErrCustomerUnreachable = errors.New("customer did not answer")

// PlaceCallback runs a callback from the agent's first ring to the last
// BYE and writes its CDR (caller: the agent's extension; callee: the
// customer's number). When either is a recorded extension, the call is
// recorded, the agent on the left. It returns a *RingError when the agent did not
// answer (ctx ended, busy, unregistered), ErrCustomerUnreachable when the
// customer did not, and nil once a bridged call ended.
func (b *B2BUA) PlaceCallback(ctx context.Context, cb Callback) error {
	if !b.admit() {
		return errors.New("b2bua: stopping")
	}
	defer b.calls.Done()
	bindings := b.deps.Locate(cb.Extension)
	if len(bindings) == 0 {
		return fmt.Errorf("b2bua: callback via %s: %w", cb.Extension, ErrNotRegistered)
	}
	cdr := store.CDR{CallID: "callback-" + sip.GenerateTagN(12), Caller: cb.Extension, Callee: cb.Number, StartedAt: time.Now()}
	id, err := b.deps.Store.StartCDR(context.Background(), cdr)
	if err != nil {
		return fmt.Errorf("b2bua: callback: %w", err)
	}
	cdr.ID = id
	var sessions []*media.Session
	committed := make(chan struct{})
	defer close(committed)
	defer func() {
		for _, s := range sessions {
			s.Close()
		}
		cdr.EndedAt = time.Now()
		if cdr.Disposition == "" {
			cdr.Disposition = Failed
		}
		if err := b.deps.Store.FinishCDR(context.Background(), cdr); err != nil {
			b.log.Error("b2bua: finish CDR", "err", err)
		}
	}()
	newSession := func() (*media.Session, error) {
		s, err := b.deps.Media.NewSession()
		if err == nil {
			sessions = append(sessions, s)
		}
		return s, err
	}

	agentSess, err := newSession()
	if err != nil {
		return err
	}
	offer, err := agentSess.Offer(b.cfg.Advertise, nil)
	if err != nil {
		return err
	}
	agent, res := b.forkTo(ctx, bindings, cb.Extension, cb.Number, cb.Display, offer)
	if agent == nil {
		e := &RingError{Extension: cb.Extension}
		if res != nil {
			e.Status, e.Reason = res.StatusCode, res.Reason
		}
		cdr.Disposition, cdr.HangupCause = NoAnswer, "agent did not answer"
		return e
	}
	cc := newCallbackCall(committed)
	b.addCallbackLeg(cc, agent, agentSess)
	defer b.untrackCallback(cc)
	byeAll := func() { b.byeLegs(cc) }
	if err := agent.Ack(context.Background()); err != nil {
		b.log.Warn("b2bua: ACK to the agent failed", "extension", cb.Extension, "err", err)
	}
	if err := answerInto(agentSess, agent); err != nil {
		byeAll()
		return err
	}
	if err := cb.Accept(); err != nil {
		cdr.HangupCause = "offer withdrawn: " + err.Error()
		byeAll()
		return err
	}
	// The agent took it: the offer's end (its context) no longer ends the
	// call; the appliance stopping still does.
	ctx = context.WithoutCancel(ctx)

	custSess, err := newSession()
	if err != nil {
		byeAll()
		return err
	}
	custOffer, err := custSess.Offer(b.cfg.Advertise, agentSess.Remote())
	if err != nil {
		byeAll()
		return err
	}
	ringCtx, stopRinging := context.WithTimeout(ctx, cmp.Or(cb.RingTimeout, b.cfg.RingTimeout))
	// The agent hears music while the customer's phone rings.
	musicCtx, stopMusic := context.WithCancel(ringCtx)
	musicDone := make(chan struct{})
	go func() {
		defer close(musicDone)
		_, _ = agentSess.Play(musicCtx, ringback, media.PlayOptions{Loop: true})
	}()
	customer, status, endGuard := b.dialCustomer(ringCtx, cb, custOffer)
	defer endGuard()
	stopMusic()
	<-musicDone
	stopRinging()
	if customer == nil {
		cdr.Disposition, cdr.SIPStatus, cdr.HangupCause = NoAnswer, status, "customer did not answer"
		byeAll()
		return ErrCustomerUnreachable
	}
	b.addCallbackLeg(cc, customer, custSess)
	if err := customer.Ack(context.Background()); err != nil {
		b.log.Warn("b2bua: ACK to the customer failed", "number", cb.Number, "err", err)
	}
	if err := answerInto(custSess, customer); err != nil {
		byeAll()
		return err
	}
	cdr.AnsweredAt, cdr.Disposition, cdr.SIPStatus = time.Now(), Answered, 200
	bridgeCtx, stopBridge := context.WithCancel(ctx)
	bridged := make(chan error, 1)
	go func() { bridged <- media.Bridge(bridgeCtx, agentSess, custSess) }()
	if b.extensionRecorded(cb.Extension) || b.extensionRecorded(cb.Number) {
		// the agent placed the call: left, the customer right, as the CDR
		// names them
		rel, stopRecording := b.startRecording(cdr.ID, cdr.CallID, agentSess, custSess)
		cdr.Recording = rel
		defer stopRecording()
	}
	select {
	case cause := <-cc.hangup:
		cdr.HangupCause = cause
	case err := <-bridged:
		bridged <- err
		cdr.HangupCause = "media: " + errString(err)
	case <-b.stop:
		cdr.HangupCause = causeShutdown
	}
	stopBridge()
	<-bridged
	byeAll()
	sa, sc := agentSess.Stats(), custSess.Stats()
	cdr.PacketsAToB, cdr.LostA, cdr.JitterA, cdr.Codec = sa.PacketsIn, sa.Lost, sa.Jitter, sa.Codec
	cdr.PacketsBToA, cdr.LostB, cdr.JitterB = sc.PacketsIn, sc.Lost, sc.Jitter
	return nil
}

// ringback is what an agent hears while the customer's phone rings.
var ringback = prompts.Music()

// answerInto sets a session's remote side from an answered dialog's SDP.
func answerInto(s *media.Session, d *sipgo.DialogClientSession) error {
	ans, err := media.ParseSDP(d.InviteResponse.Body())
	if err == nil {
		err = s.SetRemote(ans)
	}
	if err != nil {
		return fmt.Errorf("b2bua: answer without usable SDP: %w", err)
	}
	return nil
}

// dialCustomer rings the customer's number: an extension's phones, or the
// phone network through the agent's outbound route.
// The returned end releases the toll-fraud guard's hold on the call.
func (b *B2BUA) dialCustomer(ctx context.Context, cb Callback, offer []byte) (*sipgo.DialogClientSession, int, func()) {
	none := func() {}
	if b.deps.Extension(cb.Number) {
		bindings := b.deps.Locate(cb.Number)
		if len(bindings) == 0 {
			return nil, 480, none
		}
		d, res := b.forkTo(ctx, bindings, cb.Number, cb.Extension, cb.Display, offer)
		if d == nil && res != nil {
			return nil, res.StatusCode, none
		}
		return d, 200, none
	}
	tr := b.deps.Trunks
	if tr == nil {
		b.log.Warn("b2bua: callback to an outside number without a trunk", "number", cb.Number)
		return nil, 404, none
	}
	plan, err := tr.Setup.Plan.Outbound(tr.Setup.Caller(cb.Extension, true), cb.Number)
	if err != nil {
		b.log.Info("b2bua: callback refused by the dial plan", "extension", cb.Extension, "number", cb.Number, "err", err)
		return nil, 403, none
	}
	guarded, err := tr.Guard.Admit(cb.Extension, plan.E164, plan.International(), plan.Emergency)
	if err != nil {
		b.log.Warn("b2bua: callback refused by the toll-fraud guard", "extension", cb.Extension, "number", cb.Number, "err", err)
		return nil, 403, none
	}
	var won *sipgo.DialogClientSession
	_, status, _ := dialplan.Dial(ctx, plan, func(ctx context.Context, l dialplan.Leg) (int, error) {
		t, ok := tr.Manager.Trunk(l.Trunk)
		if !ok {
			return 0, nil
		}
		transport := "UDP"
		if t.Transport == "tcp" {
			transport = "TCP"
		}
		d, err := b.dialogUA(transport).WriteInvite(ctx, tr.Manager.NewInvite(t, plan.Number, l.CallerID, offer))
		if err == nil {
			user, pass := t.Credentials()
			err = d.WaitAnswer(ctx, sipgo.AnswerOptions{Username: user, Password: pass})
		}
		var de *sipgo.ErrDialogResponse
		switch {
		case err == nil:
			won = d
			return 200, nil
		case errors.As(err, &de):
			return de.Res.StatusCode, nil
		default:
			return 0, err
		}
	})
	if won == nil {
		guarded.End()
		return nil, status, none
	}
	guarded.Answered()
	return won, 200, guarded.End
}

// byeLegs hangs up the legs of cc still up.
func (b *B2BUA) byeLegs(cc *callbackCall) {
	cc.mu.Lock()
	legs := make([]*sipgo.DialogClientSession, 0, len(cc.legs))
	for _, l := range cc.legs {
		legs = append(legs, l)
	}
	cc.mu.Unlock()
	for _, l := range legs {
		ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
		_ = l.Bye(ctx)
		cancel()
	}
}

// addCallbackLeg lists d in cc, sess being the media session facing it.
func (b *B2BUA) addCallbackLeg(cc *callbackCall, d *sipgo.DialogClientSession, sess *media.Session) {
	id := d.InviteRequest.CallID().Value()
	cc.mu.Lock()
	cc.legs[id] = d
	cc.sess[id] = sess
	cc.mu.Unlock()
	b.mu.Lock()
	b.callbacks[id] = cc
	b.mu.Unlock()
}

func (b *B2BUA) untrackCallback(cc *callbackCall) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	for id := range cc.legs {
		delete(b.callbacks, id)
	}
}

// callbackOf returns the callbackCall one of whose legs req came on, or
// nil.
func (b *B2BUA) callbackOf(req *sip.Request) *callbackCall {
	id := req.CallID()
	if id == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.callbacks[id.Value()]
}

// callbackBye takes a BYE on one of a callback's legs, answered once the
// call's CDR is committed, and reports whether req belonged to one.
func (b *B2BUA) callbackBye(req *sip.Request, tx sip.ServerTransaction) bool {
	cc := b.callbackOf(req)
	if cc == nil {
		return false
	}
	id := req.CallID()
	cc.mu.Lock()
	d := cc.legs[id.Value()]
	delete(cc.legs, id.Value())
	delete(cc.sess, id.Value())
	cc.mu.Unlock()
	held := &heldTx{ServerTransaction: tx}
	if d == nil || d.ReadBye(req, held) != nil {
		tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		return true
	}
	select {
	case cc.hangup <- "hung up":
	default:
	}
	held.release(b.log, cc.committed)
	return true
}
