package main

import (
	"context"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboard-cc/switchboard/internal/store"
)

// globals are the flags every command shares.
type globals struct {
	dataDir string
}

func newRootCmd() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:           "switchboard",
		Short:         "On-premises omnichannel contact-center appliance",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.dataDir, "data", envOr("SWITCHBOARD_DATA", "./data"), "data directory (SQLite database, recordings, certificates)")
	root.AddCommand(
		newServeCmd(g),
		newVersionCmd(),
		newCDRCmd(g),
		newExtensionCmd(g),
		newConfigCmd(g),
		newMailboxCmd(g),
		newFlowCmd(g),
		newReportCmd(g),
		newTrunkCmd(g),
		newAgentCmd(g),
		newQueueCmd(g),
		newPromptCmd(g),
	)
	return root
}

// envOr returns the environment variable's value, or def when it is unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// envDuration returns the environment variable as a duration, or def when
// it is unset or unreadable (flag parsing then shows the default).
func envDuration(name string, def time.Duration) time.Duration {
	if v, ok := os.LookupEnv(name); ok {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return def
}

// openStore opens the data directory's database for an admin command.
func (g *globals) openStore(ctx context.Context) (*store.Store, error) {
	return store.Open(ctx, g.dataDir)
}

// withStore runs f on the data directory's database, closed after.
func (g *globals) withStore(cmd *cobra.Command, f func(ctx context.Context, st *store.Store) error) error {
	st, err := g.openStore(cmd.Context())
	if err != nil {
		return err
	}
	defer st.Close()
	return f(cmd.Context(), st)
}
