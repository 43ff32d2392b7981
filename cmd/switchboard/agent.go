package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// presenceWait is how long `agent login|logout|pause` waits by default for
// a running server to apply the change (it polls requests every second).
const presenceWait = 3 * time.Second

func newAgentCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Agents' presence: log in, log out, pause, status (agents are configured with `config import`, section agents:)",
	}
	var wait time.Duration
	var channels []string
	login := &cobra.Command{
		Use:   "login NAME",
		Short: "Make an agent available (for some channels with --channels)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for i, c := range channels {
				if !slices.Contains(config.Channels, c) {
					return fmt.Errorf("--channels[%d]: unknown channel %q (one of %s)", i, c, strings.Join(config.Channels, ", "))
				}
			}
			return g.setPresence(cmd, wait, store.ACDPresence{Agent: args[0], Presence: acd.Available, Channels: channels})
		},
	}
	login.Flags().StringSliceVar(&channels, "channels", nil, "channels to take, e.g. voice,chat (default: every channel the agent serves)")
	logout := &cobra.Command{
		Use:   "logout NAME",
		Short: "Log an agent out (offline)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.setPresence(cmd, wait, store.ACDPresence{Agent: args[0], Presence: acd.Offline})
		},
	}
	var reason string
	pause := &cobra.Command{
		Use:   "pause NAME",
		Short: "Pause an agent (away, still logged in), with a reason",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(reason) > 64 {
				return fmt.Errorf("--reason: at most 64 characters")
			}
			return g.setPresence(cmd, wait, store.ACDPresence{Agent: args[0], Presence: acd.Away, Reason: reason})
		},
	}
	pause.Flags().StringVar(&reason, "reason", "", "why, e.g. lunch")
	for _, c := range []*cobra.Command{login, logout, pause} {
		c.Flags().DurationVar(&wait, "wait", presenceWait, "how long to wait for a running server to apply the change (0: do not wait)")
	}
	status := &cobra.Command{
		Use:   "status [NAME]",
		Short: "Show agents' presence and work, from the running server's last snapshot",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, st *store.Store) error {
				name := ""
				if len(args) == 1 {
					name = args[0]
					if err := checkAgent(ctx, st, name); err != nil {
						return err
					}
				}
				return printAgents(ctx, st, cmd.OutOrStdout(), name, true)
			})
		},
	}
	cmd.AddCommand(login, logout, pause, status)
	return cmd
}

// checkAgent fails when name is not a configured agent.
func checkAgent(ctx context.Context, st *store.Store, name string) error {
	_, agents, err := config.LoadACD(ctx, st)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(agents, func(a config.Agent) bool { return a.Name == name }) {
		return fmt.Errorf("agent %s: %w (configure it in the agents section)", name, acd.ErrNoAgent)
	}
	return nil
}

// setPresence queues a presence change for the running distributor and
// waits up to wait for it to show in the live snapshot. When no server
// applies it in time, the change is also written as the agent's stored
// presence, which the next start loads.
func (g *globals) setPresence(cmd *cobra.Command, wait time.Duration, p store.ACDPresence) error {
	return g.withStore(cmd, func(ctx context.Context, st *store.Store) error {
		return setPresence(ctx, st, cmd.OutOrStdout(), wait, p)
	})
}

func setPresence(ctx context.Context, st *store.Store, out io.Writer, wait time.Duration, p store.ACDPresence) error {
	if err := checkAgent(ctx, st, p.Agent); err != nil {
		return err
	}
	p.Since = time.Now().Truncate(time.Millisecond)
	if err := st.AddACDRequest(ctx, p); err != nil {
		return err
	}
	if applied(ctx, st, p, wait) {
		fmt.Fprintf(out, "%s is %s (applied by the running server)\n", p.Agent, describe(p.Presence, p.Reason, p.Channels))
		return nil
	}
	if err := st.PutACDPresence(ctx, p); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s is %s (stored; no running server applied it within %s, the next start will)\n",
		p.Agent, describe(p.Presence, p.Reason, p.Channels), wait)
	return nil
}

