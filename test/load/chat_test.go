// Package load holds load generators run against the appliance's parts.
package load

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

var (
	chatConns    = flag.Int("chat.conns", 0, "concurrent visitor connections for TestChatLoad (0 skips it)")
	chatDuration = flag.Duration("chat.duration", 10*time.Second, "how long visitors and agents exchange messages")
	chatInterval = flag.Duration("chat.interval", time.Second, "time between two messages of one visitor")
	chatCPUs     = flag.String("chat.cpus", "auto", `"SERVER:GENERATOR" CPU lists (taskset -c) for the server process and this one; "auto" is "0:1" on a machine of two CPUs or more with taskset, "" pins nothing`)
	chatRounds   = flag.Int("chat.rounds", 1, "how many times to run the baseline and the chat one after the other (the medians are printed)")
	chatProfile  = flag.String("chat.profile", "", "directory to write the chat server's CPU, mutex and block profiles of the exchange into")
)

// TestChatLoad measures web chat message latency at -chat.conns concurrent
// visitor connections, against a baseline taken in the same run.
//
// The server runs in a process of its own (this test binary run again, see
// serveLoad), pinned to other CPUs than the generator's (-chat.cpus), so
// that the generator does not take the server's CPU; both share the machine
// with whatever else runs, so the load average is printed with the figures
// and the chat is read against the baseline.
//
// The baseline is a bare WebSocket echo server over loopback, through the
// same library, the same number of connections sending the same number of
// messages a second as the chat phase does (visitors and agents together).
//
// The chat phase opens the visitor connections to a chat server on a real
// store (SQLite on disk, each message committed before it is acknowledged);
// the distributor routes each chat to one of conns/4 agents (four chats
// each), who accept. Each visitor then sends a message every -chat.interval
// for -chat.duration (staggered), and the agent holding the chat answers
// each one. It reports p50/p99/max of visitor send→ack (committed), visitor
// send→agent, agent send→ack and agent send→visitor, the server's memory
// per connection and its CPU per message.
//
//	go test ./test/load -run TestChatLoad -chat.conns=1000 -chat.duration=10s -v
func TestChatLoad(t *testing.T) {
	if mode := os.Getenv(serverEnv); mode != "" {
		serveLoad(t, mode, *chatConns)
		return
	}
	n := *chatConns
	if n == 0 {
		t.Skip("load generator: give -chat.conns=N")
	}
	srvCPUs, genCPUs := cpuSplit(t, *chatCPUs)
	if genCPUs != "" {
		pinSelf(t, genCPUs)
	}
	t.Logf("server CPUs %q, generator CPUs %q (GOMAXPROCS %d), %d visitors, one message each per %v for %v",
		srvCPUs, genCPUs, runtime.GOMAXPROCS(0), n, *chatInterval, *chatDuration)

	var rounds []round
	for i := range max(1, *chatRounds) {
		r := runRound(t, n, srvCPUs, *chatProfile != "" && i == 0)
		rounds = append(rounds, r)
		t.Logf("round %d: load average %s; p99 echo %v, visitor→agent %v (%.1f×), agent→visitor %v (%.1f×); server CPU a message echo %.0f µs, chat %.0f µs",
			i+1, r.chat.loadEnd, r.echo99, r.v2a99, r.ratio(r.v2a99), r.a2v99, r.ratio(r.a2v99), r.echoCPU, r.chatCPU)
	}
	if len(rounds) > 1 {
		med := func(f func(round) float64) float64 {
			v := make([]float64, len(rounds))
			for i, r := range rounds {
				v[i] = f(r)
			}
			slices.Sort(v)
			return v[len(v)/2]
		}
		ms := func(f func(round) time.Duration) float64 {
			return med(func(r round) float64 { return float64(f(r)) / 1e6 })
		}
		t.Logf("median of %d rounds: p99 echo %.1f ms, visitor→agent %.1f ms (%.1f×), agent→visitor %.1f ms (%.1f×); server CPU a message echo %.0f µs, chat %.0f µs",
			len(rounds), ms(func(r round) time.Duration { return r.echo99 }),
			ms(func(r round) time.Duration { return r.v2a99 }), med(func(r round) float64 { return r.ratio(r.v2a99) }),
			ms(func(r round) time.Duration { return r.a2v99 }), med(func(r round) float64 { return r.ratio(r.a2v99) }),
			med(func(r round) float64 { return r.echoCPU }), med(func(r round) float64 { return r.chatCPU }))
	}
}

// round is one echo phase and one chat phase, run one after the other.
type round struct {
	echo, chat           *result
	echo99, v2a99, a2v99 time.Duration
	echoCPU, chatCPU     float64 // server µs a message
}

