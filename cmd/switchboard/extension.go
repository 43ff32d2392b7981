package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

func newExtensionCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "extension",
		Aliases: []string{"ext"},
		Short:   "Manage desk-phone extensions",
	}
	var name, password string
	var record bool
	add := &cobra.Command{
		Use:   "add NUMBER --password PW [--name NAME] [--record]",
		Short: "Create or update an extension",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.putExtension(cmd.Context(), args[0], name, password, record, false)
		},
	}
	add.Flags().StringVar(&password, "password", "", "SIP password (stored only as digest hashes)")
	add.Flags().StringVar(&name, "name", "", "display name")
	add.Flags().BoolVar(&record, "record", false, "record every call to and from the extension (stereo WAV named in the CDR)")
	add.MarkFlagRequired("password")

	passwd := &cobra.Command{
		Use:   "passwd NUMBER --password PW",
		Short: "Change an extension's password",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.putExtension(cmd.Context(), args[0], "", password, false, true)
		},
	}
	passwd.Flags().StringVar(&password, "password", "", "new SIP password")
	passwd.MarkFlagRequired("password")

	remove := &cobra.Command{
		Use:     "remove NUMBER",
		Aliases: []string{"rm"},
		Short:   "Remove an extension",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			err = st.Update(cmd.Context(), func(tx *store.Tx) error { return tx.DeleteExtension(cmd.Context(), args[0]) })
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("extension %s does not exist", args[0])
			}
			return err
		},
	}

	list := &cobra.Command{
		Use:   "list",
		Short: "List extensions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			exts, err := st.Extensions(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NUMBER\tNAME\tRECORD")
			for _, e := range exts {
				rec := "no"
				if e.Record {
					rec = "yes"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\n", e.Number, e.Name, rec)
			}
			return w.Flush()
		},
	}
	cmd.AddCommand(add, passwd, remove, list)
	return cmd
}

// putExtension validates and stores an extension. With mustExist, the
// extension must already exist and keeps its name and record setting.
func (g *globals) putExtension(ctx context.Context, number, name, password string, record, mustExist bool) error {
	if err := config.ValidateExtensionNumber(number); err != nil {
		return fmt.Errorf("extension number: %w", err)
	}
	if err := config.ValidatePassword(password); err != nil {
		return fmt.Errorf("--password: %w", err)
	}
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return st.Update(ctx, func(tx *store.Tx) error {
		realm, err := tx.SettingIfAbsent(ctx, config.KeyRealm, config.DefaultRealm)
		if err != nil {
			return err
		}
		if mustExist {
			old, err := tx.Extension(ctx, number)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("extension %s does not exist", number)
			}
			if err != nil {
				return err
			}
			name, record = old.Name, old.Record
		}
		e := config.ExtensionFromPassword(number, name, password, realm)
		e.Record = record
		return tx.PutExtension(ctx, e)
	})
}
