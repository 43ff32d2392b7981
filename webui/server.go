package webui

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-cc/switchboard/internal/customer"
	"github.com/switchboard-cc/switchboard/internal/events"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

// Config configures the web panel; zero values mean the defaults.
type Config struct {
	// Listen is the TCP address (default "127.0.0.1:8080").
	Listen string
	// TLS serves HTTPS. With CertFile and KeyFile empty, a self-signed
	// certificate is generated at first start in DataDir and reused after.
	TLS      bool
	CertFile string
	KeyFile  string
	// DataDir holds the generated certificate.
	DataDir string
	// Recordings is the directory of recorded calls (CDRs name files in it).
	Recordings string
	// Supervisor joins supervisors' phones to agents' calls; nil disables
	// listen, whisper and barge.
	Supervisor Supervisor
	// Logger receives request errors (default slog.Default()).
	Logger *slog.Logger
	// Auth tunes sessions and login throttling; Auth.Secure is set from TLS.
	Auth auth.Config
	// ShutdownTimeout bounds the graceful shutdown of Serve (default 10s).
	ShutdownTimeout time.Duration
	// ReadHeaderTimeout bounds the reading of a request's header (default
	// 10s), BodyTimeout of its body (default 1m, ten times that for a
	// prompt upload), IdleTimeout a kept-alive connection's wait for its
	// next request (default 2m).
	ReadHeaderTimeout time.Duration
	BodyTimeout       time.Duration
	IdleTimeout       time.Duration
	// EventWriteTimeout bounds each write of an event stream (the
	// wallboard's, the console's screen pops): a client that reads
	// nothing for that long is dropped (default 30s).
	EventWriteTimeout time.Duration
	// DownloadWriteTimeout bounds the wait of a download (a recording, a
	// CSV or configuration export, an email attachment or message, a
	// prompt's audio) for its client to take each next 64 KiB: a client
	// that stops reading is dropped, one that reads slowly is not
	// (default 30s).
	DownloadWriteTimeout time.Duration
	// MaxConnsPerIP bounds the connections one address (an IPv6 /64)
	// holds open at once; the next are closed as they come (default 256).
	MaxConnsPerIP int
	// MaxConns bounds the connections the panel holds open at once, all
	// addresses together (WebSockets included until they close); the next
	// are closed as they come (default 4096).
	MaxConns int
	// Contact, when set, is mounted at /contact/ (the visual contact page).
	Contact http.Handler
	// Customers, when set, gives the console its customer search and
	// screen pop (record and cross-channel timeline).
	Customers *customer.Directory
	// Live, when set, feeds the wallboard and the console's presence
	// control (the distributor).
	Live Live
	// Mail, when set, shows the agent the emails the distributor gave
	// them and sends their replies (MailService); nil when no mailbox is
	// configured.
	Mail Mail
}

// Validate checks the configuration and names the field at fault.
func (c Config) Validate() error {
	host, _, err := net.SplitHostPort(c.listen())
	if err != nil {
		return fmt.Errorf("webui: Listen %q: %w", c.Listen, err)
	}
	if !c.TLS {
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("webui: Listen %q: %w", c.Listen, ErrPlainHTTP)
		}
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		return errors.New("webui: CertFile and KeyFile must be given together")
	}
	if c.ReadHeaderTimeout < 0 || c.BodyTimeout < 0 || c.IdleTimeout < 0 || c.EventWriteTimeout < 0 || c.DownloadWriteTimeout < 0 || c.MaxConnsPerIP < 0 || c.MaxConns < 0 {
		return errors.New("webui: ReadHeaderTimeout, BodyTimeout, IdleTimeout, EventWriteTimeout, DownloadWriteTimeout, MaxConnsPerIP and MaxConns must not be negative")
	}
	if c.TLS && c.CertFile == "" && c.DataDir == "" {
		return errors.New("webui: DataDir is needed to keep a generated certificate")
	}
	return nil
}

func (c Config) listen() string {
	if c.Listen == "" {
		return "127.0.0.1:8080"
	}
	return c.Listen
}

