package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/media/prompts"
)

func newPromptCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "prompt",
		Short: "Upload, list, export and remove voice prompts and music on hold",
		Long: "Upload, list, export and remove voice prompts and music on hold.\n" +
			"An uploaded prompt with a built-in prompt's name replaces it for its language;\n" +
			"a running server plays uploads from the next call on.",
	}
	var lang string
	var music bool
	kindFlags := func(c *cobra.Command) {
		c.Flags().StringVar(&lang, "lang", "", "language of the prompt (en or fr; default settings.language)")
		c.Flags().BoolVar(&music, "music", false, "music on hold instead of a prompt (no language)")
	}
	kind := func() string {
		if music {
			return prompts.KindMusic
		}
		return prompts.KindPrompt
	}
	// language resolves --lang: a prompt without one is in the settings
	// language.
	language := func(ctx context.Context, st *store.Store) (string, error) {
		if lang != "" || music {
			return lang, nil
		}
		return config.StoredLanguage(ctx, st)
	}
	add := &cobra.Command{
		Use:   "add NAME FILE.wav",
		Short: "Convert a WAV file (any common rate, channels and encoding) and store it",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[1])
			if err != nil {
				return err
			}
			defer f.Close()
			return g.withStore(cmd, func(ctx context.Context, st *store.Store) error {
				lang, err := language(ctx, st)
				if err != nil {
					return err
				}
				e, err := prompts.NewLibrary(st).Add(ctx, kind(), lang, args[0], f)
				if err != nil {
					return fmt.Errorf("%s: %w", args[1], err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: stored (%.1f s)\n", promptLabel(e.Kind, e.Lang, e.Name), e.Seconds())
				return nil
			})
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List built-in and uploaded prompts and music",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withStore(cmd, func(ctx context.Context, st *store.Store) error {
				entries, err := prompts.NewLibrary(st).List(ctx)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "KIND\tLANG\tNAME\tSOURCE\tSECONDS")
				for _, e := range entries {
					source := "built-in"
					switch {
					case e.Uploaded && e.BuiltIn:
						source = "uploaded (replaces built-in)"
					case e.Uploaded:
						source = "uploaded"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.1f\n", e.Kind, cmp.Or(e.Lang, "-"), e.Name, source, e.Seconds())
				}
				return tw.Flush()
			})
		},
	}
	remove := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove an upload (refused while a flow or queue needs it and no built-in stands in)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, st *store.Store) error {
				lang, err := language(ctx, st)
				if err != nil {
					return err
				}
				if err := prompts.NewLibrary(st).Remove(ctx, kind(), lang, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: removed\n", promptLabel(kind(), lang, args[0]))
				return nil
			})
		},
	}
	export := &cobra.Command{
		Use:   "export NAME > FILE.wav",
		Short: "Write the audio that plays for NAME (upload or built-in) as a WAV file on standard output",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd, func(ctx context.Context, st *store.Store) error {
				lang, err := language(ctx, st)
				if err != nil {
					return err
				}
				audio, err := prompts.NewLibrary(st).Find(ctx, kind(), lang, args[0])
				if err != nil {
					return err
				}
				_, err = cmd.OutOrStdout().Write(prompts.WAV(audio))
				return err
			})
		},
	}
	for _, c := range []*cobra.Command{add, remove, export} {
		kindFlags(c)
	}
	cmd.AddCommand(add, list, remove, export)
	return cmd
}

// promptLabel names a prompt ("prompt en/welcome") or music ("music jazz").
func promptLabel(kind, lang, name string) string {
	if kind == prompts.KindMusic {
		return "music " + name
	}
	return "prompt " + lang + "/" + name
}

// knownPrompts returns the prompt and music names a configuration file may
// use: the built-ins and, when the data directory has a database, the
// uploads in it (a missing database is not created for a validation).
func (g *globals) knownPrompts(ctx context.Context) (config.Known, error) {
	_, err := os.Stat(filepath.Join(g.dataDir, store.FileName))
	if errors.Is(err, fs.ErrNotExist) {
		return prompts.NewLibrary(nil).Known(ctx)
	}
	st, err := g.openStore(ctx)
	if err != nil {
		return config.Known{}, err
	}
	defer st.Close()
	return prompts.NewLibrary(st).Known(ctx)
}
