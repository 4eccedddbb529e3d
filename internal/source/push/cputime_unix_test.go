//go:build unix

package push

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used, all threads: on a shared
// machine it measures the work done better than the wall clock does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
