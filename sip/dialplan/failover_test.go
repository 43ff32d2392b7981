package dialplan

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestDial(t *testing.T) {
	plan := Plan{Legs: []Leg{{Trunk: "a"}, {Trunk: "b"}, {Trunk: "c"}}}
	cases := []struct {
		name    string
		answers map[string]int
		errs    map[string]error
		tried   []string
		last    string
		status  int
	}{
		{"first answers", map[string]int{"a": 200}, nil, []string{"a"}, "a", 200},
		{"503 then answer", map[string]int{"a": 503, "b": 200}, nil, []string{"a", "b"}, "b", 200},
		{"486 stops", map[string]int{"a": 486, "b": 200}, nil, []string{"a"}, "a", 486},
		{"503 then 486 stops", map[string]int{"a": 503, "b": 486, "c": 200}, nil, []string{"a", "b"}, "b", 486},
		{"timeout then answer", map[string]int{"b": 200}, map[string]error{"a": context.DeadlineExceeded}, []string{"a", "b"}, "b", 200},
		{"all fail", map[string]int{"a": 503, "b": 500, "c": 502}, nil, []string{"a", "b", "c"}, "c", 502},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var tried []string
			leg, status, err := Dial(context.Background(), plan, func(_ context.Context, l Leg) (int, error) {
				tried = append(tried, l.Trunk)
				return c.answers[l.Trunk], c.errs[l.Trunk]
			})
			if !slices.Equal(tried, c.tried) || leg.Trunk != c.last || status != c.status {
				t.Fatalf("tried %v, ended on %s with %d (%v); want %v, %s, %d", tried, leg.Trunk, status, err, c.tried, c.last, c.status)
			}
		})
	}
	t.Run("cancelled between legs", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		var tried int
		_, _, err := Dial(ctx, plan, func(context.Context, Leg) (int, error) { tried++; cancel(); return 503, nil })
		if tried != 1 || !errors.Is(err, context.Canceled) {
			t.Fatalf("tried %d, err %v", tried, err)
		}
	})
}
