// Package e2e runs the switchboard binary as an admin and a desk phone would:
// the CLI on a data directory, `serve` on loopback ports, real SIP peers.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// binPath is the switchboard binary built once for the package's tests.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "switchboard-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "switchboard")
	build := exec.Command("go", "build", "-o", binPath, "github.com/switchboard-cc/switchboard/cmd/switchboard")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building switchboard:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cli runs the binary (optionally under an emulator) with args and returns
// its combined output and error.
func cli(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// mustCLI is cli that fails the test on error.
func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, err := cli(t, binPath, args...)
	if err != nil {
		t.Fatalf("switchboard %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// freeUDPPort returns a port on 127.0.0.1 free for UDP and TCP, with the
// one two above free too (sipp's video port when used as its media port).
func freeUDPPort(t *testing.T) int {
	t.Helper()
	return peertest.FreePorts(t, 3)
}

// server is a running `switchboard serve`.
type server struct {
	cmd     *exec.Cmd
	sipPort int
	mu      sync.Mutex // guards out
	out     bytes.Buffer
	done    chan struct{}
}

// output returns what the server printed so far.
func (s *server) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// startServer runs `serve` on data (the binary under the optional emulator
// prefix) and waits until it logs that it is ready.
func startServer(t *testing.T, prefix []string, bin, data string, extra ...string) *server {
	t.Helper()
	s := &server{sipPort: freeUDPPort(t), done: make(chan struct{})}
	// 100 RTP port pairs that are free now and handed to nobody else by
	// this test binary (sipp and baresip ports come from the same pool).
	rtp := peertest.FreePorts(t, 202)
	rtp += rtp % 2
	args := append(prefix, bin, "--data", data, "serve",
		"--sip", fmt.Sprintf("127.0.0.1:%d", s.sipPort),
		"--http", "127.0.0.1:0",
		"--rtp-ports", fmt.Sprintf("%d-%d", rtp, rtp+200))
	args = append(args, extra...)
	s.cmd = exec.Command(args[0], args[1:]...)
	pr, pw := io.Pipe()
	s.cmd.Stdout, s.cmd.Stderr = pw, pw
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(pr)
		once := sync.Once{}
		for sc.Scan() {
			s.mu.Lock()
			s.out.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
			if strings.Contains(sc.Text(), "switchboard ready") {
				once.Do(func() { close(ready) })
			}
		}
	}()
	go func() {
		s.cmd.Wait()
		pw.Close()
	}()
	t.Cleanup(func() { s.stop(t) })
	select {
	case <-ready:
	case <-s.done:
		t.Fatalf("server exited before ready:\n%s", s.output())
	case <-time.After(60 * time.Second):
		t.Fatalf("server not ready after 60s:\n%s", s.output())
	}
	return s
}

// stop sends SIGTERM and waits for the process (and its output) to end.
func (s *server) stop(t *testing.T) {
	t.Helper()
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		t.Errorf("server did not stop within 20s of SIGTERM:\n%s", s.output())
	}
}
