package main

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newReportCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Print reports",
	}
	funnel := &cobra.Command{
		Use:   "funnel FLOW",
		Short: "Per node and face of an IVR flow: how many entered, chose each option, and left",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			counts, err := st.FunnelCounts(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			type row struct {
				entered, left int
				choices       map[string]int
			}
			rows := map[[2]string]*row{}
			for _, c := range counts {
				k := [2]string{c.Node, c.Face}
				r := rows[k]
				if r == nil {
					r = &row{choices: map[string]int{}}
					rows[k] = r
				}
				switch c.Step {
				case "enter":
					r.entered += c.Count
				case "leave":
					r.left += c.Count
				case "choice":
					r.choices[c.Choice] += c.Count
				}
			}
			keys := make([][2]string, 0, len(rows))
			for k := range rows {
				keys = append(keys, k)
			}
			sort.Slice(keys, func(i, j int) bool {
				if keys[i][0] != keys[j][0] {
					return keys[i][0] < keys[j][0]
				}
				return keys[i][1] < keys[j][1]
			})
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NODE\tFACE\tENTERED\tLEFT\tCHOICES")
			for _, k := range keys {
				r := rows[k]
				names := make([]string, 0, len(r.choices))
				for c := range r.choices {
					names = append(names, c)
				}
				sort.Strings(names)
				parts := make([]string, 0, len(names))
				for _, c := range names {
					parts = append(parts, fmt.Sprintf("%s=%d", c, r.choices[c]))
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", k[0], k[1], r.entered, r.left, strings.Join(parts, " "))
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(funnel)
	return cmd
}