// Server is the web panel.
type Server struct {
	st      *store.Store
	bus     *events.Bus
	cfg     Config
	log     *slog.Logger
	auth    *auth.Manager
	handler http.Handler
	pages   *pages

	// acdEdit serializes the agent and queue edits (read, change, apply).
	acdEdit sync.Mutex

	chat       atomic.Pointer[http.Handler] // agent side, set by MountChat
	chatPublic atomic.Pointer[http.Handler] // widget and visitors, set by MountChat

	ln  net.Listener
	tls *tls.Config
}

// New builds the panel over the store and the event bus.
func New(st *store.Store, bus *events.Bus, cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	cfg.ReadHeaderTimeout = cmp.Or(cfg.ReadHeaderTimeout, defaultReadHeaderTimeout)
	cfg.BodyTimeout = cmp.Or(cfg.BodyTimeout, defaultBodyTimeout)
	cfg.IdleTimeout = cmp.Or(cfg.IdleTimeout, defaultIdleTimeout)
	cfg.MaxConnsPerIP = cmp.Or(cfg.MaxConnsPerIP, defaultMaxConnsPerIP)
	cfg.MaxConns = cmp.Or(cfg.MaxConns, defaultMaxConns)
	cfg.EventWriteTimeout = cmp.Or(cfg.EventWriteTimeout, defaultEventWriteTimeout)
	cfg.DownloadWriteTimeout = cmp.Or(cfg.DownloadWriteTimeout, defaultDownloadWriteTimeout)
	cfg.Auth.Secure = cfg.TLS
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	s := &Server{st: st, bus: bus, cfg: cfg, log: cfg.Logger, auth: auth.New(st, cfg.Auth), pages: p}
	s.handler = s.routes()
	return s, nil
}

// Handler returns the panel's root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Auth returns the account manager (used by the CLI and tests to create
// users and tokens).
func (s *Server) Auth() *auth.Manager { return s.auth }

// Listen binds the configured address and prepares TLS.
func (s *Server) Listen(ctx context.Context) error {
	if s.cfg.TLS {
		certFile, keyFile := s.cfg.CertFile, s.cfg.KeyFile
		if certFile == "" {
			var err error
			if certFile, keyFile, err = ensureSelfSigned(s.cfg.DataDir, time.Now()); err != nil {
				return err
			}
		}
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return fmt.Errorf("webui: load certificate: %w", err)
		}
		s.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.listen())
	if err != nil {
		return fmt.Errorf("webui: listen %s: %w", s.cfg.listen(), err)
	}
	s.ln = ln
	return nil
}

// Addr returns the bound address after Listen.
func (s *Server) Addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Serve serves until ctx ends, then shuts down gracefully within
// ShutdownTimeout and returns. It drops expired sessions every hour.
func (s *Server) Serve(ctx context.Context) error {
	if s.ln == nil {
		return ErrNotListening
	}
	var ln net.Listener = newLimitListener(s.ln, s.cfg.MaxConns, s.cfg.MaxConnsPerIP)
	if s.tls != nil {
		ln = tls.NewListener(ln, s.tls)
	}
	srv := &http.Server{
		Handler:           bodyDeadline(s.cfg.BodyTimeout, s.handler),
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	purge := time.NewTicker(time.Hour)
	defer purge.Stop()
	for running := true; running; {
		select {
		case err := <-errc:
			return fmt.Errorf("webui: serve: %w", err)
		case <-purge.C:
			if err := s.st.PurgeWebSessions(ctx, time.Now()); err != nil {
				s.log.Warn("webui: purge expired sessions", "err", err)
			}
		case <-ctx.Done():
			running = false
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		srv.Close()
	}
	<-errc
	if err != nil {
		return fmt.Errorf("webui: shutdown: %w", err)
	}
	return nil
}

// EnsureAdmin creates the user "admin" with a random password when no user
// exists yet, and prints the password once to out.
func (s *Server) EnsureAdmin(ctx context.Context, out io.Writer) error {
	users, err := s.st.WebUsers(ctx)
	if err != nil {
		return fmt.Errorf("webui: ensure admin: %w", err)
	}
	if len(users) > 0 {
		return nil
	}
	pw := rand.Text()
	if err := s.auth.CreateUser(ctx, "admin", auth.RoleAdmin, pw, "Administrator"); err != nil {
		return fmt.Errorf("webui: ensure admin: %w", err)
	}
	_, err = fmt.Fprintf(out, "web panel: created user \"admin\" with password %s (shown only once)\n", pw)
	return err
}
