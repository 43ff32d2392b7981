package main

import (
	"context"
	"os"

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

// openStore opens the data directory's database for an admin command.
func (g *globals) openStore(ctx context.Context) (*store.Store, error) {
	return store.Open(ctx, g.dataDir)
}
