// Package b2bua is the appliance's back-to-back user agent for calls
// between extensions: it answers the caller's leg, forks the call to every
// registered contact of the callee (the first answer wins, the others are
// cancelled), anchors the media through the media engine, passes hold and
// resume re-INVITEs through, and writes a CDR for every attempt. Calls with
// the phone network go through the same legs: HandleInbound takes a trunk's
// call routed by the dial plan, HandleOutbound sends an extension's call out
// through the trunks with failover, under the toll-fraud guard. The phone
// that answered may transfer the caller elsewhere (REFER, see refer.go).
package b2bua

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/media"
	"github.com/switchboard-cc/switchboard/sip/registrar"
)

// Config configures the B2BUA.
type Config struct {
	// Listen is the bound SIP address: requests leave from it so that
	// phones behind NAT receive them on the path they opened.
	Listen netip.AddrPort
	// Advertise is the address put in Contact and SDP.
	Advertise netip.Addr
	// RingTimeout ends an unanswered call with 480.
	RingTimeout time.Duration
	// Logger receives the B2BUA's logs.
	Logger *slog.Logger
	// LibLogger receives the SIP library's logs.
	LibLogger *slog.Logger
	// Recordings is the directory recorded calls are written to; CDRs name
	// them relative to it.
	Recordings string
}

// Deps are the services the B2BUA calls.
type Deps struct {
	Store *store.Store
	Media *media.Engine
	// Locate returns the live registrations of an extension.
	Locate func(number string) []registrar.Binding
	// Extension reports whether a number is a configured extension.
	Extension func(number string) bool
	// Recorded reports whether calls to and from an extension are
	// recorded; nil: none is.
	Recorded func(number string) bool
	// Trunks reaches the phone network; nil when no trunk is configured.
	Trunks *Trunks
	// Destinations takes inbound trunk calls routed to a queue or a flow;
	// while it is nil they are answered 480 (see Destinations).
	Destinations Destinations
	// Local routes the numbers extensions dial that are the appliance's own
	// services (flows, feature codes); nil: none.
	Local Local
}

// B2BUA holds the live calls.
type B2BUA struct {
	cfg   Config
	deps  Deps
	log   *slog.Logger
	udp   *sipgo.DialogUA
	tcp   *sipgo.DialogUA
	stop  chan struct{}
	once  sync.Once
	calls sync.WaitGroup

	mu      sync.Mutex // guards the following fields
	stopped bool
	byID    map[string]*call // by the Call-ID of either leg
	// callbacks are the calls the appliance placed itself, by the Call-ID
	// of each leg.
	callbacks map[string]*callbackCall
	// supervised are the bridged agent calls a supervisor may join.
	supervised map[*call]*supervision
}

// New returns a B2BUA sending through ua.
func New(ua *sipgo.UserAgent, cfg Config, deps Deps) (*B2BUA, error) {
	host := cfg.Advertise.String()
	port := int(cfg.Listen.Port())
	udpClient, err := sipgo.NewClient(ua, sipgo.WithClientHostname(host), sipgo.WithClientPort(port),
		sipgo.WithClientConnectionAddr(cfg.Listen.String()), sipgo.WithClientLogger(cfg.LibLogger))
	if err != nil {
		return nil, fmt.Errorf("b2bua: %w", err)
	}
	tcpClient, err := sipgo.NewClient(ua, sipgo.WithClientHostname(host), sipgo.WithClientPort(port), sipgo.WithClientLogger(cfg.LibLogger))
	if err != nil {
		return nil, fmt.Errorf("b2bua: %w", err)
	}
	contact := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "switchboard", Host: host, Port: port}}
	return &B2BUA{
		cfg:        cfg,
		deps:       deps,
		log:        cfg.Logger,
		udp:        &sipgo.DialogUA{Client: udpClient, ContactHDR: contact, RewriteContact: true},
		tcp:        &sipgo.DialogUA{Client: tcpClient, ContactHDR: contact, RewriteContact: true},
		stop:       make(chan struct{}),
		byID:       map[string]*call{},
		callbacks:  map[string]*callbackCall{},
		supervised: map[*call]*supervision{},
	}, nil
}

// dialogUA picks the client for a transport.
func (b *B2BUA) dialogUA(transport string) *sipgo.DialogUA {
	if transport == "TCP" {
		return b.tcp
	}
	return b.udp
}

// Shutdown hangs up every live call and waits for them to end, or for ctx.
// New calls are refused from then on.
func (b *B2BUA) Shutdown(ctx context.Context) {
	b.once.Do(func() {
		b.mu.Lock()
		b.stopped = true
		b.mu.Unlock()
		close(b.stop)
	})
	done := make(chan struct{})
	go func() { b.calls.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		b.log.Warn("b2bua: calls still ending at shutdown deadline")
	}
}

// admit registers a new call unless the B2BUA is stopping.
func (b *B2BUA) admit() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stopped {
		return false
	}
	b.calls.Add(1)
	return true
}

func (b *B2BUA) track(id string, c *call) {
	b.mu.Lock()
	b.byID[id] = c
	b.mu.Unlock()
}

func (b *B2BUA) untrack(ids ...string) {
	b.mu.Lock()
	for _, id := range ids {
		delete(b.byID, id)
	}
	b.mu.Unlock()
}

// untrackOwn unlists id unless another call listed it since.
func (b *B2BUA) untrackOwn(id string, c *call) {
	b.mu.Lock()
	if b.byID[id] == c {
		delete(b.byID, id)
	}
	b.mu.Unlock()
}

// findID returns the call one of whose legs has that Call-ID.
func (b *B2BUA) findID(id string) *call {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.byID[id]
}

func (b *B2BUA) find(req *sip.Request) *call {
	id := req.CallID()
	if id == nil {
		return nil
	}
	return b.findID(id.Value())
}

// HandleAck takes the ACK of a 2xx the B2BUA sent.
func (b *B2BUA) HandleAck(req *sip.Request, tx sip.ServerTransaction) {
	if c := b.find(req); c != nil {
		c.ack(req, tx)
	}
}

// HandleBye ends a call from either side.
func (b *B2BUA) HandleBye(req *sip.Request, tx sip.ServerTransaction) {
	if b.callbackBye(req, tx) {
		return
	}
	c := b.find(req)
	if c == nil {
		tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		return
	}
	c.bye(req, tx)
}

// HandleInfo answers in-dialog INFO (DTMF relay) and passes it on to the
// other leg.
func (b *B2BUA) HandleInfo(req *sip.Request, tx sip.ServerTransaction) {
	if cc := b.callbackOf(req); cc != nil {
		p, ok := cc.peerOf(req.CallID().Value())
		b.relayInfo(req, tx, p, ok)
		return
	}
	c := b.find(req)
	if c == nil {
		tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		return
	}
	c.info(req, tx)
}

// HandleReinvite passes a re-INVITE (hold, resume, codec change) to the
// other leg with the SDP rewritten to the appliance.
func (b *B2BUA) HandleReinvite(req *sip.Request, tx sip.ServerTransaction) {
	if cc := b.callbackOf(req); cc != nil {
		p, ok := cc.peerOf(req.CallID().Value())
		b.relayReinvite(req, tx, p, ok)
		return
	}
	c := b.find(req)
	if c == nil {
		tx.Respond(sip.NewResponseFromRequest(req, 481, "Call/Transaction Does Not Exist", nil))
		return
	}
	c.reinvite(req, tx)
}
