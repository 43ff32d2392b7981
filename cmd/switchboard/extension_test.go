package main

import (
	"strings"
	"testing"
)

// TestExtensionRecordFlag checks that `extension add --record` marks the
// extension, that passwd keeps the mark, and that list shows it.
func TestExtensionRecordFlag(t *testing.T) {
	data := t.TempDir()
	steps := [][]string{
		{"--data", data, "extension", "add", "1001", "--password", "secret-1001", "--record"},
		{"--data", data, "extension", "add", "1002", "--password", "secret-1002"},
		{"--data", data, "extension", "passwd", "1001", "--password", "secret-again"},
	}
	for _, args := range steps {
		if out, err := run(t, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	out, err := run(t, "--data", data, "extension", "list")
	if err != nil {
		t.Fatalf("list: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "RECORD") ||
		!strings.HasSuffix(lines[1], "yes") || !strings.HasPrefix(lines[1], "1001") ||
		!strings.HasSuffix(lines[2], "no") || !strings.HasPrefix(lines[2], "1002") {
		t.Fatalf("list =\n%s\nwant 1001 recorded, 1002 not", out)
	}
}
