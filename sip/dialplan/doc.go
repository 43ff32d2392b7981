// Package dialplan is the pure routing logic between the appliance and the
// phone network: no sockets, no store, no clock.
//
// Inbound, a trunk's called number is normalised to E.164 with the trunk's
// [Country] and matched to a [Destination] (extension:, queue:, flow: or
// hangup:MESSAGE). Outbound, a dialled number is matched against PBX patterns
// (X, Z, N, [1-5], "."), rewritten (strip, prepend), checked against the
// caller's permission [Class] (emergency numbers always pass) and turned into
// a [Plan]: the number to send and the ordered trunks to try.
//
// Integration with the B2BUA (sip/b2bua):
//
//	dest, err := plan.Inbound(trunk.Country, called)   // err has SIPStatus()
//	p, err := plan.Outbound(dialplan.Caller{...}, dialled)
//	for _, leg := range p.Legs { res := send INVITE via leg.Trunk; if !dialplan.Failover(code, timedOut) { break } }
//
// Every error returned by [Dialplan.Inbound] and [Dialplan.Outbound] is an
// [*Error] that classifies itself with SIPStatus() (int, string): 403 when
// the caller's class refuses the number or the caller is not authenticated,
// 404 when no route matches.
package dialplan