func (r round) ratio(d time.Duration) float64 {
	return float64(d) / float64(max(r.echo99, time.Microsecond))
}

// runRound runs the baseline, then the chat, each against a server
// process of its own, and logs their figures.
func runRound(t *testing.T, n int, srvCPUs string, profile bool) round {
	t.Helper()
	// Visitors and agents each send one message per interval: the echo
	// clients send two each.
	echo := runServer(t, "echo", n, srvCPUs, false)
	eres := runEcho(t, echo, n, *chatInterval/2, *chatDuration)
	echo.stop()

	srv := runServer(t, "chat", n, srvCPUs, profile)
	cres := runChat(t, srv, n, *chatInterval, *chatDuration)
	srv.stop()

	eres.log(t)
	cres.log(t)
	for k, l := range cres.lat {
		if l.count() != l.sent {
			t.Errorf("%s: %d of %d messages sent did not arrive", k, l.sent-l.count(), l.sent)
		}
	}
	return round{echo: eres, chat: cres, echo99: eres.lat["echo"].pct(99),
		v2a99: cres.lat["visitor→agent"].pct(99), a2v99: cres.lat["agent→visitor"].pct(99),
		echoCPU: eres.cpuPerMessage(), chatCPU: cres.cpuPerMessage()}
}

// cpuSplit returns the server's and the generator's CPU lists of spec.
func cpuSplit(t *testing.T, spec string) (server, generator string) {
	if spec == "auto" {
		if _, err := exec.LookPath("taskset"); err != nil || runtime.NumCPU() < 2 {
			t.Logf("not pinning: taskset or a second CPU missing")
			return "", ""
		}
		spec = "0:1"
	}
	if spec == "" {
		return "", ""
	}
	server, generator, ok := strings.Cut(spec, ":")
	if !ok {
		t.Fatalf("-chat.cpus %q: want SERVER:GENERATOR", spec)
	}
	return server, generator
}

// pinSelf moves every thread of this process onto cpus and sizes
// GOMAXPROCS to them.
func pinSelf(t *testing.T, cpus string) {
	if out, err := exec.Command("taskset", "-a", "-cp", cpus, fmt.Sprint(os.Getpid())).CombinedOutput(); err != nil {
		t.Fatalf("taskset %s: %v: %s", cpus, err, out)
	}
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		t.Fatal(err)
	}
	runtime.GOMAXPROCS(set.Count())
}

// server is a running server process.
type server struct {
	t    *testing.T
	addr string
	stop func()
}

// runServer starts the server process for mode on cpus (any when "").
func runServer(t *testing.T, mode string, conns int, cpus string, profile bool) *server {
	t.Helper()
	args := []string{os.Args[0], "-test.run=^TestChatLoad$", fmt.Sprintf("-chat.conns=%d", conns)}
	if cpus != "" {
		args = append([]string{"taskset", "-c", cpus}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), serverEnv+"="+mode)
	if profile {
		cmd.Env = append(cmd.Env, profileEnv+"=1")
	}
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, stop: func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("%s server: %v", mode, err)
		}
	}}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), listenPrefix); ok {
			s.addr = a
			break
		}
	}
	if s.addr == "" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("%s server gave no address", mode)
	}
	// The rest of its output (the test framework's PASS) is not ours.
	go func() {
		for sc.Scan() {
		}
	}()
	return s
}

// get fetches path of the server into v (JSON) or, when v is a string,
// into that file.
func (s *server) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.addr+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", path, resp.Status)
	}
	if file, ok := v.(string); ok {
		f, err := os.Create(file)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = f.ReadFrom(resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func (s *server) stats(ctx context.Context) serverStats {
	var st serverStats
	if err := s.get(ctx, "/ctl/stats", &st); err != nil {
		s.t.Fatal(err)
	}
	return st
}

// profile starts fetching the server's CPU profile of the next d into dir,
// and returns a function that waits for it and then fetches the mutex and
// block profiles.
func (s *server) profile(ctx context.Context, dir string, d time.Duration) func() {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		s.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- s.get(ctx, fmt.Sprintf("/debug/pprof/profile?seconds=%d", max(1, int(d.Seconds()))), filepath.Join(dir, "cpu.pprof"))
	}()
	return func() {
		err := <-done
		for _, p := range []string{"mutex", "block"} {
			if err == nil {
				err = s.get(ctx, "/debug/pprof/"+p, filepath.Join(dir, p+".pprof"))
			}
		}
		if err != nil {
			s.t.Errorf("profiles: %v", err)
			return
		}
		s.t.Logf("server profiles in %s: go tool pprof -top %s", dir, filepath.Join(dir, "cpu.pprof"))
	}
}
