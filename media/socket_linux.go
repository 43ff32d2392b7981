package media

import (
	"encoding/binary"
	"net"
	"net/netip"
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rtpSocket is a session's RTP socket. On Linux it is a descriptor kept
// outside Go's poller: the epoll readers (poll_linux.go) are the only ones
// waiting on it, and sends are plain sendto calls. A socket Go's poller
// knows is woken for writing by every datagram it sends (the kernel wakes
// its waiters when the datagram's buffer is freed), which made the
// runtime's poller report, and a thread of it wake for, every relayed
// packet. A goroutine reader (the portable relay) gets a Go view of the
// socket on first need.
type rtpSocket struct {
	// mu is held for reading around every send and for writing by close,
	// so that no send reaches a descriptor number the system reused after
	// the close. The epoll readers need no lock: Session.Close removes
	// the socket from its reader before it closes it.
	mu     sync.RWMutex
	fd     int // -1 once closed
	family int // unix.AF_INET or unix.AF_INET6 (dual stack)

	connOnce sync.Once
	conn     *net.UDPConn // the goroutine reader's view
	connErr  error
}

// newRTPSocket takes c's socket out of Go's poller: it keeps a duplicate
// of the descriptor (the non-blocking flag is shared) and closes c, which
// removes c's descriptor from the poller.
func newRTPSocket(c *net.UDPConn) (*rtpSocket, error) {
	defer c.Close()
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	s := &rtpSocket{fd: -1}
	var opErr error
	err = rc.Control(func(f uintptr) {
		var family int
		if family, opErr = unix.GetsockoptInt(int(f), unix.SOL_SOCKET, unix.SO_DOMAIN); opErr != nil {
			opErr = os.NewSyscallError("getsockopt", opErr)
			return
		}
		fd, err := unix.FcntlInt(f, unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			opErr = os.NewSyscallError("fcntl", err)
			return
		}
		s.fd, s.family = fd, family
	})
	if err == nil {
		err = opErr
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// descriptor returns the socket's descriptor, -1 once closed. It stays
// valid until the session is closed, and Session.Close removes it from its
// epoll reader first.
func (s *rtpSocket) descriptor() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.fd
}

// writeTo sends b to to. A full socket buffer drops the datagram
// (EAGAIN), as the network would: a relay never waits to send.
func (s *rtpSocket) writeTo(b []byte, to netip.AddrPort) error {
	if len(b) == 0 {
		return nil
	}
	var sa unix.RawSockaddrInet6 // room for either family
	size, err := s.sockaddr(&sa, to)
	if err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.fd < 0 {
		return net.ErrClosed
	}
	_, _, errno := unix.Syscall6(unix.SYS_SENDTO, uintptr(s.fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0, uintptr(unsafe.Pointer(&sa)), size)
	if errno != 0 {
		return os.NewSyscallError("sendto", errno)
	}
	return nil
}

// sockaddr writes to into sa as the socket's family takes it (IPv4
// destinations of a dual-stack socket as IPv4-mapped IPv6) and returns its
// size.
func (s *rtpSocket) sockaddr(sa *unix.RawSockaddrInet6, to netip.AddrPort) (uintptr, error) {
	addr := to.Addr()
	switch {
	case s.family == unix.AF_INET:
		if addr = addr.Unmap(); !addr.Is4() {
			return 0, net.InvalidAddrError("an IPv6 destination for an IPv4 socket")
		}
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		sa4.Family = unix.AF_INET
		binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&sa4.Port))[:], to.Port())
		sa4.Addr = addr.As4()
		return unix.SizeofSockaddrInet4, nil
	case addr.IsValid():
		sa.Family = unix.AF_INET6
		binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&sa.Port))[:], to.Port())
		sa.Addr = addr.As16()
		if zone := addr.Zone(); zone != "" {
			ifi, err := net.InterfaceByName(zone)
			if err != nil {
				return 0, err
			}
			sa.Scope_id = uint32(ifi.Index)
		}
		return unix.SizeofSockaddrInet6, nil
	}
	return 0, net.InvalidAddrError("no destination")
}

// reader returns a Go view of the socket for a goroutine reading it (the
// portable relay), made on first need; closing the socket closes it too.
func (s *rtpSocket) reader() (*net.UDPConn, error) {
	s.connOnce.Do(func() {
		s.mu.RLock()
		defer s.mu.RUnlock()
		if s.fd < 0 {
			s.connErr = net.ErrClosed
			return
		}
		fd, err := unix.FcntlInt(uintptr(s.fd), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			s.connErr = os.NewSyscallError("fcntl", err)
			return
		}
		f := os.NewFile(uintptr(fd), "rtp")
		defer f.Close() // FilePacketConn made its own duplicate
		c, err := net.FilePacketConn(f)
		if err != nil {
			s.connErr = err
			return
		}
		s.conn = c.(*net.UDPConn)
	})
	return s.conn, s.connErr
}

// close closes the socket (and the reader's view, if one was made).
func (s *rtpSocket) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fd < 0 {
		return net.ErrClosed
	}
	err := unix.Close(s.fd)
	s.fd = -1
	if s.conn != nil {
		s.conn.Close()
	}
	return err
}
