package mmstats

import (
	"os"
	"runtime"
	"strings"
	"time"
)

// RuntimeVersionLabel is the default field holding the Go version that built the writer
// (a Go writer does not claim org.python.version).
const RuntimeVersionLabel = "org.golang.version"

// processInfo is what the default fields and the file name say about the writer.
type processInfo struct {
	pid      int
	tid      int // the OS thread that ran Create (see threadID)
	uid, gid int
	runtime  string
	created  float64 // seconds since the Unix epoch
	// startTicks is the process start time in clock ticks since boot (Linux: /proc/self/stat
	// field 22), 0 where unknown; with the pid it names the process within one boot.
	startTicks uint64
}

func currentProcess() processInfo {
	return processInfo{
		pid:     os.Getpid(),
		tid:     threadID(),
		uid:     os.Getuid(),
		gid:     os.Getgid(),
		runtime: runtime.Version(),
		created: float64(time.Now().UnixNano()) / 1e9,

		startTicks: processStartTicks(),
	}
}

// isPidLabel: the sys.pid default field, with any label prefix (spec "Removing stale files").
func isPidLabel(label string) bool {
	return label == "sys.pid" || strings.HasSuffix(label, ".sys.pid")
}
