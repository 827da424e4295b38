package mmstats

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// threadID is gettid() of the OS thread running the caller. Goroutines move between threads,
// so it names the thread that created a file, nothing more (see the package documentation).
func threadID() int { return syscall.Gettid() }

// processStartTicks is field 22 (starttime) of /proc/self/stat, 0 when it cannot be read. The
// command name (field 2) may hold spaces and parentheses, so fields are counted after its last
// ')': starttime is the 20th of them.
func processStartTicks() uint64 {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0
	}
	fields := bytes.Fields(data[i+1:])
	if len(fields) < 20 {
		return 0
	}
	n, err := strconv.ParseUint(string(fields[19]), 10, 64)
	if err != nil {
		return 0
	}
	return n
}
