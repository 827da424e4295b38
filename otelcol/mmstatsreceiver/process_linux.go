package mmstatsreceiver

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of /proc/<pid>/stat's start time: fixed at 100 by the Linux ABI.
const userHZ = 100

// processOf returns the command line and start time of a live process, read
// from /proc. ok is false when the process is gone or /proc cannot say.
func processOf(pid int64) (args []string, start time.Time, ok bool) {
	dir := "/proc/" + strconv.FormatInt(pid, 10)
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return nil, time.Time{}, false
	}
	start, ok = startTime(stat)
	if !ok {
		return nil, time.Time{}, false
	}
	cmdline, err := os.ReadFile(dir + "/cmdline")
	if err != nil || len(cmdline) == 0 {
		return nil, time.Time{}, false
	}
	return strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00"), start, true
}

// startTime reads field 22 of /proc/<pid>/stat (ticks since boot) and adds the boot time.
func startTime(stat []byte) (time.Time, bool) {
	// the command name (field 2) is in parentheses and may hold spaces: count from its end
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return time.Time{}, false
	}
	rest := strings.Fields(string(stat[end+1:]))
	const startField = 22 - 3 // fields after the ')' begin with field 3
	if len(rest) <= startField {
		return time.Time{}, false
	}
	ticks, err := strconv.ParseUint(rest[startField], 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return sinceBoot(ticks)
}

// sinceBoot is the wall-clock time of a process start given in clock ticks
// since boot (/proc/<pid>/stat field 22, a version 2 file's start_ticks).
func sinceBoot(ticks uint64) (time.Time, bool) {
	boot, ok := bootTime()
	if !ok || ticks == 0 {
		return time.Time{}, false
	}
	return boot.Add(time.Duration(ticks) * time.Second / userHZ), true
}

func bootTime() (time.Time, bool) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, found := strings.CutPrefix(line, "btime "); found {
			s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return time.Unix(s, 0), err == nil
		}
	}
	return time.Time{}, false
}
