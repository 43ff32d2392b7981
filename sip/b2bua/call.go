package b2bua

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/media"
	"github.com/switchboard-cc/switchboard/sip/registrar"
)

// byeTimeout bounds how long hanging up one leg may take.
const byeTimeout = 5 * time.Second

// Dispositions written to CDRs.
const (
	Answered    = "answered"
	Busy        = "busy"
	NoAnswer    = "no-answer"
	Cancelled   = "cancelled"
	Unavailable = "unavailable"
	NotFound    = "not-found"
	Rejected    = "rejected"
	Failed      = "failed"
)

// call is one extension-to-extension call: leg A (the caller, a server
// dialog) and leg B (the answering phone, a client dialog).
type call struct {
	b      *B2BUA
	cdr    store.CDR
	a      *sipgo.DialogServerSession
	aID    string
	sessA  *media.Session
	sessB  *media.Session
	hangup chan string // the cause of the first BYE received
	// committed is closed once finish committed the CDR: the BYE that
	// ended the call is answered then (see heldTx).
	committed chan struct{}
	// callerBye is set as the caller's BYE is read, before its dialog
	// ends: a late ACK may move the dialog's state on again.
	callerBye atomic.Bool
	// calleeBye is set once the callee (or agent) leg's BYE is read.
	calleeBye atomic.Bool
	// dtmf is where leg A's digits are found (set from the trunk of an
	// inbound call); watchDigits logs them during the call.
	dtmf        media.DTMFMode
	watchDigits bool
	// inbound says leg A came from a trunk: its caller is no extension.
	inbound bool
	// codecs are the codecs leg A may answer, in order (set from the trunk
	// of an inbound call; nil: any).
	codecs []string
	// early is the SDP answer leg A got with early media (183 Session
	// Progress); the 200 repeats it.
	early []byte

	mu  sync.Mutex // guards the following fields
	bl  *sipgo.DialogClientSession
	bID string
	// legBExt is the extension on leg B, the one that may transfer the
	// call ("" when leg B is a trunk).
	legBExt string
	// refers takes accepted transfers while leg A and leg B are bridged
	// (nil otherwise); xfer is the transfer running, or whose
	// transferor's leg is still ending; next is what runs leg A once the
	// transferred bridge returned.
	refers chan *transfer
	xfer   *transfer
	next   *continuation
	// refusal is the last REFER of leg B refused.
	refusal refusal
	// takes, while leg A and leg B are bridged by connect, takes the
	// requests of another call for leg B (attended transfer, see
	// takeLeg); nil otherwise.
	takes chan chan<- *takenLeg
	// baseA is leg A's session statistics when the current CDR began
	// (zero unless the call was transferred).
	baseA media.Stats
}

// HandleInvite runs a call from caller (already authenticated) to the
// extension in the Request-URI, from the first INVITE to the last BYE.
func (b *B2BUA) HandleInvite(req *sip.Request, tx sip.ServerTransaction, caller string) {
	if !b.admit() {
		tx.Respond(sip.NewResponseFromRequest(req, 503, "Service Unavailable", nil))
		return
	}
	defer b.calls.Done()
	c := b.newCall(req)
	c.cdr = store.CDR{CallID: c.aID, Caller: caller, Callee: req.Recipient.User, StartedAt: time.Now()}
	if !c.open(req, tx) {
		return
	}
	defer c.finish()
	c.run(req, tx, req.Recipient.User)
}

// newCall returns the call whose leg A is req's dialog.
func (b *B2BUA) newCall(req *sip.Request) *call {
	return &call{b: b, hangup: make(chan string, 2), committed: make(chan struct{}), aID: req.CallID().Value()}
}

// noMedia refuses a call the media engine has no session for (its RTP
// port range is used up or cannot be bound) with 503, and says so.
func (c *call) noMedia(req *sip.Request, tx sip.ServerTransaction, err error) {
	c.b.log.Warn("b2bua: no RTP port for a call: widen --rtp-ports or free the range", "call_id", c.aID, "err", err)
	c.reject(req, tx, 503, "Service Unavailable", Failed)
	c.cdr.HangupCause = "no RTP port: " + err.Error()
}

