package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/switchboard-cc/switchboard/internal/config"
)

func newConfigCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Import and export the YAML configuration file",
	}
	var dryRun bool
	imp := &cobra.Command{
		Use:   "import FILE.yaml",
		Short: "Validate a configuration file, then apply it in one transaction",
		Long: "Validate a configuration file, then apply it in one transaction.\n" +
			"Each section present in the file replaces that section; absent sections are left alone.\n" +
			"Any error (named by field path and line) applies nothing. Use - for standard input.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in := cmd.InOrStdin()
			if args[0] != "-" {
				fh, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer fh.Close()
				in = fh
			}
			data, err := io.ReadAll(io.LimitReader(in, 16<<20))
			if err != nil {
				return err
			}
			known, err := g.knownPrompts(cmd.Context())
			if err != nil {
				return err
			}
			f, err := config.ParseWith(data, known)
			if err != nil {
				return fmt.Errorf("%s: nothing applied:\n%w", args[0], err)
			}
			if dryRun {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: valid\n", args[0])
				return nil
			}
			st, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			if err := config.Apply(cmd.Context(), st, f); err != nil {
				return fmt.Errorf("%s: nothing applied: %w", args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: applied\n", args[0])
			return nil
		},
	}
	imp.Flags().BoolVar(&dryRun, "dry-run", false, "validate only")

	exp := &cobra.Command{
		Use:   "export",
		Short: "Print the whole configuration as YAML (passwords as hashes)",
		Long: "Print the whole configuration as YAML, every secret included: extension passwords as hashes,\n" +
			"trunk and mailbox passwords as stored. It is the full backup that `config import` restores;\n" +
			"the web panel's and the API's export hide secrets and are not one.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			f, err := config.Export(cmd.Context(), st)
			if err != nil {
				return err
			}
			data, err := f.Marshal()
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(data)
			return err
		},
	}
	cmd.AddCommand(imp, exp)
	return cmd
}
