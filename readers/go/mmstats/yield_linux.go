package mmstats

import "syscall"

// yieldProcessor gives the processor to any runnable thread, of this process
// or another (sched_yield), as the spec's retry bound asks: a writer stuck in
// an update may be waiting for this very CPU. runtime.Gosched would only run
// another goroutine.
func yieldProcessor() {
	syscall.Syscall(syscall.SYS_SCHED_YIELD, 0, 0, 0)
}
