package sip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"golang.org/x/sync/errgroup"

	"github.com/switchboard-cc/switchboard/internal/events"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/media"
	"github.com/switchboard-cc/switchboard/sip/b2bua"
	"github.com/switchboard-cc/switchboard/sip/digest"
	"github.com/switchboard-cc/switchboard/sip/guard"
	"github.com/switchboard-cc/switchboard/sip/registrar"
	"github.com/switchboard-cc/switchboard/sip/trunk"
)

// Config configures the SIP service. Zero values mean the defaults.
type Config struct {
	// Listen is the UDP and TCP address, e.g. "0.0.0.0:5060"; a port of 0
	// picks a free one (TCP then takes the port UDP got).
	Listen string
	// AdvertiseIP is placed in Via, Contact and SDP. Empty means the Listen
	// IP, or when that is unspecified the address of the interface that
	// routes to the outside (falling back to 127.0.0.1).
	AdvertiseIP string
	// Realm is the digest realm; zero means "switchboard.local". Extension
	// hashes are stored for one realm.
	Realm string
	// DigestAlgorithms are offered in challenges, in order; nil means MD5
	// (see digest.Config.Algorithms).
	DigestAlgorithms []string
	// RingTimeout ends an unanswered call with 480. Zero means 30s.
	RingTimeout time.Duration
	// Registrar bounds registrations.
	Registrar registrar.Config
	// Guard sets the abuse thresholds.
	Guard guard.Config
	// TCP bounds the connections SIP over TCP may hold.
	TCP TCPLimits
	// UserAgent is the Server/User-Agent header value; zero means
	// "switchboard".
	UserAgent string
	// Logger receives the service's logs; nil means slog.Default().
	Logger *slog.Logger
	// Trunks is the phone-network setup (trunk.Load): trunks, dial plan,
	// permissions and toll-fraud limits. Nil or without trunks, calls stay
	// between extensions.
	Trunks *trunk.Setup
	// Destinations runs trunk calls routed to a queue or a flow, and Local
	// the appliance's own numbers dialled by extensions (flows, feature
	// codes); nil: such calls are refused.
	Destinations b2bua.Destinations
	Local        b2bua.Local
	// Recordings is where recorded calls are written ("" records nothing).
	Recordings string
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("sip: Config.Listen: want HOST:PORT, got %q", c.Listen)
	}
	if c.AdvertiseIP != "" {
		if _, err := netip.ParseAddr(c.AdvertiseIP); err != nil {
			return fmt.Errorf("sip: Config.AdvertiseIP: %q is not an IP address", c.AdvertiseIP)
		}
	}
	if c.RingTimeout < 0 {
		return fmt.Errorf("sip: Config.RingTimeout: must not be negative")
	}
	return nil
}

// udpBuffer is the SIP socket's requested kernel buffer size.
const udpBuffer = 4 << 20

// shutdownTimeout bounds how long Serve waits for calls to hang up.
const shutdownTimeout = 8 * time.Second

// Server is the appliance's SIP service.
type Server struct {
	cfg   Config
	log   *slog.Logger
	st    *store.Store
	eng   *media.Engine
	bus   *events.Bus
	auth  *digest.Authenticator
	guard *guard.Guard
	reg   *registrar.Registrar
	// answers keeps how recent REGISTERs were answered, for their
	// retransmissions (see handleRegister).
	answers *registrar.Answers[sentAnswer]
	// byes keeps how recent BYEs were answered (see handleBye).
	byes *registrar.Answers[byeAnswer]

	ua      *sipgo.UserAgent
	srv     *sipgo.Server
	udp     net.PacketConn
	tcp     net.Listener
	addr    netip.AddrPort
	adv     netip.Addr
	calls   *b2bua.B2BUA
	trunks  *b2bua.Trunks // nil without trunks
	dial    *dialPolicy   // where SIP over TCP may connect
	extLock sync.Mutex    // guards extCache
	ext     extCache
	// handlers are the request handlers running (see inflight).
	handlers inflight
}

