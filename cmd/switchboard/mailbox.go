package main

import (
	"fmt"
	"net/url"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func newMailboxCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mailbox",
		Short: "Email channel mailboxes (configured with `config import`, section mailboxes:)",
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the configured mailboxes (passwords hidden)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			ms, err := st.MailboxConfigs(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tIMAP\tSMTP\tQUEUE\tFROM\tACKNOWLEDGE\tPOLL")
			for _, m := range ms {
				poll := "default"
				if m.PollInterval > 0 {
					poll = m.PollInterval.String()
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%v\t%s\n", m.Name, redacted(m.IMAP), redacted(m.SMTP), m.Queue, m.From, m.Acknowledge, poll)
			}
			return w.Flush()
		},
	}
	status := &cobra.Command{
		Use:   "status",
		Short: "Show each mailbox's connection state, last error and ingest cursor, as last recorded by the server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			ms, err := st.MailboxConfigs(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tCONNECTED\tUIDVALIDITY\tLAST UID\tUPDATED\tLAST ERROR")
			for _, m := range ms {
				s, err := st.MailboxState(cmd.Context(), m.Name)
				if err != nil {
					return err
				}
				updated := "never"
				if s.UpdatedAt.Unix() > 0 {
					updated = s.UpdatedAt.Format(time.DateTime)
				}
				fmt.Fprintf(w, "%s\t%v\t%d\t%d\t%s\t%s\n", m.Name, s.Connected, s.UIDValidity, s.LastUID, updated, s.LastError)
			}
			return w.Flush()
		},
	}
	cmd.AddCommand(list, status)
	return cmd
}

// redacted hides the password of a mail server URL.
func redacted(raw string) string {
	if raw == "" {
		return "-"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid)"
	}
	return u.Redacted()
}