// reject answers leg A with a final failure and records why.
func (c *call) reject(req *sip.Request, tx sip.ServerTransaction, code int, reason, disposition string) {
	c.cdr.SIPStatus, c.cdr.Disposition, c.cdr.HangupCause = code, disposition, reason
	if c.a != nil {
		c.a.Respond(code, reason, nil)
		return
	}
	tx.Respond(sip.NewResponseFromRequest(req, code, reason, nil))
}

// run rings extension callee for leg A's INVITE and connects the call.
func (c *call) run(req *sip.Request, tx sip.ServerTransaction, callee string) {
	b := c.b
	if !b.deps.Extension(callee) {
		c.reject(req, tx, 404, "Not Found", NotFound)
		return
	}
	offer, ok := c.acceptA(req, tx)
	if !ok {
		return
	}
	defer b.untrack(c.aID)
	a := c.a
	a.Respond(100, "Trying", nil)

	var err error
	bindings := b.deps.Locate(callee)
	if len(bindings) == 0 {
		c.reject(req, tx, 480, "Temporarily Unavailable", Unavailable)
		return
	}
	if c.sessA, err = b.deps.Media.NewSession(); err != nil {
		c.noMedia(req, tx, err)
		return
	}
	c.sessA.SetDTMFMode(c.dtmf)
	if c.sessB, err = b.deps.Media.NewSession(); err != nil {
		c.noMedia(req, tx, err)
		return
	}
	offerB, err := c.sessB.Offer(b.cfg.Advertise, offer)
	if err != nil {
		c.reject(req, tx, 488, "Not Acceptable Here", Failed)
		return
	}

	winner, res, cause := c.ring(req, bindings, offerB)
	if winner == nil {
		switch {
		case cause == Cancelled:
			c.cdr.Disposition, c.cdr.HangupCause, c.cdr.SIPStatus = Cancelled, "caller cancelled", 487
		case cause == causeShutdown:
			c.reject(req, tx, 503, "Service Unavailable", Failed)
			c.cdr.HangupCause = causeShutdown
		case cause == NoAnswer:
			c.reject(req, tx, 480, "Temporarily Unavailable", NoAnswer)
			c.cdr.HangupCause = "ring timeout"
		case res != nil:
			disp := Rejected
			if res.StatusCode == 486 || res.StatusCode == 600 {
				disp = Busy
			}
			c.reject(req, tx, res.StatusCode, res.Reason, disp)
		default:
			c.reject(req, tx, 480, "Temporarily Unavailable", Unavailable)
		}
		return
	}
	c.mu.Lock()
	c.legBExt = callee
	c.mu.Unlock()
	c.connect(winner)
}

// ring forks the call to every binding and waits for the first answer, a
// rejection by all, the ring timeout or the caller's CANCEL. The losing
// forks are cancelled (or hung up if they answered too) before it returns.
func (c *call) ring(req *sip.Request, bindings []registrar.Binding, offerB []byte) (*sipgo.DialogClientSession, *sip.Response, string) {
	b := c.b
	ringCtx, stopRinging := context.WithTimeout(context.Background(), b.cfg.RingTimeout)
	type result struct {
		leg *sipgo.DialogClientSession
		err error
	}
	results := make(chan result, len(bindings))
	ringing := make(chan struct{}, 1)
	forks := make([]context.CancelFunc, len(bindings))
	var wg sync.WaitGroup
	callerName := ""
	if from := req.From(); from != nil {
		callerName = from.DisplayName
	}
	for i, bind := range bindings {
		forkCtx, cancel := context.WithCancel(ringCtx)
		forks[i] = cancel
		inv, err := c.forkRequest(req, bind, callerName, offerB)
		if err != nil {
			results <- result{err: err}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			leg, err := b.dialogUA(bind.Transport).WriteInvite(forkCtx, inv)
			if err == nil {
				err = b.waitFork(forkCtx, leg, func(r *sip.Response) {
					if r.StatusCode == 180 || r.StatusCode == 183 {
						select {
						case ringing <- struct{}{}:
						default:
						}
					}
				})
			}
			results <- result{leg: leg, err: err}
		}()
	}

	var winner *sipgo.DialogClientSession
	var best *sip.Response
	cause := ""
	rang := false
	pending := len(bindings)
	for pending > 0 && winner == nil && cause == "" {
		select {
		case <-ringing:
			if !rang {
				rang = true
				c.a.Respond(180, "Ringing", nil)
			}
		case r := <-results:
			pending--
			var de *sipgo.ErrDialogResponse
			switch {
			case r.err == nil && (ringCtx.Err() != nil || c.a.Context().Err() != nil):
				// Answered as the ring timed out or the caller cancelled.
				b.hangupLateAsync(r.leg)
			case r.err == nil:
				winner = r.leg
			case errors.As(r.err, &de) && (best == nil || better(de.Res, best)):
				best = de.Res
			}
		case <-ringCtx.Done():
			if best == nil || best.StatusCode != 486 {
				cause = NoAnswer
			} else {
				cause = causeBusyElsewhere
			}
		case <-c.a.Context().Done():
			cause = Cancelled
		case <-b.stop:
			cause = causeShutdown
		}
	}
	for _, cancel := range forks {
		cancel()
	}
	// The losing forks end in the background: a CANCEL may wait for a
	// provisional response, and a phone that answered too is hung up.
	b.calls.Add(1)
	go func() {
		defer b.calls.Done()
		defer stopRinging()
		for ; pending > 0; pending-- {
			if r := <-results; r.err == nil {
				b.hangupLate(r.leg)
			}
		}
		wg.Wait()
	}()
	return winner, best, cause
}

