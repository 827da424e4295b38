//go:build !linux

package mmstats_test

import "os"

func threadID() int { return os.Getpid() }
