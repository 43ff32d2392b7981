package sip

import (
	"errors"
	"net"

	"github.com/emiago/sipgo/sip"
)

// largeTx is a server transaction over UDP whose responses too large for
// sipgo are written to the socket directly: sipgo refuses any UDP message
// over sip.UDPMTUSize-200 (1300) bytes with ErrUDPMTUCongestion, so a
// request with many Via or long header fields (RFC 4475 §3.1.1.7) got no
// answer at all. RFC 3261 §18.1.1 moves large requests to TCP; a response
// goes back the way its request came (§18.2.2) and IP fragmentation
// carries it.
type largeTx struct {
	sip.ServerTransaction
	udp net.PacketConn
}

// Respond sends res through the transaction, or straight to its
// destination when sipgo finds it too large for UDP.
func (t largeTx) Respond(res *sip.Response) error {
	err := t.ServerTransaction.Respond(res)
	if !errors.Is(err, sip.ErrUDPMTUCongestion) {
		return err
	}
	addr, aerr := net.ResolveUDPAddr("udp", res.Destination())
	if aerr != nil {
		return err
	}
	_, err = t.udp.WriteTo([]byte(res.String()), addr)
	return err
}
