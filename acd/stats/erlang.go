package stats

import "math"

// ErlangC returns the probability that an arrival waits (Erlang C) in a
// queue served by agents agents offered trafficErlangs erlangs (arrival
// rate × mean handle time): 1 when the traffic reaches the agents, 0 with
// no traffic. It runs the Erlang B recursion, stable for thousands of
// agents.
func ErlangC(agents int, trafficErlangs float64) float64 {
	a, n := trafficErlangs, float64(agents)
	switch {
	case a <= 0:
		return 0
	case a >= n:
		return 1
	}
	b := 1.0 // Erlang B with 0 servers
	for k := 1; k <= agents; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return n * b / (n - a*(1-b))
}

// ErlangCWait returns the mean wait in seconds of all arrivals (those
// served at once count as 0) in an M/M/N queue of agents agents, with
// arrivalRate arrivals per second and a mean handle time of meanHandle
// seconds: +Inf when the traffic reaches the agents.
func ErlangCWait(agents int, arrivalRate, meanHandle float64) float64 {
	a := arrivalRate * meanHandle
	switch {
	case a <= 0:
		return 0
	case a >= float64(agents):
		return math.Inf(1)
	}
	return ErlangC(agents, a) * meanHandle / (float64(agents) - a)
}
