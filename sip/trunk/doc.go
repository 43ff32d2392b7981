// Package trunk connects the appliance to the phone network through SIP
// trunks: register trunks (the appliance registers to a provider with digest
// auth, RFC 3261 section 10, and refreshes before expiry) and peer trunks
// (FXO gateways and IP-authenticated providers, matched by source address).
//
// Integration with the SIP server and the B2BUA:
//
//	m, err := trunk.New(client, trunks, trunk.Config{Logger: log})   // client: *sipgo.Client on the server's UA
//	g.Go(func() error { return m.Run(ctx) })                          // keeps register trunks registered
//	m.Status()                                                        // registered / failing + reason, for CLI and web
//
//	// inbound INVITE from src:
//	t, ok := m.MatchPeer(src)   // also matches a register trunk's provider address; !ok → 403 + log
//	called := t.CalledNumber(req)
//	dest, err := plan.Inbound(t.Name, called)   // sip/dialplan
//
//	// outbound leg on trunk t:
//	req := m.NewInvite(t, number, callerID, sdp)   // Request-URI, From, outbound proxy, transport
//	tx, err := m.Request(ctx, t, req)              // on 401/407 final: tx, err = m.Authorize(ctx, t, req, res)
//
// The package never builds dialogs: the B2BUA owns the legs.
package trunk
