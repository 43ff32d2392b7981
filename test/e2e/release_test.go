package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/peertest"
)

// TestReleaseBinaries builds the static release binaries with `make
// release`, checks that each is statically linked for its platform, and runs
// the arm64 one under qemu-user: `version`, then a registrar smoke test with
// sipp against it.
func TestReleaseBinaries(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiling SQLite takes minutes")
	}
	for _, bin := range []string{"make", "file", "aarch64-linux-gnu-gcc", "arm-linux-gnueabihf-gcc", "qemu-aarch64-static", "sipp"} {
		peertest.Binary(t, bin)
	}
	dist := t.TempDir()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	mk := exec.Command("make", "-C", root, "release", "DIST="+dist)
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("make release: %v\n%s", err, out)
	}
	for arch, want := range map[string]string{"amd64": "x86-64", "arm64": "ARM aarch64", "armv7": "ARM, EABI5"} {
		out, err := exec.Command("file", filepath.Join(dist, "switchboard-linux-"+arch)).Output()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(out), "statically linked") || !strings.Contains(string(out), want) {
			t.Errorf("%s: want a static %s binary, file says: %s", arch, want, out)
		}
	}

	qemu := peertest.Binary(t, "qemu-aarch64-static")
	arm64 := filepath.Join(dist, "switchboard-linux-arm64")
	out, err := cli(t, qemu, arm64, "version")
	if err != nil || !strings.Contains(out, "linux/arm64") {
		t.Fatalf("arm64 version under qemu: %v\n%s", err, out)
	}
	data := t.TempDir()
	if out, err := cli(t, qemu, arm64, "--data", data, "extension", "add", "1001", "--password", "arm64-pass1"); err != nil {
		t.Fatalf("arm64 extension add: %v\n%s", err, out)
	}
	srv := startServer(t, []string{qemu}, arm64, data)
	if err := sippRegister(t, srv.sipPort, "1001", "arm64-pass1"); err != nil {
		t.Fatalf("the arm64 registrar under qemu did not accept a REGISTER:\n%s", srv.output())
	}
	os.RemoveAll(dist)
}
