package mmstats

import "syscall"

// threadID is gettid() of the OS thread running the caller. Goroutines move between threads,
// so it names the thread that created a file, nothing more (see the package documentation).
func threadID() int { return syscall.Gettid() }