// applied polls the stored snapshot for up to wait until it was taken
// after p and shows the agent in p's state.
func applied(ctx context.Context, st *store.Store, p store.ACDPresence, wait time.Duration) bool {
	deadline := time.Now().Add(wait)
	for {
		if s, ok, _ := loadSnapshot(ctx, st); ok && !s.At.Before(p.Since) {
			for _, a := range s.Agents {
				if a.Name == p.Agent && a.Presence == p.Presence {
					return true
				}
			}
		}
		if !time.Now().Before(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// loadSnapshot reads the distributor's last stored live snapshot.
func loadSnapshot(ctx context.Context, st *store.Store) (acd.Snapshot, bool, error) {
	at, body, err := st.ACDSnapshot(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return acd.Snapshot{}, false, nil
	}
	if err != nil {
		return acd.Snapshot{}, false, err
	}
	var s acd.Snapshot
	if err := json.Unmarshal(body, &s); err != nil {
		return acd.Snapshot{}, false, fmt.Errorf("acd snapshot: %w", err)
	}
	s.At = at
	return s, true, nil
}

// describe renders a presence for people.
func describe(presence, reason string, channels []string) string {
	switch {
	case presence == acd.Away && reason != "":
		return "away (" + reason + ")"
	case presence == acd.Available && len(channels) > 0:
		return "available for " + strings.Join(channels, ", ")
	}
	return presence
}

// printAgents prints every agent (or only name) from the last snapshot,
// with the stored presence of agents changed since it was taken.
func printAgents(ctx context.Context, st *store.Store, out io.Writer, name string, header bool) error {
	snap, ok, err := loadSnapshot(ctx, st)
	if err != nil {
		return err
	}
	stored, err := st.ACDPresences(ctx)
	if err != nil {
		return err
	}
	_, agents, err := config.LoadACD(ctx, st)
	if err != nil {
		return err
	}
	now := time.Now()
	if header {
		printSnapshotAge(out, snap, ok)
	}
	live := map[string]acd.AgentStatus{}
	for _, a := range snap.Agents {
		live[a.Name] = a
	}
	byName := map[string]store.ACDPresence{}
	for _, p := range stored {
		byName[p.Agent] = p
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AGENT\tEXTENSION\tPRESENCE\tFOR\tHELD\tOFFERED\tFREE")
	changed := false
	for _, a := range agents {
		if name != "" && a.Name != name {
			continue
		}
		s, inSnap := live[a.Name]
		if !inSnap {
			s = acd.AgentStatus{Name: a.Name, Extension: a.Extension, Presence: acd.Offline, Capacity: a.Capacity}
		}
		presence := describe(s.Presence, s.Reason, channelNames(s.Channels))
		since := s.Since
		if p, ok := byName[a.Name]; ok && (!inSnap || p.Since.After(snap.At)) {
			presence, since = describe(p.Presence, p.Reason, p.Channels), p.Since
			if inSnap {
				presence += " *"
				changed = true
			}
		}
		held, offered, free := "-", "-", "-"
		if inSnap {
			held, offered, free = strings.Join(s.Held, ","), strings.Join(s.Offered, ","), fmt.Sprint(s.FreeCapacity)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Name, orDash(a.Extension), presence, sinceText(now, since), orDash(held), orDash(offered), free)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if changed {
		fmt.Fprintln(out, "* changed after the snapshot and not applied by a running server yet")
	}
	return nil
}

// printSnapshotAge says how old the snapshot is, or that there is none.
func printSnapshotAge(out io.Writer, snap acd.Snapshot, ok bool) {
	if ok {
		fmt.Fprintf(out, "Snapshot of the running server taken %s ago (written when something changes).\n", age(time.Since(snap.At)))
		return
	}
	fmt.Fprintln(out, "No snapshot: the distributor has not run on this data directory; showing the configuration and stored presence.")
}

func channelNames(cs []acd.Channel) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, string(c))
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// sinceText is how long ago t was, or "-" when unknown.
func sinceText(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return age(now.Sub(t))
}

// age renders a duration to the second.
func age(d time.Duration) string {
	return max(d, 0).Round(time.Second).String()
}
