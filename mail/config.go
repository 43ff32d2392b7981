package mail

import (
	"context"
	"fmt"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// LoadMailboxes returns the mailboxes configured in the store (the
// `mailboxes:` section of the configuration file).
func LoadMailboxes(ctx context.Context, st *store.Store) ([]Mailbox, error) {
	rows, err := st.MailboxConfigs(ctx)
	if err != nil {
		return nil, fmt.Errorf("mail: load mailboxes: %w", err)
	}
	out := make([]Mailbox, 0, len(rows))
	for _, r := range rows {
		out = append(out, Mailbox{Name: r.Name, IMAP: r.IMAP, SMTP: r.SMTP, Queue: r.Queue, From: r.From, Acknowledge: r.Acknowledge, PollInterval: r.PollInterval})
	}
	return out, nil
}
