package stats

import (
	"math"
	"testing"
)

// erlangCDirect is the textbook formula, for small N.
func erlangCDirect(n int, a float64) float64 {
	sum, term := 0.0, 1.0 // term = a^k/k!
	for k := range n {
		if k > 0 {
			term *= a / float64(k)
		}
		sum += term
	}
	top := term * a / float64(n) * float64(n) / (float64(n) - a) // a^n/n! · n/(n−a)
	return top / (sum + top)
}

func TestErlangC(t *testing.T) {
	tests := []struct {
		agents  int
		traffic float64
		want    float64
		tol     float64
	}{
		{10, 8, 0.409, 0.001}, // the classic table value
		{1, 0.5, 0.5, 1e-12},  // M/M/1: P(wait) = ρ
		{2, 1, 1.0 / 3, 1e-12},
		{5, 3, 0.2362, 0.0001},
		{20, 15, erlangCDirect(20, 15), 1e-9},
		{3, 2.9, erlangCDirect(3, 2.9), 1e-9},
		{10, 10, 1, 0},
		{10, 12, 1, 0},
		{10, 0, 0, 0},
		{0, 1, 1, 0},
	}
	for _, tc := range tests {
		if got := ErlangC(tc.agents, tc.traffic); math.Abs(got-tc.want) > tc.tol {
			t.Errorf("ErlangC(%d, %g) = %.6f, want %.6f ± %g", tc.agents, tc.traffic, got, tc.want, tc.tol)
		}
	}
	// thousands of agents stay finite and plausible
	if p := ErlangC(2000, 1950); math.IsNaN(p) || p <= 0 || p >= 1 {
		t.Errorf("ErlangC(2000, 1950) = %v", p)
	}
}

func TestErlangCWait(t *testing.T) {
	tests := []struct {
		agents       int
		rate, handle float64
		want         float64
	}{
		{1, 0.5, 1, 1},                        // M/M/1: Wq = ρ/(μ−λ)
		{2, 1, 1, 1.0 / 3},                    // C·h/(N−A) = (1/3)·1/1
		{10, 8.0 / 180, 180, 0.409 * 180 / 2}, // 8 erlangs of 3-minute calls
		{10, 0.1, 100, math.Inf(1)},           // 10 erlangs on 10 agents
		{10, 0, 100, 0},
	}
	for _, tc := range tests {
		got := ErlangCWait(tc.agents, tc.rate, tc.handle)
		if math.IsInf(tc.want, 1) != math.IsInf(got, 1) || !math.IsInf(got, 1) && math.Abs(got-tc.want) > 0.01*math.Max(1, tc.want) {
			t.Errorf("ErlangCWait(%d, %g, %g) = %v, want %v", tc.agents, tc.rate, tc.handle, got, tc.want)
		}
	}
}
