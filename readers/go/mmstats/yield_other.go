//go:build !linux

package mmstats

import "time"

// yieldProcessor: without sched_yield at hand, a short sleep parks the thread
// so that other processes get the processor (runtime.Gosched would not).
func yieldProcessor() {
	time.Sleep(time.Microsecond)
}
