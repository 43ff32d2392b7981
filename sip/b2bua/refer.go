package b2bua

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/media"
	"github.com/switchboard-cc/switchboard/media/prompts"
	xfer "github.com/switchboard-cc/switchboard/sip/transfer"
)

// Blind transfer (RFC 3515 REFER, RFC 5589 §6).
//
// The phone on leg B of a bridged call (an agent's phone bridged to a
// queued caller, or the called extension of an extension or trunk call)
// transfers the caller on leg A by sending REFER in its dialog. The
// target is resolved as an INVITE from that extension would be: one of
// the appliance's flow or queue numbers, an extension, or, when trunks
// exist, a number on the phone network through the extension's outbound
// route, permission class and toll-fraud guard. Feature codes (numbers
// starting with *) are refused. The REFER is answered 202 and a NOTIFY
// reports "100 Trying", then the outcome; meanwhile the caller hears
// music and the transferor nothing.
//
//   - The target answers (a flow or queue takes the caller at once): the
//     caller is connected to it on the same leg and media session, the
//     NOTIFY says 200 OK, and the transferor's leg is hung up if its phone
//     has not sent BYE within byeTimeout. The call's CDR ends there and
//     names the transferor and the target; the call goes on in a new CDR
//     of the same Call-ID linked to it (store.CDR.TransferredFrom). A
//     supervisor on the transferor's call is hung up with it.
//   - The target is busy, does not answer within the ring timeout, does
//     not exist or cannot be reached: the NOTIFY carries that status. If
//     the transferor is still on the call, the caller is bridged back to
//     it. If the transferor already hung up, or hangs up within
//     graceAfterFailure of the failure (baresip 1.0 does so), the caller
//     goes back into the queue it came from (c.cdr.Queue), or else hears
//     goodbye (see goodbye) and is hung up; the CDR's hang-up cause says
//     the transfer failed.
//
// Attended transfer (a Refer-To with Replaces naming the transferor's
// consultation call) is described in attended.go.
//
// A REFER outside a dialog is answered 403; in a dialog the appliance
// does not know, or with a Replaces naming none of the transferor's
// calls, 481; with a Replaces naming a consultation call to a trunk, 501
// (the caller's leg transferring the called party: see transfera.go); from a
// trunk, with a target the extension may not dial or a feature code, or
// with a Replaces naming someone else's call, 403; with no or a malformed
// Refer-To, 400; while a transfer runs or the call is not bridged, 491.
// A phone that hangs up within graceAfterFailure of its REFER being
// refused (400, 403, 501) leaves the caller to the appliance as after a
// failed transfer: back into its queue, or goodbye.

// transfer is a REFER the B2BUA accepted: leg B (the transferor) asked
// for leg A (the transferee) to be connected to number.
type transfer struct {
	number string
	by     string                     // the transferor's extension
	dlg    *sipgo.DialogClientSession // the transferor's leg
	id     string                     // its Call-ID
	sess   *media.Session             // its media session
	target sip.Uri                    // where NOTIFYs go: its Contact
	route  transferRoute
	gone   chan struct{} // closed once the transferor's BYE was read
	once   sync.Once
	// failure is the status of a transfer that failed while the
	// transferor stayed ("" otherwise).
	failure string
	// fromA: the transferor is leg A (the caller, see transfera.go); dlg
	// and id are then unset, and sess is leg A's session once the
	// transfer took effect.
	fromA bool
	// notes are the statuses to NOTIFY, in order, the final one last
	// (see report and notifier).
	notes  chan frag
	noteMu sync.Mutex
	final  bool
}

// frag is a status a NOTIFY reports.
type frag struct {
	code   int
	reason string
}

// report queues a NOTIFY of the transfer's status for the transferor;
// after the final status (≥ 200) further reports are dropped.
func (x *transfer) report(code int, reason string) {
	x.noteMu.Lock()
	defer x.noteMu.Unlock()
	if x.final {
		return
	}
	x.notes <- frag{code, reason} // room: at most 100 and a final one
	if code >= 200 {
		x.final = true
		close(x.notes)
	}
}

// left records that the transferor hung up.
func (x *transfer) left() { x.once.Do(func() { close(x.gone) }) }

// present reports whether the transferor is still on the call.
func (x *transfer) present() bool {
	select {
	case <-x.gone:
		return false
	default:
		return true
	}
}

