package main

import (
	"fmt"
	"net/netip"
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// floorBatch is how many datagrams one recvmmsg may take from a socket.
const floorBatch = 8

// floor is the cheapest per-packet forwarder this test knows how to write
// on Linux, the floor under both the bare forwarder and the media engine:
// raw non-blocking sockets outside Go's poller, one epoll instance
// (edge-triggered) served by one goroutine, recvmmsg batches, and a
// socket read only when epoll says a datagram came (a batch shorter than
// floorBatch drained the socket, so no read ever ends in EAGAIN). What it
// still pays per packet is the kernel's UDP path: one receive and one send
// system call. It has no latching, statistics or anything else a relay
// needs.
type floor struct {
	ep   *os.File // the epoll instance, waited on through Go's poller
	done chan struct{}

	mu   sync.Mutex // guards legs and fds against the serving goroutine
	legs map[int32]floorLeg
	fds  []int
}

// floorLeg is where a socket's datagrams go: out of the other socket of
// the call to the other phone.
type floorLeg struct {
	out int
	to  unix.SockaddrInet4
}

func (r *floor) start(a, b netip.AddrPort) (netip.AddrPort, netip.AddrPort, error) {
	var none netip.AddrPort
	if r.ep == nil {
		if err := r.open(); err != nil {
			return none, none, err
		}
	}
	fa, pa, err := r.socket()
	if err != nil {
		return none, none, err
	}
	fb, pb, err := r.socket()
	if err != nil {
		return none, none, err
	}
	r.mu.Lock()
	r.legs[int32(fa)] = floorLeg{out: fb, to: unix.SockaddrInet4{Port: int(b.Port()), Addr: b.Addr().As4()}}
	r.legs[int32(fb)] = floorLeg{out: fa, to: unix.SockaddrInet4{Port: int(a.Port()), Addr: a.Addr().As4()}}
	r.mu.Unlock()
	for _, fd := range []int{fa, fb} {
		ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: int32(fd)}
		if err := unix.EpollCtl(int(r.ep.Fd()), unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
			return none, none, fmt.Errorf("epoll_ctl: %w", err)
		}
	}
	return netip.AddrPortFrom(loopback, uint16(pa)), netip.AddrPortFrom(loopback, uint16(pb)), nil
}

// open creates the epoll instance and starts the goroutine serving it;
// stop ends it.
func (r *floor) open() error {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("epoll_create1: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return err
	}
	r.ep = os.NewFile(uintptr(fd), "epoll") // non-blocking: Go's poller waits on it
	r.legs = map[int32]floorLeg{}
	r.done = make(chan struct{})
	rc, err := r.ep.SyscallConn()
	if err != nil {
		r.ep.Close()
		return err
	}
	go r.serve(rc)
	return nil
}

// socket opens one bound, non-blocking UDP socket on the loopback address
// and returns it with its port.
func (r *floor) socket() (int, int, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, 0, fmt.Errorf("socket: %w", err)
	}
	r.mu.Lock()
	r.fds = append(r.fds, fd)
	r.mu.Unlock()
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: loopback.As4()}); err != nil {
		return 0, 0, fmt.Errorf("bind: %w", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return 0, 0, fmt.Errorf("getsockname: %w", err)
	}
	return fd, sa.(*unix.SockaddrInet4).Port, nil
}

// serve waits for sockets with datagrams and forwards them, until the
// epoll instance is closed.
func (r *floor) serve(rc interface {
	Read(func(fd uintptr) bool) error
}) {
	defer close(r.done)
	events := make([]unix.EpollEvent, 256)
	var bufs [floorBatch][1500]byte
	var iovs [floorBatch]unix.Iovec
	var msgs [floorBatch]unix.Mmsghdr
	for i := range msgs {
		iovs[i].Base = &bufs[i][0]
		iovs[i].SetLen(len(bufs[i]))
		msgs[i].Hdr.Iov = &iovs[i]
		msgs[i].Hdr.SetIovlen(1)
	}
	for {
		var n int
		err := rc.Read(func(fd uintptr) bool {
			n, _ = unix.EpollWait(int(fd), events, 0)
			return n > 0 // none ready: park until the epoll instance is
		})
		if err != nil {
			return // closed by stop
		}
		r.mu.Lock()
		for _, ev := range events[:n] {
			leg, ok := r.legs[ev.Fd]
			if !ok {
				continue
			}
			for {
				got, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(ev.Fd), uintptr(unsafe.Pointer(&msgs[0])), floorBatch, unix.MSG_DONTWAIT, 0, 0)
				if errno != 0 {
					break
				}
				for i := range int(got) {
					unix.Sendto(leg.out, bufs[i][:msgs[i].Len], 0, &leg.to)
				}
				if got < floorBatch {
					break // drained: the next datagram raises a new edge
				}
			}
		}
		r.mu.Unlock()
	}
}

func (r *floor) stop() {
	if r.ep == nil {
		return
	}
	r.ep.Close()
	<-r.done
	for _, fd := range r.fds {
		unix.Close(fd)
	}
	r.ep, r.legs, r.fds = nil, nil, nil
}

// newFloor returns the floor forwarder.
func newFloor() relay { return &floor{} }
