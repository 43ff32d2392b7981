//go:build !unix

package sip

import "syscall"

// noBroadcast is a no-op where socket options are not reachable.
func noBroadcast(network, address string, c syscall.RawConn) error { return nil }
