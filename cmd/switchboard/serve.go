package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/chat"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/internal/events"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/ivr"
	"github.com/switchboard-cc/switchboard/media"
	"github.com/switchboard-cc/switchboard/sip"
	"github.com/switchboard-cc/switchboard/sip/b2bua"
	"github.com/switchboard-cc/switchboard/sip/digest"
	"github.com/switchboard-cc/switchboard/sip/trunk"
	"github.com/switchboard-cc/switchboard/webui"
)

// shutdownGrace bounds how long a stopping appliance waits for calls to be
// hung up and state to be flushed.
const shutdownGrace = 10 * time.Second

func newServeCmd(g *globals) *cobra.Command {
	rt := config.Runtime{}
	var sipDigest string
	var ringTimeout time.Duration
	var webTLS tlsFlags
	var pprofAddr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the appliance",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rt.DataDir = g.dataDir
			if err := rt.Validate(); err != nil {
				return err
			}
			algs, err := digest.ParseAlgorithms(sipDigest)
			if err != nil {
				return fmt.Errorf("--sip-digest: %w", err)
			}
			if err := webTLS.validate(); err != nil {
				return err
			}
			if ringTimeout <= 0 {
				return fmt.Errorf("--ring-timeout: must be positive, got %s", ringTimeout)
			}
			return serve(cmd, rt, sip.Config{DigestAlgorithms: algs, RingTimeout: ringTimeout}, webTLS, pprofAddr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&rt.SIP, "sip", envOr("SWITCHBOARD_SIP", "0.0.0.0:5060"), "SIP listen address (UDP and TCP)")
	f.StringVar(&rt.HTTP, "http", envOr("SWITCHBOARD_HTTP", "0.0.0.0:8080"), "web panel listen address")
	f.StringVar(&rt.RTPPorts, "rtp-ports", envOr("SWITCHBOARD_RTP_PORTS", "10000-20000"), "RTP port range FIRST-LAST")
	f.StringVar(&rt.PublicIP, "public-ip", envOr("SWITCHBOARD_PUBLIC_IP", ""), "IP address advertised to phones in SIP and SDP (default: the address they reach us on)")
	f.BoolVar(&rt.Demo, "demo", envOr("SWITCHBOARD_DEMO", "") == "1", "seed a demo setup (extensions, a queue, an IVR) at first start")
	f.StringVar(&sipDigest, "sip-digest", envOr("SWITCHBOARD_SIP_DIGEST", "MD5"), "digest algorithms offered to phones, in order: MD5, SHA-256 or both (e.g. SHA-256,MD5; some phones fail when offered one they lack)")
	f.DurationVar(&ringTimeout, "ring-timeout", envDuration("SWITCHBOARD_RING_TIMEOUT", 30*time.Second), "how long an extension rings before the caller gets 480")
	f.StringVar(&webTLS.mode, "https", envOr("SWITCHBOARD_HTTPS", "auto"), "serve the web panel over HTTPS: auto (plain HTTP on loopback only), on, off (loopback only)")
	f.StringVar(&webTLS.cert, "tls-cert", envOr("SWITCHBOARD_TLS_CERT", ""), "certificate file for HTTPS (default: a self-signed one made at first start)")
	f.StringVar(&webTLS.key, "tls-key", envOr("SWITCHBOARD_TLS_KEY", ""), "key file for --tls-cert")
	f.StringVar(&pprofAddr, "pprof", envOr("SWITCHBOARD_PPROF", ""), "serve Go profiles (net/http/pprof) on this loopback address, e.g. 127.0.0.1:6060 (default: off)")
	f.StringVar(&rt.LogLevel, "log-level", envOr("SWITCHBOARD_LOG_LEVEL", "info"), "log level: debug, info, warn, error")
	return cmd
}

