//go:build unix

package mmstats

import (
	"os"
	"syscall"
)

// openFlags: without O_NONBLOCK, opening a FIFO waits for a writer forever.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK
