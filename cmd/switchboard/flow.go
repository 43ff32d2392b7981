package main

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/ivr/calendar"
)

func newFlowCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "flow",
		Short: "List, show and validate IVR flows",
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the stored flows",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			flows, err := config.ExportFlows(cmd.Context(), st)
			if err != nil {
				return err
			}
			settings, err := config.StoredLanguage(cmd.Context(), st)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tNUMBER\tLANGUAGE\tSTART\tNODES")
			for _, f := range flows {
				lang := f.Language
				if lang == "" {
					lang = settings + " (settings)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", f.Name, f.Number, lang, f.Start, len(f.Nodes))
			}
			return tw.Flush()
		},
	}
	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Print a stored flow as YAML",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			flows, err := config.ExportFlows(cmd.Context(), st)
			if err != nil {
				return err
			}
			for _, f := range flows {
				if f.Name == args[0] {
					enc := yaml.NewEncoder(cmd.OutOrStdout())
					enc.SetIndent(2)
					if err := enc.Encode(f); err != nil {
						return err
					}
					return enc.Close()
				}
			}
			return fmt.Errorf("flow %s: not found", args[0])
		},
	}
	validate := &cobra.Command{
		Use:   "validate FILE.yaml",
		Short: "Check the flows and calendars of a configuration file for both faces",
		Long: "Check the flows and calendars of a configuration file for both faces: unknown node\n" +
			"references, unreachable nodes, loops with no input, missing prompts, face-only nodes\n" +
			"without a fallback, calendar hours. Each problem names the flow, the node and the line.\n" +
			"Use - for standard input.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := readFileArg(cmd, args[0])
			if err != nil {
				return err
			}
			known, err := g.knownPrompts(cmd.Context())
			if err != nil {
				return err
			}
			problems, err := validateFlowFile(data, known)
			if err != nil {
				return fmt.Errorf("%s:\n%w", args[0], err)
			}
			if len(problems) > 0 {
				for _, p := range problems {
					fmt.Fprintln(cmd.ErrOrStderr(), p)
				}
				return fmt.Errorf("%s: %d problems", args[0], len(problems))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: valid\n", args[0])
			return nil
		},
	}
	cmd.AddCommand(list, show, validate)
	return cmd
}

func readFileArg(cmd *cobra.Command, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(io.LimitReader(cmd.InOrStdin(), 16<<20))
	}
	return os.ReadFile(name)
}

// validateFlowFile runs the file's checks, which include every flow check
// (an error naming flow, node and line) and the prompts and music known,
// then parses each calendar's hours
// (problems, each with its line).
func validateFlowFile(data []byte, known config.Known) ([]string, error) {
	f, err := config.ParseWith(data, known)
	if err != nil {
		return nil, err
	}
	var problems []string
	zone := ""
	if f.Settings != nil {
		zone = f.Settings.Timezone
	}
	for i, c := range f.Calendars {
		if _, err := calendar.FromConfig(c, zone); err != nil {
			path := fmt.Sprintf("calendars[%d]", i)
			problems = append(problems, fmt.Sprintf("%s (line %d): calendar %s: %v", path, config.LineOf(data, path), c.Name, err))
		}
	}
	return problems, nil
}