// serve runs every part of the appliance until SIGINT or SIGTERM; a second
// signal exits at once. sipCfg carries the SIP flags that are not part of
// config.Runtime; pprofAddr, when set, is the profiler's loopback address.
func serve(cmd *cobra.Command, rt config.Runtime, sipCfg sip.Config, webTLS tlsFlags, pprofAddr string) error {
	level, _ := rt.Level()
	log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
	if os.Getenv("GOGC") == "" {
		// The call path allocates per SIP message; half as many garbage
		// collections bought ~10 % more calls per CPU second in the queue
		// load test for a few MB of heap. GOGC still overrides it.
		debug.SetGCPercent(200)
	}

	var pprofLn net.Listener
	if pprofAddr != "" {
		ln, err := listenPprof(pprofAddr)
		if err != nil {
			return err
		}
		pprofLn = ln
		defer ln.Close()
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second signal now kills the process the default way
	}()

	st, err := store.Open(ctx, rt.DataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	if rt.Demo {
		if err := seedDemo(ctx, st, cmd.OutOrStdout()); err != nil {
			return err
		}
	}

	realm, err := st.Setting(ctx, config.KeyRealm)
	if errors.Is(err, store.ErrNotFound) {
		realm = config.DefaultRealm
	} else if err != nil {
		return err
	}

	bus := events.NewBus()
	// dist is the distributor of every channel; each channel registers its
	// offers' handler with dist.Handle (voice: the B2BUA; chat: chat.New).
	dist, err := newDistributor(ctx, st, bus, log.With("sub", "acd"))
	if err != nil {
		return err
	}
	lo, hi, _ := rt.RTPRange()
	eng, err := media.NewEngine(media.Config{PortMin: lo, PortMax: hi, Logger: log.With("sub", "media")})
	if err != nil {
		return err
	}
	zone, err := settingsLocation(ctx, st)
	if err != nil {
		return err
	}
	country, err := st.Setting(ctx, config.KeyCountry)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	customers, err := customer.New(st, customer.Config{DefaultCountry: country})
	if err != nil {
		return err
	}
	mailSvc, err := newMail(ctx, st, dist, customers, log.With("sub", "mail"))
	if err != nil {
		return err
	}
	// The contact page's email form feeds the email channel through the
	// mailbox of the queue, when one serves it (mailboxes follow the
	// configuration).
	ivrLive := ivr.DistributorLive(dist, customers, mailSvc)
	var sipSrv *sip.Server
	place := func(ctx context.Context, cb b2bua.Callback) error { return sipSrv.PlaceCallback(ctx, cb) }
	recordings := filepath.Join(rt.DataDir, "recordings")
	flows := newFlowCache(st)
	calendars := newStoreCalendars(st, zone.String())
	language := settingsLanguage(st, log)
	voiceSvc := newVoice(st, flows, dist, customers, ivrLive, calendars, language, eng, recordings, place, log.With("sub", "voice"))
	contactPage, err := newContactPage(st, flows, ivrLive, calendars, language, log.With("sub", "contact"))
	if err != nil {
		return err
	}
	sipCfg.Destinations, sipCfg.Local = voiceSvc, voiceSvc
	sipCfg.Recordings = recordings
	sipCfg.Listen, sipCfg.AdvertiseIP, sipCfg.Realm, sipCfg.Logger = rt.SIP, rt.PublicIP, realm, log.With("sub", "sip")
	if sipCfg.Trunks, err = trunk.Load(ctx, st); err != nil {
		return err
	}
	sipSrv, err = sip.New(st, eng, bus, sipCfg)
	if err != nil {
		return err
	}
	if err := sipSrv.Listen(ctx); err != nil {
		return err
	}
	// SIP answers at once (phones registering again after a restart)
	// while the panel starts; grp owns every service's goroutine, and a
	// start-up that fails below stops and waits for the ones started.
	svcCtx, cancelSvc := context.WithCancel(ctx)
	defer cancelSvc()
	grp, gctx := errgroup.WithContext(svcCtx)
	// The calls' appends (CDRs, IVR funnel) share transactions while the
	// writer runs; the SIP service still finishing calls after it stopped
	// writes them alone.
	grp.Go(func() error { return st.RunGroupCommit(gctx) })
	grp.Go(func() error { return sipSrv.Serve(gctx) })
	started := false
	defer func() {
		if !started {
			cancelSvc()
			grp.Wait()
		}
	}()
	dist.Handle(acd.Callback, voiceSvc.Callbacks())
	web, err := webui.New(st, bus, webui.Config{
		Listen:     rt.HTTP,
		TLS:        webTLS.enabled(rt.HTTP),
		CertFile:   webTLS.cert,
		KeyFile:    webTLS.key,
		DataDir:    rt.DataDir,
		Recordings: sipCfg.Recordings,
		Logger:     log.With("sub", "web"),
		Contact:    contactPage,
		Customers:  customers,
		Live:       webui.DistributorLive(dist),
		Mail:       webui.MailService(mailSvc),
		Supervisor: callSupervisor{dist: dist, sip: sipSrv},
	})
	if err != nil {
		return err
	}
	widgets, err := chat.LoadWidgets(ctx, st)
	if err != nil {
		return err
	}
	chatSrv, err := chat.New(ctx, st, customers, dist, chat.Config{Widgets: widgets, AgentFromRequest: web.AgentFromRequest,
		Language: language, Logger: log.With("sub", "chat")})
	if err != nil {
		return err
	}
	defer chatSrv.Close()
	web.MountChat(chatSrv)
	if err := web.Listen(ctx); err != nil {
		return err
	}
	if err := web.EnsureAdmin(ctx, cmd.OutOrStdout()); err != nil {
		return err
	}
	log.Info("switchboard ready", "version", version, "data", rt.DataDir, "sip", sipSrv.Addr().String(),
		"advertised", sipSrv.AdvertisedIP().String(), "web", webURL(web.Addr(), webTLS.enabled(rt.HTTP)))

	grp.Go(func() error { return web.Serve(gctx) })
	grp.Go(func() error { return dist.Run(gctx) })
	grp.Go(func() error { return mailSvc.Run(gctx) })
	grp.Go(func() error { return chatSrv.WatchWidgets(gctx) })
	if pprofLn != nil {
		grp.Go(func() error { return servePprof(gctx, pprofLn) })
	}
	started = true
	done := make(chan error, 1)
	go func() { done <- grp.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		log.Info("switchboard stopping: hanging up calls")
		select {
		case err = <-done:
		case <-time.After(shutdownGrace):
			return fmt.Errorf("serve: shutdown took longer than %s; exiting", shutdownGrace)
		}
	}
	voiceSvc.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("switchboard stopped")
	return nil
}

// tlsFlags are the web panel's HTTPS flags.
type tlsFlags struct {
	mode, cert, key string
}

func (t tlsFlags) validate() error {
	switch t.mode {
	case "auto", "on", "off":
	default:
		return fmt.Errorf("--https: want auto, on or off, got %q", t.mode)
	}
	if (t.cert == "") != (t.key == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together")
	}
	return nil
}

// enabled reports whether the panel at listen is served over HTTPS.
func (t tlsFlags) enabled(listen string) bool {
	switch t.mode {
	case "on":
		return true
	case "off":
		return false
	}
	host, _, _ := net.SplitHostPort(listen)
	ip, err := netip.ParseAddr(host)
	return t.cert != "" || err != nil || !ip.IsLoopback()
}

// webURL is where a person opens the panel.
func webURL(addr net.Addr, https bool) string {
	scheme := "http"
	if https {
		scheme = "https"
	}
	return scheme + "://" + addr.String() + "/"
}