// transferRoute is where a transfer's number leads.
type transferRoute struct {
	// local runs one of the appliance's numbers (a flow or queue).
	local func(ctx context.Context, c *InboundCall) error
	// trunk: the number is dialled through the trunks.
	trunk bool
	// replaces is the transferor's other call, whose leg B joins leg A
	// (attended transfer).
	replaces *call
	// code and reason are a refusal by the dial plan found once the
	// REFER was accepted (e.g. no route: 404).
	code   int
	reason string
}

// continuation is what runs leg A after a transfer took effect: the
// bridge to the target, the target flow or queue, or the fallback of a
// failed transfer.
type continuation struct {
	what    string
	run     func(ctx context.Context, in *InboundCall) error
	abandon func() // releases what run would have used when it never runs
	result  *Transferred
}

// Transferred is what AgentLeg.Bridge returns when the agent transferred
// the caller (REFER): the caller's call goes on without the agent, run by
// the B2BUA once the queue or flow that bridged them returns.
type Transferred struct {
	// By is the transferor's extension, To the number transferred to.
	By, To string
	// Failed is the status of a transfer that failed after the transferor
	// hung up ("" when it took effect): the caller goes back to the queue
	// it came from, or hears goodbye.
	Failed string
}

func (t *Transferred) Error() string {
	if t.Failed != "" {
		return fmt.Sprintf("b2bua: transfer by %s to %s failed: %s", t.By, t.To, t.Failed)
	}
	return fmt.Sprintf("b2bua: transferred by %s to %s", t.By, t.To)
}

// errTransferred ends a bridge whose call was transferred; c.next holds
// what goes on.
var errTransferred = errors.New("b2bua: transferred")

// HandleRefer takes a REFER (see the comment at the top of this file).
func (b *B2BUA) HandleRefer(req *sip.Request, tx sip.ServerTransaction) {
	if to := req.To(); to == nil || !to.Params.Has("tag") {
		tx.Respond(sip.NewResponseFromRequest(req, 403, "Forbidden", nil))
		return
	}
	if b.callbackOf(req) != nil {
		// A callback's agent (or a call left on two client legs) has no
		// server leg for the transfer machinery to keep the other party on.
		tx.Respond(sip.NewResponseFromRequest(req, 501, "Not Implemented", nil))
		return
	}
	c := b.find(req)
	if c == nil {
		tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		return
	}
	x, code, reason := c.refer(req)
	if x == nil {
		b.log.Info("b2bua: transfer refused", "call_id", c.aID, "status", code, "reason", reason)
		tx.Respond(sip.NewResponseFromRequest(req, code, reason, nil))
		return
	}
	res := sip.NewResponseFromRequest(req, 202, "Accepted", nil)
	res.AppendHeader(&b.udp.ContactHDR)
	tx.Respond(res)
	b.log.Info("b2bua: transfer accepted", "call_id", c.aID, "by", x.by, "to", x.number)
	b.calls.Add(1)
	go func() {
		defer b.calls.Done()
		c.notifier(x)
	}()
	c.hand(x)
}

