package main

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

func newTrunkCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trunk",
		Short: "Manage SIP trunks to providers and FXO gateways",
	}
	var t config.Trunk
	var country config.Country
	var expiry time.Duration
	add := &cobra.Command{
		Use:   "add NAME --type register|peer --host HOST[:PORT] [--username U --password P] [...]",
		Short: "Create or replace a trunk",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t.Name = args[0]
			t.Expiry = config.Duration(expiry)
			if country != (config.Country{}) {
				t.Country = &country
			}
			v := &config.Validator{}
			config.ValidateTrunk(v, "trunk", t)
			if err := v.Err(); err != nil {
				return err
			}
			st, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			return st.Update(cmd.Context(), func(tx *store.Tx) error { return tx.PutTrunk(cmd.Context(), config.TrunkRecord(t)) })
		},
	}
	f := add.Flags()
	f.StringVar(&t.Type, "type", "", "register (the appliance registers to a provider) or peer (matched by source address)")
	f.StringVar(&t.Host, "host", "", "provider or gateway, host or host:port")
	f.StringVar(&t.Username, "username", "", "digest user name (register trunks)")
	f.StringVar(&t.Password, "password", "", "digest password (register trunks)")
	f.StringVar(&t.Transport, "transport", "", "udp (default) or tcp")
	f.StringSliceVar(&t.Codecs, "codecs", nil, "codecs in order, e.g. PCMA,PCMU")
	f.StringVar(&t.DTMF, "dtmf", "", "rfc4733 (default), info or inband")
	f.StringVar(&t.OutboundProxy, "outbound-proxy", "", "send requests to this host:port instead of --host")
	f.StringVar(&country.Code, "country-code", "", "country calling code for E.164 (default 33)")
	f.StringVar(&country.NationalPrefix, "national-prefix", "", "national trunk prefix (default 0)")
	f.StringVar(&country.InternationalPrefix, "international-prefix", "", "international call prefix (default 00)")
	f.StringVar(&t.CalledFrom, "called-from", "", "where inbound calls carry the DID: ruri (default), to, or a header name")
	f.DurationVar(&expiry, "expiry", 0, "registration lifetime asked for (default 1h)")
	f.StringSliceVar(&t.DIDs, "did", nil, "E.164 numbers of the trunk (repeatable)")
	add.MarkFlagRequired("type")
	add.MarkFlagRequired("host")

	remove := &cobra.Command{
		Use:     "remove NAME",
		Aliases: []string{"rm"},
		Short:   "Remove a trunk",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			err = st.Update(cmd.Context(), func(tx *store.Tx) error { return tx.DeleteTrunk(cmd.Context(), args[0]) })
			if errors.Is(err, store.ErrNoTrunk) {
				return fmt.Errorf("trunk %s does not exist", args[0])
			}
			return err
		},
	}

	list := &cobra.Command{
		Use:   "list",
		Short: "List trunks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			trs, err := st.Trunks(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tTYPE\tHOST\tTRANSPORT\tDTMF\tDIDS")
			for _, t := range trs {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, t.Type, t.Host, orDefault(t.Transport, "udp"), orDefault(t.DTMF, "rfc4733"), strings.Join(t.DIDs, ","))
			}
			return w.Flush()
		},
	}

	status := &cobra.Command{
		Use:   "status [NAME]",
		Short: "Show each trunk's registration state as last reported by the running server",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := g.openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			trs, err := st.Trunks(ctx)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tSTATE\tEXPIRES\tUPDATED\tREASON")
			found := false
			for _, t := range trs {
				if len(args) == 1 && t.Name != args[0] {
					continue
				}
				found = true
				if t.Type == "peer" {
					fmt.Fprintf(w, "%s\tpeer\t-\t-\t\n", t.Name)
					continue
				}
				s, ok, err := st.TrunkStatus(ctx, t.Name)
				if err != nil {
					return err
				}
				if !ok {
					fmt.Fprintf(w, "%s\tunknown\t-\t-\tno status reported (is the server running?)\n", t.Name)
					continue
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", s.Name, s.State, trunkStamp(s.Expires), trunkStamp(s.Updated), s.Reason)
			}
			if len(args) == 1 && !found {
				return fmt.Errorf("trunk %s does not exist", args[0])
			}
			return w.Flush()
		},
	}
	cmd.AddCommand(add, remove, list, status)
	return cmd
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func trunkStamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339)
}
