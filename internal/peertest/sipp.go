package peertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// SippLimit bounds one sipp run; the process is killed after it.
const SippLimit = 60 * time.Second

// Sipp starts sipp (skipping or failing t when it is missing) on the
// scenario file, in dir, where sipp writes its logs, and returns a wait
// function for its exit error. When sipp fails, wait copies its error logs
// into the test log. The process is stopped by the end of the test.
func Sipp(t testing.TB, dir, scenario string, args ...string) (wait func() error) {
	t.Helper()
	sipp := Binary(t, "sipp")
	scen, err := filepath.Abs(scenario)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), SippLimit)
	full := append([]string{"-sf", scen, "-nostdin", "-timeout_error", "-trace_err"}, args...)
	cmd := exec.CommandContext(ctx, sipp, full...)
	cmd.Dir = dir
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); cancel() }()
	t.Cleanup(func() { cancel(); done <- <-done })
	return func() error {
		err := <-done
		done <- err
		if err != nil {
			logs, _ := filepath.Glob(filepath.Join(dir, "*errors.log"))
			for _, l := range logs {
				b, _ := os.ReadFile(l)
				t.Logf("sipp %s: %v\n%s:\n%s", filepath.Base(scenario), err, filepath.Base(l), b)
			}
		}
		return err
	}
}