// refer checks a REFER and, when the bridging goroutine can take it,
// returns the transfer asked for (set as c.xfer; see hand); else the
// status to answer.
func (c *call) refer(req *sip.Request) (*transfer, int, string) {
	x, code, reason := c.checkRefer(req)
	if x == nil {
		return nil, code, reason
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refers == nil || c.xfer != nil || c.callerBye.Load() || c.calleeBye.Load() {
		return nil, 491, "Request Pending"
	}
	c.xfer = x
	return x, 202, ""
}

// hand gives an accepted transfer to the bridging goroutine, once its
// REFER was answered (so that nothing the transfer does overtakes the
// 202), or reports it terminated when the bridge ended meanwhile.
func (c *call) hand(x *transfer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refers != nil && c.xfer == x {
		c.refers <- x // room for it: the one transfer of the call
		return
	}
	x.report(487, "Request Terminated")
	if c.xfer == x {
		c.xfer = nil
	}
}

// checkRefer reads a REFER into the transfer it asks for, or the status
// refusing it.
func (c *call) checkRefer(req *sip.Request) (*transfer, int, string) {
	if c.legOf(req) {
		return c.checkReferA(req)
	}
	c.mu.Lock()
	bl, bID, by, sess := c.bl, c.bID, c.legBExt, c.sessB
	c.mu.Unlock()
	if bl == nil || req.CallID().Value() != bID || !sameDialog(req, bl) {
		return nil, 481, "Call/Transaction Does Not Exist"
	}
	if by == "" {
		return nil, 403, "Forbidden"
	}
	t, code, reason := referTarget(req)
	switch {
	case code != 0:
		return c.refused(t.Number, code, reason)
	case strings.HasPrefix(t.Number, "*"):
		return c.refused(t.Number, 403, "Forbidden")
	}
	var route transferRoute
	if t.Replaces != nil {
		y, code, reason := c.b.consultation(c, by, *t.Replaces)
		if y == nil {
			return c.refused(t.Number, code, reason)
		}
		route.replaces = y
	} else {
		var refused bool
		if route, refused = c.b.routeTransfer(by, t.Number); refused {
			return c.refused(t.Number, 403, "Forbidden")
		}
	}
	contact := bl.InviteResponse.Contact()
	if contact == nil {
		return nil, 481, "Call/Transaction Does Not Exist"
	}
	return &transfer{number: t.Number, by: by, dlg: bl, id: bID, sess: sess, target: contact.Address, route: route,
		gone: make(chan struct{}), notes: make(chan frag, 2)}, 202, ""
}

// refusal is a REFER of leg B the appliance refused: some phones hang up
// then (baresip 1.0 does), and a hang-up of leg B within
// graceAfterFailure of it leaves the caller to the appliance, as after a
// failed transfer (see byeAfterRefusal).
type refusal struct {
	at     time.Time
	number string
	code   int
	reason string
}

// refused records the refusal of a REFER of leg B and returns it.
func (c *call) refused(number string, code int, reason string) (*transfer, int, string) {
	c.mu.Lock()
	c.refusal = refusal{at: time.Now(), number: number, code: code, reason: reason}
	c.mu.Unlock()
	return nil, code, reason
}

// byeAfterRefusal takes a BYE of leg B that came within graceAfterFailure
// of a refused REFER, and reports whether it was one: the caller is then
// handled as after a failed transfer whose transferor left (fallback),
// by the bridging goroutine.
func (c *call) byeAfterRefusal(req *sip.Request, tx sip.ServerTransaction) bool {
	c.mu.Lock()
	r := c.refusal
	if r.at.IsZero() || time.Since(r.at) > graceAfterFailure || c.refers == nil || c.xfer != nil ||
		c.bl == nil || req.CallID().Value() != c.bID {
		c.mu.Unlock()
		return false
	}
	x := &transfer{number: r.number, by: c.legBExt, dlg: c.bl, id: c.bID, sess: c.sessB,
		route: transferRoute{code: r.code, reason: r.reason}, gone: make(chan struct{}), notes: make(chan frag, 2)}
	x.left()
	c.refusal = refusal{}
	c.xfer = x
	c.refers <- x // room for it: c.xfer was nil
	c.mu.Unlock()
	if x.dlg.ReadBye(req, tx) != nil {
		tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
	}
	return true
}

// sameDialog reports whether an in-dialog request came from the phone of
// client dialog d: its tags are the dialog's (the Call-ID alone is no
// proof).
func sameDialog(req *sip.Request, d *sipgo.DialogClientSession) bool {
	if d.InviteResponse == nil || req.From() == nil || req.To() == nil {
		return false
	}
	fromTag, _ := req.From().Params.Get("tag")
	toTag, _ := req.To().Params.Get("tag")
	ours, _ := d.InviteRequest.From().Params.Get("tag")
	theirs, _ := d.InviteResponse.To().Params.Get("tag")
	return toTag == ours && fromTag == theirs
}

// serverTags returns the tags of server dialog d: ours (the To tag of its
// answers, which sipgo's ReadInvite adds to the INVITE, not changed
// after) and the phone's.
func serverTags(d *sipgo.DialogServerSession) (ours, theirs string) {
	ours, _ = d.InviteRequest.To().Params.Get("tag")
	theirs, _ = d.InviteRequest.From().Params.Get("tag")
	return ours, theirs
}

// routeTransfer resolves a transfer's number as handleInvite would an
// INVITE from extension by: refused is true when the dial plan forbids
// that extension the number.
func (b *B2BUA) routeTransfer(by, number string) (r transferRoute, refused bool) {
	if b.deps.Local != nil {
		if run, ok := b.deps.Local.Route(by, number); ok {
			return transferRoute{local: run}, false
		}
	}
	tr := b.deps.Trunks
	if tr == nil || len(tr.Manager.Trunks()) == 0 || b.deps.Extension(number) {
		return transferRoute{}, false
	}
	if _, err := tr.Setup.Plan.Outbound(tr.Setup.Caller(by, true), number); err != nil {
		code, reason := 500, "Server Internal Error"
		var se interface{ SIPStatus() (int, string) }
		if errors.As(err, &se) {
			code, reason = se.SIPStatus()
		}
		if code == 403 {
			return transferRoute{}, true
		}
		return transferRoute{code: code, reason: reason}, false
	}
	return transferRoute{trunk: true}, false
}

// graceAfterFailure is how long after a failed transfer the transferor's
// hang-up is read as leaving the caller to the appliance (some phones,
// baresip among them, hang up when a blind transfer fails) rather than
// as the end of the call.
const graceAfterFailure = 3 * time.Second

// referWatch is what the goroutine bridging leg A and leg B waits for
// besides the call's own events: an accepted transfer (refers), and
// after a transfer failed while the transferor stayed, the transferor
// hanging up (gone) or graceAfterFailure passing (grace). Nil channels
// are never ready.
type referWatch struct {
	c      *call
	refers <-chan *transfer
	takes  <-chan chan<- *takenLeg
	failed *transfer
	gone   <-chan struct{}
	grace  <-chan time.Time
}

// watchRefers makes c.refers; from then until stop, REFERs are
// accepted.
func (c *call) watchRefers() *referWatch {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refers == nil {
		c.refers = make(chan *transfer, 1)
	}
	return &referWatch{c: c, refers: c.refers}
}

// offerLegB lets another call of the caller take leg B (attended
// transfer) until stop.
func (w *referWatch) offerLegB() {
	c := w.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.takes = make(chan chan<- *takenLeg)
	w.takes = c.takes
}

// run runs an accepted transfer (see transferOut); when it failed while
// the transferor stayed, the transferor is watched for graceAfterFailure.
func (w *referWatch) run(ctx context.Context, x *transfer) *continuation {
	next := w.c.transferOut(ctx, x)
	if next == nil && x.failure != "" {
		w.arm(x)
	}
	return next
}

// arm watches the transferor of x, whose transfer failed, for
// graceAfterFailure.
func (w *referWatch) arm(x *transfer) {
	w.failed, w.gone, w.grace = x, x.gone, time.After(graceAfterFailure)
}

// clear ends the watch and returns the failed transfer it watched.
func (w *referWatch) clear() *transfer {
	x := w.failed
	w.failed, w.gone, w.grace = nil, nil, nil
	return x
}

// left is what runs leg A once the transferor of a failed transfer hung
// up within the grace: see fallback.
func (w *referWatch) left() *continuation {
	x := w.clear()
	return w.c.fallback(x, x.failure)
}

// expired ends the grace after a failed transfer: a later hang-up of the
// transferor ends the call as usual.
func (w *referWatch) expired() {
	w.c.endTransfer(w.clear())
}

// stop stops accepting REFERs; a transfer accepted but not taken is
// reported failed.
func (w *referWatch) stop() {
	c := w.c
	if w.failed != nil {
		c.endTransfer(w.failed)
	}
	c.mu.Lock()
	ch := c.refers
	c.refers, c.takes = nil, nil
	c.mu.Unlock()
	if ch == nil {
		return
	}
	select {
	case x := <-ch:
		x.report(487, "Request Terminated")
		c.endTransfer(x)
	default:
	}
}

// endTransfer forgets a transfer that did not take effect.
func (c *call) endTransfer(x *transfer) {
	c.mu.Lock()
	if c.xfer == x {
		c.xfer = nil
	}
	c.mu.Unlock()
}

// notifier sends the NOTIFYs of x's reports in order while the
// transferor is on the call, until the final one or the appliance stops.
// It runs once the REFER was answered, so that no NOTIFY overtakes the
// 202, and on its own, so that a transferor slow to answer a NOTIFY does
// not hold the transfer up.
func (c *call) notifier(x *transfer) {
	for {
		var f frag
		var ok bool
		select {
		case f, ok = <-x.notes:
			if !ok {
				return
			}
		case <-c.b.stop:
			return
		}
		if !x.present() {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
		do := c.a.Do
		if !x.fromA {
			do = x.dlg.Do
		}
		res, err := do(ctx, xfer.Notify(x.target, f.code, f.reason))
		cancel()
		switch {
		case err != nil:
			c.b.log.Debug("b2bua: NOTIFY of a transfer", "call_id", c.aID, "status", f.code, "err", err)
		case !res.IsSuccess():
			c.b.log.Debug("b2bua: NOTIFY of a transfer refused", "call_id", c.aID, "status", f.code, "answer", res.StatusCode)
		}
	}
}

// transferorBye takes the BYE of a transferor's leg and reports whether
// req was one.
func (c *call) transferorBye(req *sip.Request, tx sip.ServerTransaction) bool {
	c.mu.Lock()
	x := c.xfer
	c.mu.Unlock()
	if x == nil || req.CallID().Value() != x.id {
		return false
	}
	if !x.present() {
		tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		return true
	}
	// Gone before the BYE is answered: whatever the transfer does next
	// sees it.
	x.left()
	if x.dlg.ReadBye(req, tx) != nil {
		tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
	}
	return true
}

// transferOut runs transfer x for leg A, whose bridge is stopped, until
// the target answered or failed or ctx ends (leg A hung up, the appliance
// stops). It returns what goes on with leg A, or nil when leg A stays
// with the transferor: ctx ended, or the transfer failed while the
// transferor stayed (x.failure says how; x stays c.xfer, see
// referWatch).
func (c *call) transferOut(ctx context.Context, x *transfer) *continuation {
	b := c.b
	x.report(100, "Trying")
	stopMusic := onHold(ctx, c.sessA)
	var leg *AgentLeg
	release := func() {}
	code, reason := 200, "OK"
	switch {
	case x.route.local != nil:
	case x.route.code != 0:
		code, reason = x.route.code, x.route.reason
	case x.route.replaces != nil:
		leg, code, reason = c.takeLeg(ctx, x.route.replaces)
	default:
		leg, release, code, reason = c.ringFor(ctx, x, c.sessA.Remote(), c.cdr.Caller)
	}
	stopMusic()
	if ctx.Err() != nil {
		c.abandonTransfer(x, leg, release)
		return nil
	}
	x.report(code, reason)
	if code == 200 {
		c.handOver(x, "transferred by "+x.by+" to "+x.number)
		res := &Transferred{By: x.by, To: x.number}
		if leg != nil {
			return &continuation{what: x.number, result: res, abandon: func() { leg.Hangup(); release() }, run: func(ctx context.Context, _ *InboundCall) error {
				defer release()
				return leg.Bridge(ctx, false)
			}}
		}
		return &continuation{what: x.number, result: res, abandon: func() {}, run: x.route.local}
	}
	b.log.Info("b2bua: transfer failed", "call_id", c.aID, "by", x.by, "to", x.number, "status", code, "reason", reason)
	status := fmt.Sprintf("%d %s", code, reason)
	if x.present() {
		x.failure = status
		return nil
	}
	return c.fallback(x, status)
}

// abandonTransfer ends transfer x, whose transferee hung up while its
// target rang: the target's leg, if one answered, is hung up, the
// transferor told 487.
func (c *call) abandonTransfer(x *transfer, leg *AgentLeg, release func()) {
	if leg != nil {
		leg.Hangup()
	}
	release()
	x.report(487, "Request Terminated")
	c.endTransfer(x)
}

// ringFor calls a transfer's target for the transferee, whose session
// faces remote and whose number is from: an extension's phones, or the
// phone network through the transferor's route, until an answer, a
// refusal, the ring timeout or ctx's end. It returns the answered leg
// and what releases its toll-fraud hold, or the status to report.
func (c *call) ringFor(ctx context.Context, x *transfer, remote *media.Description, from string) (*AgentLeg, func(), int, string) {
	b := c.b
	none := func() {}
	switch {
	case x.route.code != 0:
		return nil, none, x.route.code, x.route.reason
	case !x.route.trunk && !b.deps.Extension(x.number):
		return nil, none, 404, "Not Found"
	}
	sess, err := b.deps.Media.NewSession()
	if err != nil {
		return nil, none, 503, "Service Unavailable"
	}
	offer, err := sess.Offer(b.cfg.Advertise, remote)
	if err != nil {
		sess.Close()
		return nil, none, 488, "Not Acceptable Here"
	}
	ringCtx, stop := context.WithTimeout(ctx, b.cfg.RingTimeout)
	defer stop()
	var dlg *sipgo.DialogClientSession
	release := none
	code := 0
	if x.route.trunk {
		dlg, code, release = b.dialCustomer(ringCtx, Callback{Extension: x.by, Number: x.number, Display: from}, offer)
	} else if bindings := b.deps.Locate(x.number); len(bindings) == 0 {
		code = 480
	} else {
		var res *sip.Response
		// RFC 3892: the target's phone learns who referred the call.
		referredBy := sip.NewHeader("Referred-By", "<sip:"+x.by+"@"+b.cfg.Advertise.String()+">")
		dlg, res = b.forkTo(ringCtx, bindings, x.number, from, from, offer, referredBy)
		if dlg == nil && res != nil {
			code = res.StatusCode
		}
	}
	if dlg == nil {
		sess.Close()
		if code < 300 {
			return nil, none, 408, "Request Timeout"
		}
		return nil, none, code, reasonOf(code)
	}
	leg := &AgentLeg{c: c, dlg: dlg, sess: sess, extension: x.number}
	if err := dlg.Ack(context.Background()); err != nil {
		b.log.Warn("b2bua: ACK to a transfer's target failed", "to", x.number, "err", err)
	}
	if err := answerInto(sess, dlg); err != nil {
		leg.Hangup()
		release()
		return nil, none, 488, "Not Acceptable Here"
	}
	return leg, release, 200, "OK"
}

// fallback is what runs leg A after a transfer failed once the transferor
// had hung up: back into the queue it came from, else goodbye.
func (c *call) fallback(x *transfer, status string) *continuation {
	c.mu.Lock()
	queue := c.cdr.Queue
	c.mu.Unlock()
	c.handOver(x, "transfer by "+x.by+" to "+x.number+" failed: "+status)
	res := &Transferred{By: x.by, To: x.number, Failed: status}
	d := c.b.deps.Destinations
	if queue != "" && d != nil {
		return &continuation{what: "queue " + queue, result: res, abandon: func() {}, run: func(ctx context.Context, in *InboundCall) error {
			return d.Queue(ctx, in, queue)
		}}
	}
	return &continuation{what: "failed transfer", result: res, abandon: func() {}, run: func(ctx context.Context, in *InboundCall) error {
		c.b.goodbye(ctx, in.Media)
		return res
	}}
}

// Farewell is what Destinations may also do: say goodbye on a session in
// the appliance's language (uploaded prompts first).
type Farewell interface {
	Goodbye(ctx context.Context, sess *media.Session)
}

// goodbye plays the goodbye prompt to sess: Destinations' when it says
// farewells, else the built-in one of prompts.DefaultLanguage.
func (b *B2BUA) goodbye(ctx context.Context, sess *media.Session) {
	if f, ok := b.deps.Destinations.(Farewell); ok {
		f.Goodbye(ctx, sess)
		return
	}
	if audio, err := prompts.Get(prompts.DefaultLanguage, prompts.Goodbye); err == nil {
		_, _ = sess.Play(ctx, audio, media.PlayOptions{})
	}
}

// handOver takes leg B off the call once a transfer took effect (or
// failed after the transferor left): the call's CDR ends with cause and
// names the transfer, a new one goes on, and the transferor's leg is hung
// up unless its BYE comes within byeTimeout.
func (c *call) handOver(x *transfer, cause string) {
	sa, sb := c.sessA.Stats(), x.sess.Stats()
	c.mu.Lock()
	if c.bl == x.dlg {
		c.bl, c.bID, c.sessB, c.legBExt = nil, "", nil, ""
	}
	caller := c.cdr.Caller
	c.mu.Unlock()
	c.splitCDR(x, cause, sa, sb, sa, caller, x.number)
	c.linger(x, func(ctx context.Context) error { return x.dlg.Bye(ctx) }, func() {
		x.sess.Close()
		c.b.untrack(x.id)
	})
}

// splitCDR ends the call's CDR with cause, naming transfer x, with the
// statistics of leg A's session (sa, counted from c.baseA) and leg B's
// (sb); a new CDR from caller to callee goes on, linked to it, its leg A
// counted from base.
func (c *call) splitCDR(x *transfer, cause string, sa, sb, base media.Stats, caller, callee string) {
	b := c.b
	now := time.Now()
	c.mu.Lock()
	done := c.cdr
	done.EndedAt, done.HangupCause, done.TransferredTo, done.TransferredBy = now, cause, x.number, x.by
	done.PacketsAToB, done.LostA, done.JitterA, done.Codec = sa.PacketsIn-c.baseA.PacketsIn, sa.Lost-c.baseA.Lost, sa.Jitter, sa.Codec
	done.PacketsBToA, done.LostB, done.JitterB = sb.PacketsIn, sb.Lost, sb.Jitter
	c.baseA = base
	c.cdr = store.CDR{CallID: done.CallID, Caller: caller, Callee: callee, StartedAt: now, AnsweredAt: now,
		Disposition: Answered, SIPStatus: 200, Trunk: done.Trunk, TrunkNumber: done.TrunkNumber,
		TransferredBy: x.by, TransferredFrom: done.ID}
	next := c.cdr
	c.mu.Unlock()
	if err := b.deps.Store.FinishCDR(context.Background(), done); err != nil {
		b.log.Error("b2bua: finish CDR", "err", err)
	}
	id, err := b.deps.Store.StartCDR(context.Background(), next)
	if err != nil {
		b.log.Error("b2bua: start the CDR of a transferred call", "err", err)
	}
	c.mu.Lock()
	c.cdr.ID = id
	c.mu.Unlock()
}

// linger waits up to byeTimeout for the transferor's BYE once its
// transfer took effect, hangs its leg up with bye if none came, then
// releases the leg with cleanup.
func (c *call) linger(x *transfer, bye func(context.Context) error, cleanup func()) {
	b := c.b
	b.calls.Add(1)
	go func() {
		defer b.calls.Done()
		t := time.NewTimer(byeTimeout)
		defer t.Stop()
		select {
		case <-x.gone:
		case <-t.C:
		case <-b.stop:
		}
		if x.present() {
			ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
			if err := bye(ctx); err != nil {
				b.log.Debug("b2bua: BYE to a transferor", "by", x.by, "err", err)
			}
			cancel()
			x.left()
		}
		cleanup()
		c.endTransfer(x)
	}()
}

// transferBridged runs an accepted transfer for a call bridged by
// connect, which reads c.hangup: a hang-up read while the transfer runs
// is returned as cause (the transfer abandoned).
func (c *call) transferBridged(w *referWatch, x *transfer) (next *continuation, cause string) {
	ctx, stop := c.untilHangup()
	next = w.run(ctx, x)
	if cause = stop(); cause != "" && next != nil {
		next.abandon()
		next = nil
	}
	return next, cause
}

// onHold plays music to a transferee while its transfer's target rings;
// stop ends it and waits.
func onHold(ctx context.Context, sess *media.Session) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = sess.Play(ctx, ringback, media.PlayOptions{Loop: true})
	}()
	return func() {
		cancel()
		<-done
	}
}

// untilHangup returns a context that ends when a hang-up cause is read
// from c.hangup or the appliance stops, for a transfer run by connect
// (which reads c.hangup otherwise); stop ends the watch and returns the
// cause read, if any.
func (c *call) untilHangup() (ctx context.Context, stop func() string) {
	ctx, cancel := context.WithCancel(context.Background())
	var cause string
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case cause = <-c.hangup:
			cancel()
		case <-c.b.stop:
			cause = causeShutdown
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, func() string {
		cancel()
		<-done
		return cause
	}
}

// setNext keeps what runs leg A once the bridge that was transferred
// returns.
func (c *call) setNext(next *continuation) {
	c.mu.Lock()
	c.next = next
	c.mu.Unlock()
}

// takeNext returns and clears what runs leg A after a transfer, if any.
func (c *call) takeNext() *continuation {
	c.mu.Lock()
	defer c.mu.Unlock()
	next := c.next
	c.next = nil
	return next
}

// reasonOf is the reason phrase a NOTIFY gives a failure status.
func reasonOf(code int) string {
	switch code {
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 480:
		return "Temporarily Unavailable"
	case 486:
		return "Busy Here"
	case 503:
		return "Service Unavailable"
	}
	return "Call Failed"
}