// better reports whether failure response r should be relayed to the caller
// rather than current (RFC 3261 §16.7: busy and 6xx win, then the lowest
// class).
func better(r, current *sip.Response) bool {
	rank := func(x *sip.Response) int {
		switch {
		case x.StatusCode >= 600:
			return 0
		case x.StatusCode == 486:
			return 1
		case x.StatusCode >= 400 && x.StatusCode < 500:
			return 2
		default:
			return 3
		}
	}
	return rank(r) < rank(current)
}

// forkRequest builds the INVITE toward one registered contact.
func (c *call) forkRequest(req *sip.Request, bind registrar.Binding, callerName string, offerB []byte) (*sip.Request, error) {
	var contact sip.Uri
	if err := sip.ParseUri(bind.Contact, &contact); err != nil {
		return nil, err
	}
	adv := c.b.cfg.Advertise.String()
	inv := sip.NewRequest(sip.INVITE, contact)
	from := &sip.FromHeader{DisplayName: callerName, Address: sip.Uri{Scheme: "sip", User: c.cdr.Caller, Host: adv}}
	from.Params.Add("tag", sip.GenerateTagN(16))
	inv.AppendHeader(from)
	inv.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", User: c.cdr.Callee, Host: adv}})
	inv.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	inv.SetBody(offerB)
	inv.SetDestination(destination(contact, bind.Source))
	inv.SetTransport(bind.Transport)
	return inv, nil
}

// destination is where a request to a registered contact goes: the
// Contact's own address when it names the host the REGISTER came from (a
// phone receiving on another port than it registered from), else the
// REGISTER's source address (a phone behind NAT, whose Contact is
// unreachable).
func destination(contact sip.Uri, source netip.AddrPort) string {
	if ip, err := netip.ParseAddr(contact.Host); err == nil && ip.Unmap() == source.Addr() && contact.Port > 0 {
		return netip.AddrPortFrom(ip.Unmap(), uint16(contact.Port)).String()
	}
	return source.String()
}

