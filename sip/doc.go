// Package sip is the appliance's SIP front: it listens on UDP and TCP with
// sipgo, drops scanners and banned sources, authenticates extensions with
// digest (sip/digest), runs the registrar (sip/registrar) and hands calls
// to the back-to-back user agent (sip/b2bua). It is the one place where a
// failure becomes a SIP response: errors that end a transaction carry their
// status (see StatusError).
package sip
