package config

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// Mailbox is one entry of the `mailboxes:` section: a support mailbox
// watched over IMAP whose mail becomes email work items of Queue. The IMAP
// and SMTP URLs carry user and password ("imaps://user:pass@host"); the
// passwords are stored and exported as given, because the appliance must
// present them to the servers.
type Mailbox struct {
	Name string `yaml:"name"`
	// IMAP is imaps://user:pass@host[:993][/folder] or imap://… (STARTTLS;
	// plain text only to a loopback host).
	IMAP string `yaml:"imap"`
	// SMTP is smtps://user:pass@host[:465] or smtp://…[:587] (STARTTLS;
	// plain text only to a loopback host); empty disables replies.
	SMTP        string   `yaml:"smtp,omitempty"`
	Queue       string   `yaml:"queue"`
	From        string   `yaml:"from,omitempty"`
	Acknowledge bool     `yaml:"acknowledge,omitempty"`
	Poll        Duration `yaml:"poll_interval,omitempty"`
}

var mailboxNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

func validateMailboxes(v *Validator, ms []Mailbox) {
	seen := map[string]int{}
	for i, m := range ms {
		path := fmt.Sprintf("mailboxes[%d]", i)
		if !mailboxNameRE.MatchString(m.Name) {
			v.Errorf(path+".name", "must be 1 to 63 lower-case letters, digits, - or _, got %q", m.Name)
		} else if j, dup := seen[m.Name]; dup {
			v.Errorf(path+".name", "%s is already used by mailboxes[%d]", m.Name, j)
		}
		seen[m.Name] = i
		if msg := mailURLProblem(m.IMAP, "imap", "imaps", true); msg != "" {
			v.Errorf(path+".imap", "%s", msg)
		}
		if m.SMTP != "" {
			if msg := mailURLProblem(m.SMTP, "smtp", "smtps", false); msg != "" {
				v.Errorf(path+".smtp", "%s", msg)
			}
			if !strings.Contains(m.From, "@") {
				v.Errorf(path+".from", "an address is required to send replies, got %q", m.From)
			}
		}
		if strings.TrimSpace(m.Queue) == "" {
			v.Errorf(path+".queue", "required")
		}
		if m.Poll < 0 || (m.Poll > 0 && m.Poll.Std() < time.Second) {
			v.Errorf(path+".poll_interval", "must be at least 1s, got %s", m.Poll.Std())
		}
	}
}

// mailURLProblem describes what is wrong with a mail server URL, "" if
// nothing.
func mailURLProblem(raw, plain, tls string, needUser bool) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != plain && u.Scheme != tls) || u.Hostname() == "" {
		return fmt.Sprintf("must be %s://user:pass@host[:port] or %s://…, got %q", tls, plain, redactURL(raw))
	}
	if needUser && (u.User == nil || u.User.Username() == "") {
		return fmt.Sprintf("a user is required, as in %s://user:pass@%s", u.Scheme, u.Host)
	}
	return ""
}

// redactURL hides a password in an error message.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(unparseable)"
}

func applyMailboxes(ctx context.Context, tx *store.Tx, ms []Mailbox) error {
	rows := make([]store.MailboxConfig, 0, len(ms))
	for _, m := range ms {
		rows = append(rows, store.MailboxConfig{Name: m.Name, IMAP: m.IMAP, SMTP: m.SMTP, Queue: m.Queue, From: m.From, Acknowledge: m.Acknowledge, PollInterval: m.Poll.Std()})
	}
	if err := tx.ReplaceMailboxes(ctx, rows); err != nil {
		return err
	}
	return tx.BumpConfigRev(ctx) // the running mail service reloads them
}

func exportMailboxes(ctx context.Context, st *store.Store) ([]Mailbox, error) {
	rows, err := st.MailboxConfigs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Mailbox, 0, len(rows))
	for _, r := range rows {
		out = append(out, Mailbox{Name: r.Name, IMAP: r.IMAP, SMTP: r.SMTP, Queue: r.Queue, From: r.From, Acknowledge: r.Acknowledge, Poll: Duration(r.PollInterval)})
	}
	return out, nil
}