// connect answers leg A once leg B answered, bridges the media and waits
// for the call to end.
func (c *call) connect(bl *sipgo.DialogClientSession) {
	b := c.b
	c.mu.Lock()
	c.bl = bl
	c.bID = bl.InviteRequest.CallID().Value()
	c.mu.Unlock()
	b.track(c.bID, c)
	defer b.untrackOwn(c.bID, c)
	if err := bl.Ack(context.Background()); err != nil {
		b.log.Warn("b2bua: ACK to the callee failed", "err", err)
	}
	ansB, err := media.ParseSDP(bl.InviteResponse.Body())
	if err == nil {
		err = c.sessB.SetRemote(ansB)
	}
	if err != nil {
		c.byeB("callee answered without usable SDP")
		c.reject(nil, nil, 488, "Not Acceptable Here", Failed)
		return
	}
	ansA, err := c.answerA()
	if err != nil {
		c.byeB("no common codec")
		c.reject(nil, nil, 488, "Not Acceptable Here", Failed)
		return
	}
	c.cdr.AnsweredAt = time.Now()
	c.cdr.Disposition, c.cdr.SIPStatus = Answered, 200
	var undo []func() // run in reverse when the call ends or is transferred
	unwind := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
		undo = nil
	}
	defer func() { unwind() }()
	r := startRelay(c.sessA, c.sessB)
	undo = append(undo, func() { r.stop() })
	if c.watchDigits {
		undo = append(undo, c.logDigits())
	}
	if c.recorded() {
		undo = append(undo, c.record(c.sessB))
	}
	w := c.watchRefers()
	w.offerLegB()
	undo = append(undo, w.stop)
	if err := c.a.RespondSDP(ansA); err != nil {
		if c.callerBye.Load() || c.a.LoadState() == sip.DialogStateEnded {
			// The caller's BYE overtook its ACK: requests are handled
			// concurrently, so this is a hangup, not a lost ACK.
			c.cdr.HangupCause = causeCallerBye
			c.byeB(causeCallerBye)
			return
		}
		c.cdr.HangupCause = "caller never acknowledged the answer"
		c.byeB(c.cdr.HangupCause)
		c.byeA()
		return
	}
	for {
		var next *continuation
		select {
		case cause := <-c.hangup:
			c.hungUp(cause)
			return
		case err := <-r.done:
			r.ended()
			c.cdr.HangupCause = "media: " + errString(err)
			c.byeA()
			c.byeB(c.cdr.HangupCause)
			return
		case <-b.stop:
			c.cdr.HangupCause = causeShutdown
			c.byeA()
			c.byeB(c.cdr.HangupCause)
			return
		case x := <-w.refers:
			r.stop()
			if x.fromA {
				if c.transferB(w, x) {
					return
				}
				r = startRelay(c.sessA, c.sessB)
				continue
			}
			var cause string
			if next, cause = c.transferBridged(w, x); cause != "" {
				c.hungUp(cause)
				return
			}
		case <-w.gone:
			r.stop()
			if x := w.failed; x.fromA {
				w.clear()
				c.goodbyeB(x, x.failure)
				return
			}
			next = w.left()
		case <-w.grace:
			w.expired()
			continue
		case reply := <-w.takes:
			r.stop()
			c.giveLegB(reply)
			return
		}
		if next == nil { // the transfer failed: back to the transferor
			r = startRelay(c.sessA, c.sessB)
			continue
		}
		unwind()
		c.serve(&InboundCall{Trunk: c.cdr.Trunk, From: c.cdr.Caller, DID: c.cdr.TrunkNumber, Media: c.sessA, c: c}, next)
		return
	}
}

// hungUp ends a bridged call for the hang-up cause read from c.hangup.
func (c *call) hungUp(cause string) {
	c.cdr.HangupCause = cause
	switch cause {
	case causeCallerBye:
		c.byeB(cause)
	case causeCalleeBye:
		c.byeA()
	default: // the appliance ends the call, e.g. a spent budget
		c.byeA()
		c.byeB(cause)
	}
}

// relay is a media bridge between two sessions, stopped at most once.
type relay struct {
	cancel context.CancelFunc
	done   chan error
	over   bool
}

func startRelay(a, b *media.Session) *relay {
	ctx, cancel := context.WithCancel(context.Background())
	r := &relay{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- media.Bridge(ctx, a, b) }()
	return r
}

// ended records that the bridge's result was read from done.
func (r *relay) ended() {
	r.over = true
	r.cancel()
}

// stop ends the bridge and waits for it.
func (r *relay) stop() {
	if r.over {
		return
	}
	r.cancel()
	<-r.done
	r.over = true
}

func errString(err error) string {
	if err == nil {
		return "ended"
	}
	return err.Error()
}

// offerA is the caller's SDP offer.
func (c *call) offerA() *media.Description {
	d, _ := media.ParseSDP(c.a.InviteRequest.Body())
	return d
}

// answerA is leg A's SDP answer: the one sent with early media, else a
// new one within the codecs and DTMF mode of leg A's trunk.
func (c *call) answerA() ([]byte, error) {
	if c.early != nil {
		return c.early, nil
	}
	return c.sessA.Answer(answerable(c.offerA(), c.codecs, c.dtmf), c.b.cfg.Advertise)
}

// Hang-up causes recorded in CDRs.
const (
	causeCallerBye = "caller hung up"
	causeCalleeBye = "callee hung up"
	causeShutdown  = "appliance stopping"
	// causeBusyElsewhere: the ring timeout passed after one contact said
	// busy while others rang on; the caller hears busy.
	causeBusyElsewhere = "busy"
)

