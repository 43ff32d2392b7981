// Command relayload measures the media engine's relay under N concurrent
// G.711 calls, 20 ms packets both ways, against a bare UDP forwarder run
// the same way. The phones run in a child process (optionally on other
// CPUs), so this process's CPU is the relay's alone: pin it to one core
// with taskset, and the CPU per call is a share of that core. The phones
// first run alone (the latency floor), then each of -repeat rounds runs
// the bare forwarder, on Linux the floor forwarder (the cheapest
// per-packet forwarder we know how to write: epoll, recvmmsg, no Go
// scheduler per packet), media.Bridge, and both side by side (half the calls
// each, at the same time, so that both meet the same load on a shared
// machine); each run prints CPU per call, loss and latency (a timestamp in
// the payload at the sender, read at the receiver, in buckets of 20 µs),
// and the summary the best and the median of each figure, the engine/bare
// ratio and the latency the engine adds over the bare forwarder, with the
// load average. With -idle it bridges -calls calls whose phones never send
// and prints the CPU the relays use meanwhile (a relay that polled its
// context paid for a wake-up per leg every 250 ms).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/switchboard-cc/switchboard/test/load/loadinfo"
)

var loopback = netip.MustParseAddr("127.0.0.1")

// result is one run's figures.
type result struct {
	cpu       time.Duration // this process's CPU during the measured window
	window    time.Duration
	sent, got uint64
	p50, p99  time.Duration
	// groups are the loss and latency of each group of calls, for a
	// relay that carries calls in groups (side by side).
	groups []groupResult
}

// groupResult is one group's figures.
type groupResult struct {
	sent, got uint64
	p50, p99  time.Duration
}

