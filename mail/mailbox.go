package mail

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/mail/smtp"
)

// Mailbox is one watched support mailbox.
type Mailbox struct {
	// Name identifies the mailbox in the store, the CLI and the YAML file.
	Name string
	// IMAP is "imaps://user:pass@host[:993][/folder]" (implicit TLS) or
	// "imap://user:pass@host[:143][/folder]" (STARTTLS; plain text only to a
	// loopback host). The folder defaults to INBOX.
	IMAP string
	// SMTP is where replies are submitted, see smtp.New; "" disables
	// replies and acknowledgements.
	SMTP string
	// Queue is the distributor queue new items go to.
	Queue string
	// From is the address replies are sent from.
	From string
	// Acknowledge sends an acknowledgement with the ticket number to each
	// new conversation (never to automated mail).
	Acknowledge bool
	// PollInterval is how often the mailbox is checked when the server
	// offers no IDLE, and the longest IDLE before a re-check (default 1 m).
	PollInterval time.Duration
}

// Validate checks the mailbox and names the faulty field.
func (m Mailbox) Validate() error {
	if m.Name == "" {
		return fmt.Errorf("mail: mailbox name: required")
	}
	if _, err := parseIMAP(m.IMAP); err != nil {
		return fmt.Errorf("mail: mailbox %s: imap: %w", m.Name, err)
	}
	if m.SMTP != "" {
		if _, err := smtp.New(m.SMTP, smtp.Config{}); err != nil {
			return fmt.Errorf("mail: mailbox %s: smtp: %w", m.Name, err)
		}
		if !strings.Contains(m.From, "@") {
			return fmt.Errorf("mail: mailbox %s: from: an address is required to send", m.Name)
		}
	}
	if m.Queue == "" {
		return fmt.Errorf("mail: mailbox %s: queue: required", m.Name)
	}
	if m.PollInterval < 0 {
		return fmt.Errorf("mail: mailbox %s: poll_interval: negative", m.Name)
	}
	return nil
}

// imapTarget is a parsed IMAP URL.
type imapTarget struct {
	addr, host string
	implicit   bool
	plain      bool
	user, pass string
	folder     string
}

func parseIMAP(raw string) (imapTarget, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error quotes the URL, password included
		}
		return imapTarget{}, fmt.Errorf("imap url: %w", err)
	}
	t := imapTarget{host: u.Hostname(), folder: strings.Trim(u.Path, "/")}
	if t.folder == "" {
		t.folder = "INBOX"
	}
	port := u.Port()
	switch u.Scheme {
	case "imaps":
		t.implicit = true
		if port == "" {
			port = "993"
		}
	case "imap":
		if port == "" {
			port = "143"
		}
		t.plain = isLoopback(t.host)
	default:
		return t, fmt.Errorf("scheme %q: must be imap or imaps", u.Scheme)
	}
	if t.host == "" {
		return t, fmt.Errorf("no host")
	}
	if u.User == nil || u.User.Username() == "" {
		return t, fmt.Errorf("no user")
	}
	t.user = u.User.Username()
	t.pass, _ = u.User.Password()
	t.addr = net.JoinHostPort(t.host, port)
	return t, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
