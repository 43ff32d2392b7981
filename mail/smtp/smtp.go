// Package smtp submits the email channel's outgoing messages (replies and
// acknowledgements) through github.com/emersion/go-smtp: SMTP submission
// with STARTTLS (RFC 3207) and AUTH PLAIN (RFC 4954), or implicit TLS
// (RFC 8314). Plain text is allowed only to a loopback host.
package smtp

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// Config tunes a Sender. Zero fields mean the defaults.
type Config struct {
	// Timeout bounds one submission when ctx has no deadline (default 30 s).
	Timeout time.Duration
	// TLS is the client TLS configuration (default: verify against the
	// system roots for the URL's host).
	TLS *tls.Config
	// LocalName is the EHLO name (default "localhost").
	LocalName string
}

// Sender submits messages to one server.
type Sender struct {
	addr       string
	host       string
	implicit   bool
	user, pass string
	cfg        Config
}

// New returns a Sender for rawURL: "smtps://user:pass@host[:465]" (implicit
// TLS) or "smtp://user:pass@host[:587]" (STARTTLS required, except to a
// loopback host, where plain text is used).
func New(rawURL string, cfg Config) (*Sender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error quotes the URL, password included
		}
		return nil, fmt.Errorf("smtp: url: %w", err)
	}
	s := &Sender{host: u.Hostname(), cfg: cfg}
	port := u.Port()
	switch u.Scheme {
	case "smtps":
		s.implicit = true
		if port == "" {
			port = "465"
		}
	case "smtp":
		if port == "" {
			port = "587"
		}
	default:
		return nil, fmt.Errorf("smtp: url scheme %q: %w", u.Scheme, ErrScheme)
	}
	if s.host == "" {
		return nil, fmt.Errorf("smtp: url %q: no host", u.Redacted())
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	if s.cfg.Timeout <= 0 {
		s.cfg.Timeout = 30 * time.Second
	}
	if s.cfg.LocalName == "" {
		s.cfg.LocalName = "localhost"
	}
	return s, nil
}

// Addr returns the host:port submitted to.
func (s *Sender) Addr() string { return s.addr }

func (s *Sender) loopback() bool {
	if s.host == "localhost" {
		return true
	}
	ip := net.ParseIP(s.host)
	return ip != nil && ip.IsLoopback()
}

// Send submits msg from the envelope sender from to the recipients to.
func (s *Sender) Send(ctx context.Context, from string, to []string, msg []byte) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.Timeout)
		defer cancel()
	}
	deadline, _ := ctx.Deadline()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("smtp: dial %s: %w", s.addr, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	conn.SetDeadline(deadline)
	tlsCfg := s.cfg.TLS
	if tlsCfg == nil {
		tlsCfg = &tls.Config{ServerName: s.host}
	}
	var c *gosmtp.Client
	switch {
	case s.implicit:
		c = gosmtp.NewClient(tls.Client(conn, tlsCfg))
	case s.loopback():
		c = gosmtp.NewClient(conn)
	default:
		if c, err = gosmtp.NewClientStartTLS(conn, tlsCfg); err != nil {
			conn.Close()
			return fmt.Errorf("smtp: starttls %s: %w", s.addr, err)
		}
	}
	defer c.Close()
	if err := c.Hello(s.cfg.LocalName); err != nil {
		return fmt.Errorf("smtp: hello %s: %w", s.addr, err)
	}
	if s.user != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.user, s.pass)); err != nil {
			return fmt.Errorf("smtp: auth %s: %w", s.addr, err)
		}
	}
	if err := c.SendMail(from, to, bytes.NewReader(msg)); err != nil {
		return fmt.Errorf("smtp: send via %s: %w", s.addr, err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("smtp: quit %s: %w", s.addr, err)
	}
	return nil
}