// run starts a phones process, places its calls through r and measures.
func run(r relay, calls int, warmup, window time.Duration, phonesCPUs string) (result, error) {
	self, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	args := []string{self, "-phones", "-calls", fmt.Sprint(calls)}
	if phonesCPUs != "" {
		args = append([]string{"taskset", "-c", phonesCPUs}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return result{}, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return result{}, err
	}
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	defer cmd.Wait()
	defer stdin.Close()
	dec := json.NewDecoder(bufio.NewReader(stdout))
	var h hello
	if err := dec.Decode(&h); err != nil {
		return result{}, fmt.Errorf("phones: %w", err)
	}
	p := plan{To: make([]uint16, len(h.Ports)), Warmup: warmup, Window: window}
	g, grouped := r.(grouper)
	if grouped {
		p.Group = make([]uint8, len(h.Ports))
	}
	for i := 0; i+1 < len(h.Ports); i += 2 {
		if grouped {
			p.Group[i], p.Group[i+1] = g.group(i/2), g.group(i/2)
		}
		a, b := netip.AddrPortFrom(loopback, h.Ports[i]), netip.AddrPortFrom(loopback, h.Ports[i+1])
		toA, toB, err := r.start(a, b)
		if err != nil {
			cmd.Process.Kill()
			return result{}, err
		}
		p.To[i], p.To[i+1] = toA.Port(), toB.Port()
	}
	defer r.stop()
	if err := json.NewEncoder(stdin).Encode(p); err != nil {
		return result{}, err
	}
	var res result
	var startCPU time.Duration
	var start time.Time
	for {
		var rep report
		if err := dec.Decode(&rep); err != nil {
			return result{}, fmt.Errorf("phones: %w", err)
		}
		switch rep.Event {
		case "measuring":
			startCPU, start = loadinfo.CPUTime(), time.Now()
		case "stopped":
			res.cpu, res.window = loadinfo.CPUTime()-startCPU, time.Since(start)
		case "done":
			if rep.Window > 0 {
				res.cpu, res.window = rep.CPU, rep.Window
			}
			res.sent, res.got = rep.Sent, rep.Got
			res.p50, res.p99 = percentile(rep.Hist, rep.Got, 0.50), percentile(rep.Hist, rep.Got, 0.99)
			for _, t := range rep.Groups {
				res.groups = append(res.groups, groupResult{sent: t.Sent, got: t.Got,
					p50: percentile(t.Hist, t.Got, 0.50), p99: percentile(t.Hist, t.Got, 0.99)})
			}
			return res, nil
		}
	}
}

func percentile(hist []uint64, total uint64, q float64) time.Duration {
	want := uint64(float64(total) * q)
	var n uint64
	for i, c := range hist {
		n += c
		if n > want {
			return time.Duration(i+1) * bucket // past maxLatency for the last bucket
		}
	}
	return maxLatency + bucket
}

// figures are one run's numbers as reported.
type figures struct {
	perCall, perPkt, loss, pps float64 // % of a core per call, µs, %, packets/s
	p50, p99                   time.Duration
}

func figuresOf(res result, calls int) figures {
	return figures{
		perCall: 100 * float64(res.cpu) / float64(res.window) / float64(calls),
		perPkt:  float64(res.cpu.Microseconds()) / float64(max(res.sent, 1)),
		loss:    100 * (1 - float64(res.got)/float64(max(res.sent, 1))),
		pps:     float64(res.sent) / res.window.Seconds(),
		p50:     res.p50,
		p99:     res.p99,
	}
}

// us prints a latency in microseconds, marking one past the histogram.
func us(d time.Duration) string {
	if d > maxLatency {
		return "≥" + fmt.Sprint(maxLatency.Microseconds())
	}
	return fmt.Sprint(d.Microseconds())
}

// best and median of a sample, lower being better.
func bestMedian(xs []float64) (float64, float64) {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[0], s[len(s)/2]
}

func main() {
	calls := flag.Int("calls", 200, "concurrent calls")
	window := flag.Duration("duration", 10*time.Second, "measured time of each run")
	warmup := flag.Duration("warmup", 2*time.Second, "unmeasured time before each run")
	repeat := flag.Int("repeat", 1, "measure the bare forwarder and the media engine this many times each, alternately, and print the best and the median")
	portMin := flag.Int("port-min", 30000, "engine RTP port range start")
	phonesCPUs := flag.String("phones-cpus", "", "run the phones process on these CPUs (taskset -c list); pin this process with taskset yourself")
	phones := flag.Bool("phones", false, "internal: be the phones process")
	profile := flag.String("cpuprofile", "", "write this process's CPU profile of the media engine runs to this file")
	idle := flag.Bool("idle", false, "measure instead the CPU of -calls bridged calls whose phones send nothing (held, silent), over -duration")
	flag.Parse()
	if *phones {
		if err := runPhones(*calls); err != nil {
			fmt.Fprintln(os.Stderr, "relayload phones:", err)
			os.Exit(1)
		}
		return
	}
	if *idle {
		if err := measureIdle(*calls, *window, *portMin); err != nil {
			fmt.Fprintln(os.Stderr, "relayload:", err)
			os.Exit(1)
		}
		return
	}
	if err := measure(*calls, *repeat, *warmup, *window, *portMin, *phonesCPUs, *profile); err != nil {
		fmt.Fprintln(os.Stderr, "relayload:", err)
		os.Exit(1)
	}
}

// measureIdle bridges calls whose phones never send and prints the CPU the
// relays use meanwhile: what a relay costs between packets.
func measureIdle(calls int, window time.Duration, portMin int) error {
	eng, err := newEngine(portMin, portMin+8*calls+100)
	if err != nil {
		return err
	}
	defer eng.stop()
	discard := netip.AddrPortFrom(loopback, 9) // nothing is ever sent to it
	for range calls {
		if _, _, err := eng.start(discard, discard); err != nil {
			return err
		}
	}
	time.Sleep(time.Second)
	cpu, start := loadinfo.CPUTime(), time.Now()
	time.Sleep(window)
	used, took := loadinfo.CPUTime()-cpu, time.Since(start)
	fmt.Printf("relayload -idle: %d silent bridged calls on CPUs %s (GOMAXPROCS %d): %v CPU in %v, %.3f%% of a core; load average %s\n",
		calls, loadinfo.CPUs(), runtime.GOMAXPROCS(0), used, took.Round(time.Millisecond), 100*float64(used)/float64(took), loadinfo.Loadavg())
	return nil
}

// measure runs the phones alone once (the latency floor), then the bare
// forwarder and the media engine repeat times each, and prints every run
// and the summary.
func measure(calls, repeat int, warmup, window time.Duration, portMin int, phonesCPUs, profile string) error {
	eng, err := newEngine(portMin, portMin+8*calls+100)
	if err != nil {
		return err
	}
	var prof *os.File
	if profile != "" {
		if prof, err = os.Create(profile); err != nil {
			return err
		}
		defer prof.Close()
	}
	fmt.Printf("relayload: %d calls, 2×50 packets/s each, %v measured per run, %d runs each; relay process on CPUs %s (GOMAXPROCS %d), phones on %q; load average %s\n",
		calls, window, repeat, loadinfo.CPUs(), runtime.GOMAXPROCS(0), phonesCPUs, loadinfo.Loadavg())
	fmt.Println("CPU/call: the relay process's CPU per call as a share of one core; µs/pkt: its CPU per packet;")
	fmt.Println("latency: send timestamp in the payload to receipt at the other phone, µs; added: engine minus the bare forwarder of the same round")
	fmt.Printf("%-15s %5s %10s %9s %8s %9s %8s %8s %6s\n", "run", "round", "CPU/call", "pkt/s", "µs/pkt", "loss", "p50", "p99", "load")
	show := func(name string, round int, f figures) {
		fmt.Printf("%-15s %5d %9.4f%% %9.0f %8.2f %8.3f%% %8s %8s %6s\n", name, round, f.perCall, f.pps, f.perPkt, f.loss, us(f.p50), us(f.p99), loadinfo.Loadavg())
	}
	res, err := run(direct{}, calls, warmup, window, phonesCPUs)
	if err != nil {
		return fmt.Errorf("phones only: %w", err)
	}
	show("phones only", 0, figuresOf(res, calls))
	var bares, floors, engines, sideBares, sideEngines []figures
	for round := 1; round <= repeat; round++ {
		res, err := run(&bare{}, calls, warmup, window, phonesCPUs)
		if err != nil {
			return fmt.Errorf("bare forwarder: %w", err)
		}
		b := figuresOf(res, calls)
		show("bare forwarder", round, b)
		if fl := newFloor(); fl != nil {
			res, err := run(fl, calls, warmup, window, phonesCPUs)
			if err != nil {
				return fmt.Errorf("floor forwarder: %w", err)
			}
			f := figuresOf(res, calls)
			show("floor forwarder", round, f)
			floors = append(floors, f)
		}
		if prof != nil && round == 1 {
			pprof.StartCPUProfile(prof)
		}
		res, err = run(eng, calls, warmup, window, phonesCPUs)
		pprof.StopCPUProfile()
		if err != nil {
			return fmt.Errorf("media engine: %w", err)
		}
		e := figuresOf(res, calls)
		show("media engine", round, e)
		bares, engines = append(bares, b), append(engines, e)

		res, err = run(&sideBySide{bare: &bare{}, engine: eng}, calls, warmup, window, phonesCPUs)
		if err != nil {
			return fmt.Errorf("side by side: %w", err)
		}
		if len(res.groups) != 2 {
			return fmt.Errorf("side by side: %d groups reported, want 2", len(res.groups))
		}
		sb, se := groupFigures(res.groups[0], res.window), groupFigures(res.groups[1], res.window)
		fmt.Printf("%-15s %5d %10s %9.0f %8s %8.3f%% %8s %8s %6s\n", "side: bare", round, "-", sb.pps, "-", sb.loss, us(sb.p50), us(sb.p99), loadinfo.Loadavg())
		fmt.Printf("%-15s %5d %10s %9.0f %8s %8.3f%% %8s %8s %6s\n", "side: engine", round, "-", se.pps, "-", se.loss, us(se.p50), us(se.p99), loadinfo.Loadavg())
		sideBares, sideEngines = append(sideBares, sb), append(sideEngines, se)
	}
	summarize(bares, floors, engines, sideBares, sideEngines)
	return nil
}

// groupFigures are the loss and latency figures of one group of a side by
// side run (its CPU is not the group's alone).
func groupFigures(g groupResult, window time.Duration) figures {
	return figures{
		loss: 100 * (1 - float64(g.got)/float64(max(g.sent, 1))),
		pps:  float64(g.sent) / window.Seconds(),
		p50:  g.p50,
		p99:  g.p99,
	}
}

// summarize prints the best and the median of each figure over the
// rounds; ratios and added latencies are taken within a round, the latter
// both between the bare and the engine runs and between the two halves of
// the side by side run, which met the same load.
func summarize(bare, floor, engine, sideBare, sideEngine []figures) {
	pick := func(fs []figures, get func(figures) float64) []float64 {
		out := make([]float64, len(fs))
		for i, f := range fs {
			out[i] = get(f)
		}
		return out
	}
	// paired applies op to the engine's and the bare forwarder's figure
	// of each round, leaving out the rounds where op says NaN.
	pairedOf := func(engine, bare []figures, get func(figures) float64, op func(e, b float64) float64) []float64 {
		var out []float64
		for i := range bare {
			if v := op(get(engine[i]), get(bare[i])); !math.IsNaN(v) {
				out = append(out, v)
			}
		}
		return out
	}
	paired := func(get func(figures) float64, op func(e, b float64) float64) []float64 {
		return pairedOf(engine, bare, get, op)
	}
	ratio := func(e, b float64) float64 { return e / max(b, 1e-9) }
	// minus is the added latency, unknown when either is past the
	// histogram.
	minus := func(e, b float64) float64 {
		if past := float64(maxLatency.Microseconds()); e > past || b > past {
			return math.NaN()
		}
		return e - b
	}
	line := func(what, unit, target string, xs []float64) {
		if len(xs) == 0 {
			fmt.Printf("%-36s n/a: past %v in every round  %s\n", what, maxLatency, target)
			return
		}
		b, m := bestMedian(xs)
		prec := 4
		if unit == "µs" {
			prec = 0
		}
		of := ""
		if len(xs) < len(bare) {
			of = fmt.Sprintf(" (%d of %d rounds)", len(xs), len(bare))
		}
		fmt.Printf("%-36s best %9.*f%s  median %9.*f%s  %s%s\n", what, prec, b, unit, prec, m, unit, target, of)
	}
	fmt.Printf("summary over %d rounds (best = lowest):\n", len(bare))
	line("bare forwarder CPU/call", "%", "", pick(bare, func(f figures) float64 { return f.perCall }))
	if len(floor) > 0 {
		line("floor forwarder CPU/call", "%", "", pick(floor, func(f figures) float64 { return f.perCall }))
	}
	line("media engine CPU/call", "%", "(target ≤ 0.075% of the pinned core)", pick(engine, func(f figures) float64 { return f.perCall }))
	// A starved generator sends fewer than 100 packets/s a call: the CPU
	// per packet, times 100, is the CPU per call at the full rate.
	atFullRate := func(f figures) float64 { return f.perPkt * 100 / 1e4 }
	line("bare CPU/call at 100 pkt/s", "%", "", pick(bare, atFullRate))
	line("engine CPU/call at 100 pkt/s", "%", "(target ≤ 0.075%)", pick(engine, atFullRate))
	line("engine/bare CPU per packet", "×", "(target ≤ 1.5)", paired(func(f figures) float64 { return f.perPkt }, ratio))
	if len(floor) > 0 {
		line("engine/floor CPU per packet", "×", "", pairedOf(engine, floor, func(f figures) float64 { return f.perPkt }, ratio))
	}
	line("bare forwarder loss", "%", "", pick(bare, func(f figures) float64 { return f.loss }))
	line("media engine loss", "%", "(target < 0.1%)", pick(engine, func(f figures) float64 { return f.loss }))
	p50 := func(f figures) float64 { return float64(f.p50.Microseconds()) }
	p99 := func(f figures) float64 { return float64(f.p99.Microseconds()) }
	line("media engine latency p50", "µs", "", pick(engine, p50))
	line("media engine latency p99", "µs", "", pick(engine, p99))
	line("added latency p50 (engine − bare)", "µs", "", paired(p50, minus))
	line("added latency p99 (engine − bare)", "µs", "", paired(p99, minus))
	line("side engine loss", "%", "(target < 0.1%)", pick(sideEngine, func(f figures) float64 { return f.loss }))
	line("side added latency p50", "µs", "", pairedOf(sideEngine, sideBare, p50, minus))
	line("side added latency p99", "µs", "(target < 1000 µs)", pairedOf(sideEngine, sideBare, p99, minus))
	fmt.Printf("load average at the end: %s (latencies in buckets of %v, past %v read as %v)\n", loadinfo.Loadavg(), bucket, maxLatency, maxLatency+bucket)
}
