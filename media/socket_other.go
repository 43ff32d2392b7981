//go:build !linux

package media

import (
	"net"
	"net/netip"
)

// rtpSocket is a session's RTP socket: here Go's own, read by the relay's
// goroutine.
type rtpSocket struct {
	conn *net.UDPConn
}

func newRTPSocket(c *net.UDPConn) (*rtpSocket, error) { return &rtpSocket{conn: c}, nil }

// writeTo sends b to to.
func (s *rtpSocket) writeTo(b []byte, to netip.AddrPort) error {
	_, err := s.conn.WriteToUDPAddrPort(b, to)
	return err
}

// reader returns the socket for the goroutine reading it.
func (s *rtpSocket) reader() (*net.UDPConn, error) { return s.conn, nil }

// close closes the socket.
func (s *rtpSocket) close() error { return s.conn.Close() }
