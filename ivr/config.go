package ivr

import (
	"context"
	"sort"

	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// FromConfig builds a Flow from its `flows:` entry. Menu options are
// ordered by digit; a missing label defaults to the target node's intent,
// else its name.
func FromConfig(cf config.Flow) *Flow {
	f := &Flow{Name: cf.Name, Number: cf.Number, Phone: cf.Phone, Language: cf.Language, Start: cf.Start, Nodes: map[string]*Node{}}
	for id, cn := range cf.Nodes {
		n := &Node{
			ID: id, Type: Type(cn.Type), Prompt: cn.Prompt, Title: cn.Title,
			Retries: cn.Retries, Timeout: cn.Timeout.Std(), Invalid: cn.Invalid, Next: cn.Next,
			MinDigits: cn.Min, MaxDigits: cn.Max, InterDigit: cn.InterDigit.Std(), Terminator: cn.Terminator, Var: cn.Var,
			Calendar: cn.Calendar, Open: cn.Open, Closed: cn.Closed,
			Test: Test(cn.Test), Channel: cn.Channel, Wait: cn.Wait.Std(), Then: cn.Then, Else: cn.Else,
			Queue: cn.Queue, Intent: cn.Intent, Extension: cn.Extension, URL: cn.URL, Fallback: cn.Fallback,
		}
		digits := make([]string, 0, len(cn.Options))
		for d := range cn.Options {
			digits = append(digits, d)
		}
		sort.Strings(digits)
		for _, d := range digits {
			to := cn.Options[d]
			label := cn.Labels[d]
			if label == "" {
				label = cf.Nodes[to].Intent
			}
			if label == "" {
				label = to
			}
			n.Options = append(n.Options, Option{Digit: d, Label: label, Next: to})
		}
		f.Nodes[id] = n
	}
	return f
}

// LoadFlows reads every stored flow.
func LoadFlows(ctx context.Context, st *store.Store) ([]*Flow, error) {
	cfs, err := config.ExportFlows(ctx, st)
	if err != nil {
		return nil, err
	}
	out := make([]*Flow, 0, len(cfs))
	for _, cf := range cfs {
		out = append(out, FromConfig(cf))
	}
	return out, nil
}
