//go:build unix

package sip

import "syscall"

// noBroadcast clears SO_BROADCAST (which Go sets on UDP sockets): the
// appliance never sends to a broadcast address, whatever a message says.
func noBroadcast(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_BROADCAST, 0)
	})
	if err != nil {
		return err
	}
	return serr
}
