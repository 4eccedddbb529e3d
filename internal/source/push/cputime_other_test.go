//go:build !unix

package push

import "time"

// cpuTime is not measured off unix; the benchmarks then report 0.
func cpuTime() time.Duration { return 0 }
