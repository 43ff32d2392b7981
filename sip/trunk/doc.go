// Package trunk connects the appliance to the phone network through SIP
// trunks: register trunks (the appliance registers to a provider with digest
// auth, RFC 3261 section 10, refreshes before expiry and backs off on
// failure) and peer trunks (FXO gateways and IP-authenticated providers,
// matched by source address).
//
// Wiring: serve passes trunk.Load's Setup in sip.Config.Trunks; the SIP
// server (sip/trunks.go) builds the Manager on a client of its own user
// agent, sending from the SIP socket, adds the bus, the logger and
// StoreUsage to the toll-fraud guard, records StoreStatus for `switchboard
// trunk status`, and runs the Manager once its UDP socket serves. When the
// configuration revision changes it loads the setup again and applies it to
// the live objects, so that calls follow new trunks and routes at once:
//
//	setup, err := trunk.Load(ctx, st)   // trunks, dial plan, limits, permissions from the store
//	setup.Fraud.Bus, setup.Fraud.Logger, setup.Fraud.OnCharge = bus, log, trunk.StoreUsage(ctx, st, log)
//	guard := tollfraud.New(setup.Fraud)
//	m, err := trunk.New(client, setup.Trunks, trunk.Config{Logger: log, OnStatus: trunk.StoreStatus(ctx, st, log)})
//	g.Go(func() error { return m.Run(ctx) })
//	// on a new revision:
//	newer, err := trunk.Load(ctx, st)
//	m.Update(newer.Trunks)          // Run re-registers changed trunks, unregisters removed ones
//	setup.Update(newer)             // routes and permissions
//	guard.SetLimits(newer.Fraud)    // limits and allowlist; calls in progress stay counted
//
// Inbound INVITE from a non-extension source src, in the B2BUA:
//
//	t, dest, err := m.Inbound(src, req, setup.Plan)   // err.SIPStatus(): 403 unknown source, 404, 484
//	// dest.Kind: extension / queue / flow / hangup; t.DTMFMode() and t.Codecs for the media session
//
// Outbound call by an authenticated extension:
//
//	p, err := setup.Plan.Outbound(setup.Caller(ext, authenticated), dialled)   // 403 class, 404 no route
//	call, err := guard.Admit(ext, p.E164, p.International(), p.Emergency)     // 403/503 limits
//	defer call.End()
//	leg, status, err := dialplan.Dial(ctx, p, func(ctx context.Context, l dialplan.Leg) (int, error) {
//		t, _ := m.Trunk(l.Trunk)
//		inv := m.NewInvite(t, p.Number, l.CallerID, sdp)
//		// WriteInvite(inv) on a DialogUA, WaitAnswer with AnswerOptions{Username, Password} = t.Credentials()
//		// (or m.Request + m.Authorize without dialogs); return the final status
//	})
//	cdr.Disposition = dialplan.Disposition(status)   // call.Answered() on 200; call.Budget() caps international calls
//
// The package never builds dialogs: the B2BUA owns the legs.
package trunk