// New builds the SIP service on the store, the media engine and the event
// bus. Nothing listens before Listen.
func New(st *store.Store, eng *media.Engine, bus *events.Bus, cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Realm == "" {
		cfg.Realm = "switchboard.local"
	}
	if cfg.RingTimeout == 0 {
		cfg.RingTimeout = 30 * time.Second
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "switchboard"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Registrar.Logger = cfg.Logger
	s := &Server{cfg: cfg, log: cfg.Logger, st: st, eng: eng, bus: bus,
		auth: digest.New(digest.Config{Realm: cfg.Realm, Algorithms: cfg.DigestAlgorithms}), guard: guard.New(cfg.Guard),
		answers: registrar.NewAnswers[sentAnswer](answerWindow, time.Now()), byes: registrar.NewAnswers[byeAnswer](answerWindow, time.Now())}
	return s, nil
}

// Listen binds the UDP and TCP sockets and loads the stored registrations.
func (s *Server) Listen(ctx context.Context) error {
	host, port, _ := net.SplitHostPort(s.cfg.Listen)
	network := "udp4"
	if ip, err := netip.ParseAddr(host); err == nil && ip.Is6() && !ip.Is4In6() {
		network = "udp6"
	}
	udp, tcp, err := listenPair(ctx, network, host, port)
	if err != nil {
		return fmt.Errorf("sip: listen %s: %w", s.cfg.Listen, err)
	}
	if uc, ok := udp.(*net.UDPConn); ok {
		// Bursts of REGISTERs (a site's phones after a power cut) must not
		// overflow the default 200 KB buffer; the kernel caps it at rmem_max.
		uc.SetReadBuffer(udpBuffer)
		uc.SetWriteBuffer(udpBuffer)
	}
	uaddr := udp.LocalAddr().(*net.UDPAddr)
	s.dial = newDialPolicy(s.log, s.trunkAddr, s.refreshTrunkAddrs, s.registeredFrom)
	s.udp, s.tcp = udp, newTCPListener(tcp, s.cfg.TCP, s.log, s.guard.Banned, s.dial.seen)
	s.addr = uaddr.AddrPort()
	s.adv = advertiseAddr(s.cfg.AdvertiseIP, s.addr.Addr())

	s.reg, err = registrar.New(ctx, s.st, s.cfg.Registrar)
	if err != nil {
		s.closeSockets()
		return err
	}
	lib := libraryLogger(s.log)
	s.ua, err = sipgo.NewUA(sipgo.WithUserAgent(s.cfg.UserAgent),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerReadFilter(s.readFilter), sip.WithTransportLayerLogger(lib),
			sip.WithTransportLayerTransports(sip.TransportsConfig{TCP: &sip.TransportTCP{DialerCreate: s.dial.dialer}})),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(lib),
			// Stray responses (late 1xx after a final, junk from scanners)
			// are dropped; sipgo would log each at info on its global logger.
			sip.WithTransactionLayerUnhandledResponseHandler(func(r *sip.Response) {
				s.log.Debug("sip: dropped a response outside any transaction", "response", r.Short(), "source", r.Source())
			})))
	if err != nil {
		s.closeSockets()
		return fmt.Errorf("sip: %w", err)
	}
	s.ua.TransportLayer().OnMessage(s.dial.noteRoutes)
	s.srv, err = sipgo.NewServer(s.ua, sipgo.WithServerLogger(lib))
	if err != nil {
		s.closeSockets()
		return fmt.Errorf("sip: %w", err)
	}
	if err := s.setupTrunks(ctx, lib); err != nil {
		s.closeSockets()
		return err
	}
	s.calls, err = b2bua.New(s.ua, b2bua.Config{
		Listen:      s.addr,
		Advertise:   s.adv,
		RingTimeout: s.cfg.RingTimeout,
		Logger:      s.log,
		LibLogger:   lib,
		Recordings:  s.cfg.Recordings,
	}, b2bua.Deps{Store: s.st, Media: s.eng, Locate: s.locate, Extension: s.extensionExists, Recorded: s.extensionRecorded, Trunks: s.trunks,
		Destinations: s.cfg.Destinations, Local: s.cfg.Local})
	if err != nil {
		s.closeSockets()
		return err
	}
	s.routes()
	return nil
}

// pairAttempts bounds the free ports tried when port 0 asks for UDP and
// TCP on a shared free port.
const pairAttempts = 20

// listenPair binds UDP and then TCP on the port UDP got. With port "0" a
// port whose TCP side is taken is given back and another one tried.
func listenPair(ctx context.Context, network, host, port string) (net.PacketConn, net.Listener, error) {
	lc := net.ListenConfig{Control: noBroadcast}
	for attempt := 1; ; attempt++ {
		udp, err := lc.ListenPacket(ctx, network, net.JoinHostPort(host, port))
		if err != nil {
			return nil, nil, fmt.Errorf("udp: %w", err)
		}
		got := strconv.Itoa(udp.LocalAddr().(*net.UDPAddr).Port)
		tcp, err := (&net.ListenConfig{}).Listen(ctx, "tcp"+network[3:], net.JoinHostPort(host, got))
		if err == nil {
			return udp, tcp, nil
		}
		udp.Close()
		if port != "0" || attempt == pairAttempts {
			return nil, nil, fmt.Errorf("tcp: %w", err)
		}
	}
}

