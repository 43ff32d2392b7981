// Command relayload measures the media engine's relay under N concurrent
// G.711 calls, 20 ms packets both ways, against a bare UDP forwarder run
// the same way. The phones run in a child process (optionally on other
// CPUs), so this process's CPU is the relay's alone. Three runs: phones
// sending straight to each other (the latency floor), the bare forwarder,
// media.Bridge; each prints CPU per call, loss and latency.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"runtime/pprof"
	"syscall"
	"time"
)

var loopback = netip.MustParseAddr("127.0.0.1")

// result is one run's figures.
type result struct {
	cpu       time.Duration // this process's CPU during the measured window
	window    time.Duration
	sent, got uint64
	p50, p99  time.Duration
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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
	for i := 0; i+1 < len(h.Ports); i += 2 {
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
			startCPU, start = cpuTime(), time.Now()
		case "stopped":
			res.cpu, res.window = cpuTime()-startCPU, time.Since(start)
		case "done":
			res.sent, res.got = rep.Sent, rep.Got
			res.p50, res.p99 = percentile(rep.Hist, rep.Got, 0.50), percentile(rep.Hist, rep.Got, 0.99)
			return res, nil
		}
	}
}

// latency prints a percentile, saying when it is past the histogram.
func latency(d time.Duration) string {
	if d > maxLatency {
		return "≥" + maxLatency.String()
	}
	return d.String()
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

func main() {
	calls := flag.Int("calls", 200, "concurrent calls")
	window := flag.Duration("duration", 10*time.Second, "measured time of each run")
	warmup := flag.Duration("warmup", 2*time.Second, "unmeasured time before each run")
	portMin := flag.Int("port-min", 30000, "engine RTP port range start")
	phonesCPUs := flag.String("phones-cpus", "", "run the phones process on these CPUs (taskset -c list); pin this process with taskset yourself")
	phones := flag.Bool("phones", false, "internal: be the phones process")
	profile := flag.String("cpuprofile", "", "write this process's CPU profile of the media engine run to this file")
	flag.Parse()
	if *phones {
		if err := runPhones(*calls); err != nil {
			fmt.Fprintln(os.Stderr, "relayload phones:", err)
			os.Exit(1)
		}
		return
	}

	eng, err := newEngine(*portMin, *portMin+8*(*calls)+100)
	if err != nil {
		fmt.Fprintln(os.Stderr, "relayload:", err)
		os.Exit(1)
	}
	runs := []struct {
		name string
		r    relay
	}{{"phones only", direct{}}, {"bare forwarder", &bare{}}, {"media engine", eng}}
	fmt.Printf("relayload: %d calls, 2×50 packets/s each, %v measured per run\n", *calls, *window)
	fmt.Println("CPU/call: this (relay) process's CPU per call as a share of one core")
	fmt.Println("pkt/s: packets the phones really sent (fewer than 100/s per call when they are starved of CPU); µs/pkt: relay CPU per packet")
	fmt.Printf("%-15s %10s %9s %8s %10s %10s %10s %10s\n", "run", "CPU/call", "pkt/s", "µs/pkt", "loss", "p50", "p99", "added p99")
	var floor time.Duration
	perCall, perPkt := map[string]float64{}, map[string]float64{}
	for _, x := range runs {
		if *profile != "" && x.name == "media engine" {
			f, err := os.Create(*profile)
			if err != nil {
				fmt.Fprintln(os.Stderr, "relayload:", err)
				os.Exit(1)
			}
			pprof.StartCPUProfile(f)
			defer f.Close()
		}
		res, err := run(x.r, *calls, *warmup, *window, *phonesCPUs)
		pprof.StopCPUProfile()
		if err != nil {
			fmt.Fprintf(os.Stderr, "relayload: %s: %v\n", x.name, err)
			os.Exit(1)
		}
		if x.name == "phones only" {
			floor = res.p99
		}
		perCall[x.name] = 100 * float64(res.cpu) / float64(res.window) / float64(*calls)
		loss := 100 * (1 - float64(res.got)/float64(max(res.sent, 1)))
		added := "n/a"
		if res.p99 <= maxLatency && floor <= maxLatency {
			added = (res.p99 - floor).String()
		}
		pps := float64(res.sent) / res.window.Seconds()
		usPerPkt := float64(res.cpu.Microseconds()) / float64(max(res.sent, 1))
		perPkt[x.name] = usPerPkt
		fmt.Printf("%-15s %9.4f%% %9.0f %8.2f %9.3f%% %10s %10s %10s\n", x.name, perCall[x.name], pps, usPerPkt, loss, latency(res.p50), latency(res.p99), added)
	}
	if b := perPkt["bare forwarder"]; b > 0 {
		fmt.Printf("engine/bare CPU per packet: %.2f (target ≤ 1.5)\n", perPkt["media engine"]/b)
	}
}
