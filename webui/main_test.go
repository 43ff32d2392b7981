package webui

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the package when goroutines outlive its tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := leakedGoroutines(); leaked != "" {
			fmt.Fprintln(os.Stderr, "webui: goroutines leaked by the tests:\n"+leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// leakedGoroutines waits up to 5 s for goroutines started by this module's
// code (or net/http) to end, and returns the stacks of those left.
func leakedGoroutines() string {
	var left []string
	for range 50 {
		left = left[:0]
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "switchboard-cc/switchboard") || strings.Contains(g, "net/http.(*conn).serve") || strings.Contains(g, "net/http.(*persistConn)") {
				if !strings.Contains(g, "leakedGoroutines") && !strings.Contains(g, "TestMain") {
					left = append(left, g)
				}
			}
		}
		if len(left) == 0 {
			return ""
		}
		time.Sleep(100 * time.Millisecond)
	}
	return strings.Join(left, "\n\n")
}