func (s *Server) closeSockets() {
	s.udp.Close()
	s.tcp.Close()
}

// Addr is the bound SIP address (UDP and TCP share it).
func (s *Server) Addr() netip.AddrPort { return s.addr }

// AdvertisedIP is the address the appliance gives phones in SIP and SDP.
func (s *Server) AdvertisedIP() netip.Addr { return s.adv }

// Registrar gives read access to the location service (registration
// status for the CLI and the web panel).
func (s *Server) Registrar() *registrar.Registrar { return s.reg }

// Serve answers SIP until ctx ends, then hangs up every live call, closes
// their CDRs, writes the registrations and returns once everything it
// started has stopped.
func (s *Server) Serve(ctx context.Context) error {
	if n, err := s.st.CloseOpenCDRs(ctx, time.Now()); err != nil {
		return err
	} else if n > 0 {
		s.log.Info("closed CDRs of calls interrupted by the last stop", "count", n)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.reg.Run(gctx) })
	g.Go(func() error { return s.watchConfig(gctx) })
	if s.trunks != nil {
		g.Go(func() error { return s.runTrunks(gctx) })
	}
	g.Go(func() error {
		err := s.srv.ServeUDP(s.udp)
		if gctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("sip: udp: %w", err)
	})
	g.Go(func() error {
		err := s.srv.ServeTCP(s.tcp)
		if gctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("sip: tcp: %w", err)
	})
	g.Go(func() error {
		<-gctx.Done()
		hangup, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
		s.calls.Shutdown(hangup)
		if !s.handlers.close(hangup) {
			s.log.Warn("sip: requests still being answered at the shutdown deadline")
		}
		cancel()
		s.closeSockets()
		s.ua.Close()
		return nil
	})
	err := g.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// readFilter drops datagrams and stream reads from banned sources, and
// datagrams that cannot be SIP, before they are parsed.
func (s *Server) readFilter(info sip.TransportReadProps, data []byte) ([]byte, error) {
	if ap, ok := addrPortOf(info.RemoteAddr); ok && s.guard.Banned(ap.Addr()) {
		return nil, nil
	}
	if info.Transport == "UDP" && !sipDatagram(data) {
		return nil, nil
	}
	return data, nil
}

// startLineMax bounds how far sipDatagram looks for the end of the start
// line.
const startLineMax = 4096

// sipDatagram reports whether data may be a SIP message: its first line
// names the protocol (a request line ends with it, a status line begins
// with it). sipgo adds every datagram's source to its connection pool for
// good before parsing it, so noise from many sources (scanners' probes,
// floods) would grow the pool; keep-alive CRLFs, which sipgo ignores, are
// dropped here too.
func sipDatagram(data []byte) bool {
	line, _, ok := bytes.Cut(data[:min(len(data), startLineMax)], []byte("\n"))
	return ok && bytes.Contains(line, []byte("SIP/"))
}

// advertiseAddr picks the address phones are told to reach.
func advertiseAddr(configured string, listen netip.Addr) netip.Addr {
	if a, err := netip.ParseAddr(configured); err == nil {
		return a
	}
	if listen.IsValid() && !listen.IsUnspecified() {
		return listen.Unmap()
	}
	// Connecting a UDP socket sends nothing: it only asks the kernel which
	// interface routes outward.
	if c, err := net.Dial("udp4", "192.0.2.1:9"); err == nil {
		defer c.Close()
		if ap, ok := addrPortOf(c.LocalAddr()); ok {
			return ap.Addr()
		}
	}
	return netip.MustParseAddr("127.0.0.1")
}

func addrPortOf(a net.Addr) (netip.AddrPort, bool) {
	switch v := a.(type) {
	case *net.UDPAddr:
		ap := v.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
	case *net.TCPAddr:
		ap := v.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
	}
	return netip.AddrPort{}, false
}

// PlaceCallback places a call from an agent's phone to a customer (see
// b2bua.PlaceCallback).
func (s *Server) PlaceCallback(ctx context.Context, cb b2bua.Callback) error {
	return s.calls.PlaceCallback(ctx, cb)
}

// StartSupervise rings supervisor extension sup and joins it to the call
// agent extension ext is on (see b2bua.StartSupervise).
func (s *Server) StartSupervise(ext, sup string, mode media.SuperviseMode) error {
	return s.calls.StartSupervise(ext, sup, mode)
}
