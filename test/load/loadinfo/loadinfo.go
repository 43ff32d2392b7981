// Package loadinfo reads what a load run reports beside its figures: the
// CPU its own process used, the machine's load average and the CPUs the
// process may run on. The machines are shared, so every figure is printed
// with the load it was measured under.
package loadinfo

import (
	"os"
	"strings"
	"syscall"
	"time"
)

// CPUTime returns the CPU (user and system) this process has used.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Loadavg returns the machine's one-minute load average as /proc/loadavg
// prints it, or "?" where there is none.
func Loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// CPUs returns the CPUs this process may run on, as the kernel lists them
// ("0-1", "0"), or "?" where it does not say.
func CPUs() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Cpus_allowed_list:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}
