package sip

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/switchboard-cc/switchboard/sip/b2bua"
	"github.com/switchboard-cc/switchboard/sip/tollfraud"
	"github.com/switchboard-cc/switchboard/sip/trunk"
)

// setupTrunks builds the trunk manager (sending from the SIP socket, so
// providers answer on it) and the toll-fraud guard from Config.Trunks, even
// without trunks: the configuration may gain some while the server runs.
func (s *Server) setupTrunks(ctx context.Context, lib *slog.Logger) error {
	setup := s.cfg.Trunks
	if setup == nil {
		return nil
	}
	contact := netip.AddrPortFrom(s.adv, s.addr.Port()).String()
	client, err := sipgo.NewClient(s.ua, sipgo.WithClientHostname(s.adv.String()), sipgo.WithClientPort(int(s.addr.Port())),
		sipgo.WithClientConnectionAddr(s.addr.String()), sipgo.WithClientLogger(lib))
	if err != nil {
		return fmt.Errorf("sip: trunk client: %w", err)
	}
	// TCP connections cannot leave from the listener's port: they dial
	// from an ephemeral one, Via and Contact still naming the listener.
	tcp, err := sipgo.NewClient(s.ua, sipgo.WithClientHostname(s.adv.String()), sipgo.WithClientPort(int(s.addr.Port())),
		sipgo.WithClientLogger(lib))
	if err != nil {
		return fmt.Errorf("sip: trunk client: %w", err)
	}
	m, err := trunk.New(client, setup.Trunks, trunk.Config{Logger: s.log, ContactHost: contact, TCP: tcp,
		OnStatus: trunk.StoreStatus(ctx, s.st, s.log)})
	if err != nil {
		return fmt.Errorf("sip: %w", err)
	}
	fraud := setup.Fraud
	fraud.Bus, fraud.Logger, fraud.OnCharge = s.bus, s.log, trunk.StoreUsage(ctx, s.st, s.log)
	s.trunks = &b2bua.Trunks{Manager: m, Setup: setup, Guard: tollfraud.New(fraud)}
	return nil
}

// runTrunks keeps the register trunks registered, and the trunks, routes,
// permissions and limits as stored, until ctx ends. It starts once the UDP
// socket serves: a REGISTER sent earlier would make sipgo bind a second
// socket on the listening address, and fail.
func (s *Server) runTrunks(ctx context.Context) error {
	pool := s.ua.TransportLayer().Pool("udp")
	for range listenerWaits {
		if c := pool.Get(s.addr.String()); c != nil {
			c.TryClose() // Get took a reference; a listener stays open
			break
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(10 * time.Millisecond):
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { s.trunks.Manager.Run(ctx) })
	s.watchTrunks(ctx)
	wg.Wait()
	return nil
}

// watchTrunks reloads the phone-network configuration whenever the
// configuration revision changes, until ctx ends. It reloads once at start
// too: the CLI may have changed it since serve read it.
func (s *Server) watchTrunks(ctx context.Context) {
	t := time.NewTicker(configPoll)
	defer t.Stop()
	last := int64(-1)
	for {
		rev, err := s.st.ConfigRev(ctx)
		if err == nil && rev != last {
			err = s.reloadTrunks(ctx, rev)
			last = rev // a bad configuration is not retried until it changes
		}
		if err != nil && ctx.Err() == nil {
			s.log.Error("sip: reloading trunks and routes; the ones in force stay", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// reloadTrunks applies the stored trunks, routes, permissions and
// toll-fraud limits of configuration revision rev to the live ones.
func (s *Server) reloadTrunks(ctx context.Context, rev int64) error {
	newer, err := trunk.Load(ctx, s.st)
	if err != nil {
		return err
	}
	if err := s.trunks.Manager.Update(newer.Trunks); err != nil {
		return err
	}
	s.trunks.Setup.Update(newer)
	s.trunks.Guard.SetLimits(newer.Fraud)
	s.log.Info("sip: trunks and routes in force", "revision", rev, "trunks", len(newer.Trunks))
	return nil
}

// listenerWaits bounds the 10 ms waits of runTrunks for the UDP listener.
const listenerWaits = 300

// trunkCall takes a new INVITE from the phone network and reports whether
// it answered it. From a trunk's address, the call is routed by the dial
// plan (404 or 484 without a route). From any other address, an INVITE
// without credentials to one of the trunks' DIDs, from an address no phone
// registered from, is a call from an unknown source: 403 and a log line,
// no call. Everything else is left to extension authentication.
func (s *Server) trunkCall(req *sip.Request, tx sip.ServerTransaction) bool {
	if s.trunks == nil {
		return false
	}
	src := sourceOf(req)
	plan := s.trunks.Setup.Plan
	t, ok := s.trunks.Manager.MatchPeer(src)
	if !ok {
		if req.GetHeader("Proxy-Authorization") != nil || !s.isDID(req.Recipient.User) || s.registeredFrom(src.Addr()) {
			return false
		}
		s.log.Warn("sip: call from an unknown source refused", "source", src, "called", req.Recipient.User)
		s.respond(req, tx, &trunk.UnknownSourceError{Source: src})
		return true
	}
	called := t.CalledNumber(req)
	dest, err := plan.Inbound(t.Name, called)
	if err != nil {
		s.log.Info("sip: trunk call without a route", "trunk", t.Name, "called", called, "err", err)
		s.respond(req, tx, err)
		return true
	}
	did, _ := t.Country.E164(called)
	s.calls.HandleInbound(req, tx, t, did, dest)
	return true
}

// isDID reports whether number routes inbound on some trunk.
func (s *Server) isDID(number string) bool {
	for _, t := range s.trunks.Manager.Trunks() {
		if _, err := s.trunks.Setup.Plan.Inbound(t.Name, number); err == nil {
			return true
		}
	}
	return false
}

// registeredFrom reports whether a phone registered from addr.
func (s *Server) registeredFrom(addr netip.Addr) bool {
	for _, bs := range s.reg.All() {
		for _, b := range bs {
			if b.Source.Addr() == addr {
				return true
			}
		}
	}
	return false
}

// trunkAddr reports whether addr is a configured trunk's host or outbound
// proxy (names resolved when the trunks were applied or refreshed).
func (s *Server) trunkAddr(addr netip.Addr) bool {
	if s.trunks == nil {
		return false
	}
	_, ok := s.trunks.Manager.MatchPeer(netip.AddrPortFrom(addr, 0))
	return ok
}

// refreshTrunkAddrs resolves the trunks' names again.
func (s *Server) refreshTrunkAddrs() {
	if s.trunks != nil {
		s.trunks.Manager.Refresh()
	}
}
