// Package peertest decides whether a test that needs a real protocol peer
// (sipp, baresip, Dovecot, Postfix, Chromium, qemu) runs: it skips with a
// clear message under plain `go test`, and fails instead when
// SWITCHBOARD_REQUIRE_PEERS=1, as `make test` sets.
package peertest

import (
	"os"
	"os/exec"
	"testing"
)

// RequireEnv is the environment variable that turns a missing peer from a
// skip into a failure.
const RequireEnv = "SWITCHBOARD_REQUIRE_PEERS"

// Required reports whether missing peers fail tests rather than skip them.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// Missing skips or fails t (see the package doc) with the reason why the
// peer cannot be used.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if Required() {
		t.Fatalf("peer required ("+RequireEnv+"=1) but unavailable: "+format, args...)
	}
	t.Skipf("skipping: peer unavailable (run `make test` to install peers): "+format, args...)
}

// Binary returns the absolute path of the named peer program, or skips or
// fails t when it is not installed.
func Binary(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "%s not found in PATH", name)
	}
	return p
}

// Root skips or fails t unless the test runs as root (raw sockets for sipp's
// DTMF, Dovecot's and Postfix's privilege drops, network namespaces).
func Root(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, "needs root")
	}
}
