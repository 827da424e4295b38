//go:build !linux

package mmstats

import "os"

// threadID falls back to the process id where the system has no portable thread id.
func threadID() int { return os.Getpid() }