func (c *call) byeA() {
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	if err := c.a.Bye(ctx); err != nil {
		c.b.log.Debug("b2bua: BYE to the caller", "err", err)
	}
}

func (c *call) byeB(reason string) {
	c.mu.Lock()
	bl := c.bl
	c.mu.Unlock()
	if bl == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	if err := bl.Bye(ctx); err != nil {
		c.b.log.Debug("b2bua: BYE to the callee", "reason", reason, "err", err)
	}
}

// legOf tells whether an in-dialog request came on leg A.
func (c *call) legOf(req *sip.Request) (fromA bool) {
	return req.CallID().Value() == c.aID
}

func (c *call) ack(req *sip.Request, tx sip.ServerTransaction) {
	if c.legOf(req) {
		c.a.ReadAck(req, tx)
	}
}

// acceptA reads the caller's INVITE as leg A's dialog and lists the call
// for its in-dialog requests; the caller of acceptA unlists it
// (b.untrack(c.aID)) when it returns true. It refuses the INVITE — 488 for
// an SDP offer it cannot read, 400 for a request the dialog layer refuses
// — and returns false otherwise.
func (c *call) acceptA(req *sip.Request, tx sip.ServerTransaction) (*media.Description, bool) {
	offer, err := media.ParseSDP(req.Body())
	if err != nil {
		c.reject(req, tx, 488, "Not Acceptable Here", Failed)
		return nil, false
	}
	if c.a, err = c.b.dialogUA(req.Transport()).ReadInvite(req, tx); err != nil {
		c.reject(req, tx, 400, "Bad Request", Failed)
		return nil, false
	}
	c.b.track(c.aID, c)
	return offer, true
}

// bye reads a BYE of either leg; one that ends the call is answered once
// its CDR is committed. A second BYE on a leg whose BYE was already read
// (a new request, not a retransmission: those are answered from the
// server's cache) finds the dialog ended: 481, as it would once the call
// is gone.
func (c *call) bye(req *sip.Request, tx sip.ServerTransaction) {
	if !c.legOf(req) && (c.transferorBye(req, tx) || c.byeAfterRefusal(req, tx)) {
		return
	}
	if c.legOf(req) && c.callerLeft(req, tx) {
		return
	}
	if c.legOf(req) {
		if !c.callerBye.CompareAndSwap(false, true) {
			tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
			return
		}
		held := &heldTx{ServerTransaction: tx}
		if err := c.a.ReadBye(req, held); err != nil {
			c.callerBye.Store(false)
			tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
			return
		}
		c.signal(causeCallerBye)
		held.release(c.b.log, c.committed)
		return
	}
	c.mu.Lock()
	bl := c.bl
	c.mu.Unlock()
	held := &heldTx{ServerTransaction: tx}
	if bl == nil || c.calleeBye.Load() || bl.ReadBye(req, held) != nil {
		tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		return
	}
	c.calleeBye.Store(true)
	c.signal(causeCalleeBye)
	held.release(c.b.log, c.committed)
}

func (c *call) signal(cause string) {
	select {
	case c.hangup <- cause:
	default:
	}
}

// finish closes the media, writes the CDR and closes c.committed.
func (c *call) finish() {
	defer close(c.committed)
	c.cdr.EndedAt = time.Now()
	if c.sessA != nil {
		sa := c.sessA.Stats()
		c.cdr.PacketsAToB, c.cdr.LostA, c.cdr.JitterA, c.cdr.Codec = sa.PacketsIn-c.baseA.PacketsIn, sa.Lost-c.baseA.Lost, sa.Jitter, sa.Codec
		c.sessA.Close()
	}
	if c.sessB != nil {
		sb := c.sessB.Stats()
		c.cdr.PacketsBToA, c.cdr.LostB, c.cdr.JitterB = sb.PacketsIn, sb.Lost, sb.Jitter
		c.sessB.Close()
	}
	if c.cdr.Disposition == "" {
		c.cdr.Disposition = Failed
	}
	if err := c.b.deps.Store.FinishCDR(context.Background(), c.cdr); err != nil {
		c.b.log.Error("b2bua: finish CDR", "err", err)
	}
}
