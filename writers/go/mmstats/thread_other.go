//go:build !linux

package mmstats

import "os"

// threadID falls back to the process id where the system has no portable thread id.
func threadID() int { return os.Getpid() }

// processStartTicks is 0: the start time is unknown here (spec "Producer identity").
func processStartTicks() uint64 { return 0 }
