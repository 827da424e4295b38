//go:build !linux

package mmstatsreceiver

import "time"

// processOf knows nothing about processes outside Linux's /proc.
func processOf(int64) ([]string, time.Time, bool) { return nil, time.Time{}, false }

// sinceBoot knows no boot time outside Linux.
func sinceBoot(uint64) (time.Time, bool) { return time.Time{}, false }
