package main

import (
	"encoding/csv"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard-cc/switchboard/internal/store"
)

func newCDRCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cdr",
		Short: "Call detail records",
	}
	var f store.CDRFilter
	var since string
	addFilters := func(c *cobra.Command) {
		c.Flags().StringVar(&f.Number, "number", "", "only calls from or to this number")
		c.Flags().StringVar(&f.Disposition, "disposition", "", "only this disposition (answered, busy, no-answer, cancelled, …)")
		c.Flags().StringVar(&since, "since", "", "only calls started within this duration, e.g. 24h")
		c.Flags().BoolVar(&f.Transferred, "transferred", false, "only the records either end of a call transfer")
		c.Flags().IntVar(&f.Limit, "limit", 1000, "at most this many records, newest first")
	}
	load := func(cmd *cobra.Command) ([]store.CDR, error) {
		if since != "" {
			d, err := time.ParseDuration(since)
			if err != nil {
				return nil, fmt.Errorf("--since: %q is not a duration", since)
			}
			f.From = time.Now().Add(-d)
		}
		st, err := g.openStore(cmd.Context())
		if err != nil {
			return nil, err
		}
		defer st.Close()
		return st.ListCDRs(cmd.Context(), f)
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List call records, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cdrs, err := load(cmd)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "STARTED\tCALLER\tCALLEE\tDISPOSITION\tDURATION\tCAUSE\tPACKETS A>B\tPACKETS B>A")
			for _, c := range cdrs {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", c.StartedAt.Format(time.DateTime), c.Caller, c.Callee,
					c.Disposition, c.Duration().Round(time.Second), c.HangupCause, c.PacketsAToB, c.PacketsBToA)
			}
			return w.Flush()
		},
	}
	addFilters(list)
	var asCSV bool
	export := &cobra.Command{
		Use:   "export --csv",
		Short: "Export call records as CSV",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !asCSV {
				return fmt.Errorf("choose a format: --csv")
			}
			cdrs, err := load(cmd)
			if err != nil {
				return err
			}
			w := csv.NewWriter(cmd.OutOrStdout())
			w.Write([]string{"id", "call_id", "caller", "callee", "started_at", "answered_at", "ended_at", "duration_s",
				"disposition", "hangup_cause", "sip_status", "packets_a_to_b", "packets_b_to_a", "lost_a", "lost_b", "jitter_a_ms", "jitter_b_ms", "codec", "trunk", "trunk_number", "recording", "queue",
				"transferred_by", "transferred_to", "transferred_from"})
			for _, c := range cdrs {
				w.Write([]string{strconv.FormatInt(c.ID, 10), c.CallID, c.Caller, c.Callee, stamp(c.StartedAt), stamp(c.AnsweredAt), stamp(c.EndedAt),
					strconv.FormatFloat(c.Duration().Seconds(), 'f', 1, 64), c.Disposition, c.HangupCause, strconv.Itoa(c.SIPStatus),
					strconv.FormatUint(c.PacketsAToB, 10), strconv.FormatUint(c.PacketsBToA, 10), strconv.FormatUint(c.LostA, 10), strconv.FormatUint(c.LostB, 10),
					strconv.FormatFloat(float64(c.JitterA.Microseconds())/1000, 'f', 2, 64), strconv.FormatFloat(float64(c.JitterB.Microseconds())/1000, 'f', 2, 64), c.Codec, c.Trunk, c.TrunkNumber, c.Recording, c.Queue,
					c.TransferredBy, c.TransferredTo, idCell(c.TransferredFrom)})
			}
			w.Flush()
			return w.Error()
		},
	}
	addFilters(export)
	export.Flags().BoolVar(&asCSV, "csv", false, "CSV with a header line")
	cmd.AddCommand(list, export)
	return cmd
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// idCell is a record id as a CSV cell, empty for none (as the panel's CSV).
func idCell(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}
