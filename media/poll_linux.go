package media

import (
	"context"
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// pollBatch is how many datagrams one recvmmsg takes from a socket.
const pollBatch = 8

// pollEvents is how many ready sockets one epoll_wait reports.
const pollEvents = 128

// pollers are an engine's epoll readers on Linux: relays register their
// sockets with one of them (by port) instead of each blocking a goroutine
// in a read. A reader waits on its epoll instance through Go's poller and,
// when sockets have datagrams, drains each with recvmmsg and hands the
// packets to their relays. Compared with a goroutine per socket it saves,
// per packet, a wake-up through the Go scheduler and the read that ends in
// EAGAIN: the sockets are registered edge-triggered and a batch shorter
// than pollBatch drained its socket, the next datagram raising a new edge.
// A reader runs while sockets are registered with it.
type pollers struct {
	shards []poller
}

func (p *pollers) init() {
	p.shards = make([]poller, max(1, runtime.GOMAXPROCS(0)))
}

func (p *pollers) of(s *Session) *poller {
	return &p.shards[(s.port/2)%len(p.shards)]
}

// poller is one epoll reader.
type poller struct {
	// life serializes starting and stopping the reader goroutine, so that
	// a new one never starts before the old one has ended.
	life sync.Mutex

	// mu guards the fields below. The reader holds it for reading while
	// it serves a batch of ready sockets; registering and removing a
	// socket take it for writing, so that once remove returns the reader
	// never touches the socket or its relay again.
	mu   sync.RWMutex
	ep   *os.File // the epoll instance; nil while no socket is registered
	done chan struct{}
	regs map[int32]*pollReg
}

// pollReg is one registered socket and the relay direction it feeds.
type pollReg struct {
	s *Session
	d *relayDir
}

// pollRelay serves d through from's poller until ctx ends or the session
// is closed (ErrClosed), checking the inactivity timeout in this
// goroutine meanwhile. It reports false, having done nothing, when the
// socket could not be registered: the caller then reads it itself.
func pollRelay(ctx context.Context, d *relayDir) bool {
	s := d.from
	p := s.eng.polls.of(s)
	fd := s.rtp.descriptor()
	if fd < 0 {
		d.stop(ErrClosed)
		return true
	}
	switch err := p.add(fd, s, d); {
	case errors.Is(err, ErrClosed):
		d.stop(ErrClosed)
		return true
	case err != nil:
		s.eng.log.Warn("media: epoll reader unavailable, reading the socket directly", "port", s.port, "err", err)
		return false
	}
	defer p.remove(fd, s)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	if !armTimer(timer, p, d) {
		timer.Stop()
	}
	for {
		select {
		case <-ctx.Done():
			return true
		case <-s.closed:
			d.stop(ErrClosed)
			return true
		case <-timer.C:
			p.mu.Lock()
			expired := d.expired(time.Now())
			p.mu.Unlock()
			if expired {
				d.stop(ErrInactive)
				return true
			}
			armTimer(timer, p, d)
		}
	}
}

// armTimer sets timer to fire when d's inactivity timeout would pass, and
// reports false when the timeout is disabled.
func armTimer(timer *time.Timer, p *poller, d *relayDir) bool {
	p.mu.Lock() // the reader writes d.lastRx holding the read lock
	at := d.deadline()
	p.mu.Unlock()
	if at.IsZero() {
		return false
	}
	timer.Reset(time.Until(at))
	return true
}

// unpoll takes s's socket out of its poller, if a relay registered it;
// Close calls it after marking s closed and before closing the socket.
func (s *Session) unpoll() {
	if fd := s.rtp.descriptor(); fd >= 0 {
		s.eng.polls.of(s).remove(fd, s)
	}
}

// add registers s's socket fd for d, starting the reader when it is the
// first. It fails with ErrClosed once s is closed: Close marks s closed
// before it removes the socket, so a socket is never registered after.
func (p *poller) add(fd int, s *Session, d *relayDir) error {
	p.life.Lock()
	defer p.life.Unlock()
	p.mu.Lock()
	select {
	case <-s.closed:
		p.mu.Unlock()
		return ErrClosed
	default:
	}
	if p.ep == nil {
		if err := p.start(); err != nil {
			p.mu.Unlock()
			return err
		}
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: int32(fd)}
	if err := unix.EpollCtl(int(p.ep.Fd()), unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		wait := func() {}
		if len(p.regs) == 0 {
			wait = p.stopLocked()
		}
		p.mu.Unlock()
		wait()
		return os.NewSyscallError("epoll_ctl", err)
	}
	p.regs[int32(fd)] = &pollReg{s: s, d: d}
	p.mu.Unlock()
	return nil
}

// remove takes s's socket fd out of the poller, if it is still there for
// s, and stops the reader when it was the last. Once it returns the reader
// no longer touches the socket nor its relay.
func (p *poller) remove(fd int, s *Session) {
	p.life.Lock()
	defer p.life.Unlock()
	p.mu.Lock()
	r, ok := p.regs[int32(fd)]
	if !ok || r.s != s {
		p.mu.Unlock()
		return
	}
	delete(p.regs, int32(fd))
	unix.EpollCtl(int(p.ep.Fd()), unix.EPOLL_CTL_DEL, fd, nil)
	wait := func() {}
	if len(p.regs) == 0 {
		wait = p.stopLocked()
	}
	p.mu.Unlock()
	wait()
}

// start creates the epoll instance and the reader serving it; p.mu is
// held.
func (p *poller) start() error {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("epoll_create1", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return os.NewSyscallError("setnonblock", err)
	}
	ep := os.NewFile(uintptr(fd), "epoll") // non-blocking: Go's poller waits on it
	rc, err := ep.SyscallConn()
	if err != nil {
		ep.Close()
		return err
	}
	p.ep, p.done = ep, make(chan struct{})
	if p.regs == nil {
		p.regs = map[int32]*pollReg{}
	}
	go p.serve(rc, p.done)
	return nil
}

// stopLocked closes the epoll instance, which ends the reader, and
// returns the wait for its end, to be called once p.mu is released (the
// reader may be waiting for it).
func (p *poller) stopLocked() func() {
	ep, done := p.ep, p.done
	p.ep, p.done = nil, nil
	ep.Close()
	return func() { <-done }
}

// serve waits for ready sockets and hands their datagrams to their relays
// until the epoll instance is closed.
func (p *poller) serve(rc syscall.RawConn, done chan struct{}) {
	defer close(done)
	events := make([]unix.EpollEvent, pollEvents)
	var (
		bufs  [pollBatch][1500]byte
		names [pollBatch][unix.SizeofSockaddrInet6]byte
		iovs  [pollBatch]unix.Iovec
		msgs  [pollBatch]unix.Mmsghdr
	)
	for i := range msgs {
		iovs[i].Base = &bufs[i][0]
		iovs[i].SetLen(len(bufs[i]))
		msgs[i].Hdr.Iov = &iovs[i]
		msgs[i].Hdr.SetIovlen(1)
		msgs[i].Hdr.Name = &names[i][0]
	}
	var n int
	wait := func(fd uintptr) bool { // made once: a closure per wait would be an allocation
		n, _ = unix.EpollWait(int(fd), events, 0)
		return n > 0 // none ready: park until the instance is readable
	}
	for {
		if err := rc.Read(wait); err != nil {
			return // closed: the last socket was removed
		}
		now := time.Now()
		p.mu.RLock()
		for _, ev := range events[:n] {
			r, ok := p.regs[ev.Fd]
			if !ok {
				continue // removed after epoll reported it
			}
			for {
				for i := range msgs {
					msgs[i].Hdr.Namelen = uint32(len(names[i]))
				}
				got, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(ev.Fd), uintptr(unsafe.Pointer(&msgs[0])), pollBatch, unix.MSG_DONTWAIT, 0, 0)
				if errno != 0 {
					break // EAGAIN: drained
				}
				for i := range int(got) {
					r.d.packet(bufs[i][:msgs[i].Len], sockaddrPort(names[i][:msgs[i].Hdr.Namelen]), now)
				}
				if got < pollBatch {
					break // drained: the next datagram raises a new edge
				}
			}
		}
		p.mu.RUnlock()
	}
}

// sockaddrPort decodes a raw IPv4 or IPv6 socket address; anything else is
// the zero AddrPort.
func sockaddrPort(b []byte) netip.AddrPort {
	if len(b) < 2 {
		return netip.AddrPort{}
	}
	port := func() uint16 { return binary.BigEndian.Uint16(b[2:4]) }
	switch binary.NativeEndian.Uint16(b) {
	case unix.AF_INET:
		if len(b) >= unix.SizeofSockaddrInet4 {
			return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[4:8])), port())
		}
	case unix.AF_INET6:
		if len(b) >= unix.SizeofSockaddrInet6 {
			return netip.AddrPortFrom(netip.AddrFrom16([16]byte(b[8:24])), port())
		}
	}
	return netip.AddrPort{}
}
