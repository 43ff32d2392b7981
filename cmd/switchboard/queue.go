package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/acd/stats"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

func newQueueCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "queue",
		Short: "Queues of the distributor: live status and statistics (configured with `config import`, section queues:)",
	}
	status := &cobra.Command{
		Use:   "status",
		Short: "Show queues and agents now, from the running server's last snapshot",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withStore(cmd, func(ctx context.Context, st *store.Store) error {
				if err := printQueues(ctx, st, cmd.OutOrStdout()); err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout())
				return printAgents(ctx, st, cmd.OutOrStdout(), "", false)
			})
		},
	}
	var from, to string
	report := &cobra.Command{
		Use:   "report",
		Short: "Service level, speed of answer, handle time and abandonment per queue and agent, from the event log",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withStore(cmd, func(ctx context.Context, st *store.Store) error {
				return printReport(ctx, st, cmd.OutOrStdout(), from, to)
			})
		},
	}
	report.Flags().StringVar(&from, "from", "", "first day, YYYY-MM-DD in settings.timezone (default: the beginning of the log)")
	report.Flags().StringVar(&to, "to", "", "last day included, YYYY-MM-DD (default: today)")
	cmd.AddCommand(status, report)
	return cmd
}

// printQueues prints the queues of the last snapshot, or the configured
// queues when the distributor never ran.
func printQueues(ctx context.Context, st *store.Store, out io.Writer) error {
	snap, ok, err := loadSnapshot(ctx, st)
	if err != nil {
		return err
	}
	printSnapshotAge(out, snap, ok)
	if !ok {
		qs, _, err := config.LoadACD(ctx, st)
		if err != nil {
			return err
		}
		for _, q := range qs {
			snap.Queues = append(snap.Queues, acd.QueueStatus{Name: q.Name, ServiceLevel: 1})
		}
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "QUEUE\tWAITING\tOFFERED\tHELD\tLONGEST WAIT\tANSWERED\tABANDONED\tSERVICE LEVEL\tEXPECTED WAIT\tLOGGED IN\tAVAILABLE")
	for _, q := range snap.Queues {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%d\t%d\t%s\t%s\t%d\t%d\n", q.Name, q.Waiting, q.Offered, q.Held, age(q.LongestWait),
			q.Answered, q.Abandoned, percent(q.ServiceLevel), age(q.ExpectedWait), q.LoggedIn, q.Available)
	}
	return tw.Flush()
}

func percent(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }

// printReport prints the statistics of the visits that entered between the
// days from and to (both included, in settings.timezone).
func printReport(ctx context.Context, st *store.Store, out io.Writer, from, to string) error {
	loc, err := settingsLocation(ctx, st)
	if err != nil {
		return err
	}
	opts := stats.Options{Location: loc, Targets: map[string]time.Duration{}}
	if from != "" {
		if opts.From, err = time.ParseInLocation(time.DateOnly, from, loc); err != nil {
			return fmt.Errorf("--from: want a date like 2026-11-23, got %q", from)
		}
	}
	if to != "" {
		d, err := time.ParseInLocation(time.DateOnly, to, loc)
		if err != nil {
			return fmt.Errorf("--to: want a date like 2026-11-23, got %q", to)
		}
		opts.To = d.AddDate(0, 0, 1)
	}
	qs, _, err := config.LoadACD(ctx, st)
	if err != nil {
		return err
	}
	for _, q := range qs {
		if q.ServiceLevel > 0 {
			opts.Targets[q.Name] = q.ServiceLevel.Std()
		}
	}
	// Events after To still count: a visit that entered in the window may
	// be answered or completed after it.
	rows, err := st.ACDEvents(ctx, opts.From, time.Time{})
	if err != nil {
		return err
	}
	evs := make([]stats.Event, 0, len(rows))
	for _, r := range rows {
		evs = append(evs, stats.Event{Seq: r.Seq, At: r.At, Kind: stats.Kind(r.Kind), Item: r.Item, Channel: r.Channel,
			Queue: r.Queue, Agent: r.Agent, Target: r.Target})
	}
	rep := stats.Compute(evs, opts)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "QUEUE\tENTERED\tANSWERED\tIN TARGET\tABANDONED\tSHORT ABANDONS\tOVERFLOWED\tTRANSFERRED\tSERVICE LEVEL\tABANDON RATE\tASA\tAHT\tLONGEST WAIT")
	for _, q := range rep.Queues {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n", q.Queue, q.Entered, q.Answered, q.AnsweredInTarget,
			q.Abandoned, q.ShortAbandoned, q.Overflowed, q.Transferred, percent(q.ServiceLevel), percent(q.AbandonRate),
			age(q.ASA), age(q.AHT), age(q.LongestWait))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out)
	tw = tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AGENT\tOFFERED\tANSWERED\tDECLINED\tNO ANSWER\tTRANSFERRED\tHANDLED\tAHT")
	for _, a := range rep.Agents {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", a.Agent, a.Offered, a.Answered, a.Declines, a.NoAnswers, a.Transferred, a.Handled, age(a.AHT))
	}
	return tw.Flush()
}
