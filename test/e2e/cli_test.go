package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLIExtensionsAndConfig(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, "--data", data, "extension", "add", "1001", "--password", "first-pass1", "--name", "Alice")
	mustCLI(t, "--data", data, "extension", "add", "1002", "--password", "second-pass2")
	if out := mustCLI(t, "--data", data, "extension", "list"); !strings.Contains(out, "1001") || !strings.Contains(out, "Alice") || !strings.Contains(out, "1002") {
		t.Fatalf("extension list:\n%s", out)
	}
	out, err := cli(t, binPath, "--data", data, "extension", "add", "12x", "--password", "whatever-long")
	if err == nil || !strings.Contains(out, "extension number") {
		t.Fatalf("bad number accepted: %v\n%s", err, out)
	}
	out, err = cli(t, binPath, "--data", data, "extension", "add", "1003", "--password", "short")
	if err == nil || !strings.Contains(out, "--password") {
		t.Fatalf("short password accepted: %v\n%s", err, out)
	}

	exported := mustCLI(t, "--data", data, "config", "export")
	if strings.Contains(exported, "first-pass1") || !strings.Contains(exported, "ha1_sha256") {
		t.Fatalf("export leaks a password or lacks hashes:\n%s", exported)
	}

	// A file with a typo applies nothing and names the field and line.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("extensions:\n  - number: \"2001\"\n    pasword: typo-typo-1\n"), 0o600)
	out, err = cli(t, binPath, "--data", data, "config", "import", bad)
	if err == nil || !strings.Contains(out, "extensions[0].pasword (line 3): unknown field") || !strings.Contains(out, "nothing applied") {
		t.Fatalf("bad import: %v\n%s", err, out)
	}
	if out := mustCLI(t, "--data", data, "extension", "list"); strings.Contains(out, "2001") || !strings.Contains(out, "1001") {
		t.Fatalf("a failed import changed extensions:\n%s", out)
	}

	// The exported file imports again into a fresh data directory unchanged.
	file := filepath.Join(t.TempDir(), "export.yaml")
	os.WriteFile(file, []byte(exported), 0o600)
	data2 := t.TempDir()
	mustCLI(t, "--data", data2, "config", "import", file)
	if again := mustCLI(t, "--data", data2, "config", "export"); again != exported {
		t.Fatalf("export → import → export differs:\n%s\n---\n%s", exported, again)
	}

	mustCLI(t, "--data", data, "extension", "remove", "1002")
	if out, err := cli(t, binPath, "--data", data, "extension", "remove", "1002"); err == nil || !strings.Contains(out, "does not exist") {
		t.Fatalf("removing a missing extension: %v\n%s", err, out)
	}
}

func TestServeRefusesBadFlags(t *testing.T) {
	out, err := cli(t, binPath, "--data", t.TempDir(), "serve", "--sip", "nonsense", "--rtp-ports", "5-4")
	if err == nil || !strings.Contains(out, "--sip") || !strings.Contains(out, "--rtp-ports") {
		t.Fatalf("serve accepted bad flags: %v\n%s", err, out)
	}
}
