package mmstats

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// defaultCommand is {CMD} when the program name is empty.
const defaultCommand = "go"

// DefaultPath is where Create puts a file when Options.Path is empty (spec "Directory and file
// names"): the directory $MMSTATS_PATH, else the system's temporary directory; the name from
// the template $MMSTATS_FILES, else the version's default ({CMD}-{PID}-{TID}.mmstats in
// version 1, {CMD}-{PID}-{START}.mmstats in version 2). {TID} is the OS thread running this
// call, {START} the process's start time in clock ticks since boot (0 if unknown).
func DefaultPath(v Version) (string, error) {
	c, err := formatFor(v)
	if err != nil {
		return "", err
	}
	return defaultPath(c, currentProcess()), nil
}

func defaultPath(c format, p processInfo) string {
	dir := os.Getenv("MMSTATS_PATH")
	if dir == "" {
		dir = os.TempDir()
	}
	template := os.Getenv("MMSTATS_FILES")
	if template == "" {
		template = c.defaultTemplate()
	}
	cmd := ""
	if len(os.Args) > 0 {
		cmd = commandName(os.Args[0])
	}
	if cmd == "" {
		cmd = defaultCommand
	}
	return filepath.Join(dir, expandTemplate(template, cmd, p.pid, p.tid, p.startTicks))
}

// commandName is {CMD}: the base name of argv[0] without its extension.
func commandName(argv0 string) string {
	if argv0 == "" {
		return ""
	}
	base := filepath.Base(argv0)
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	if base == "." || base == "/" {
		return ""
	}
	return base
}

// expandTemplate substitutes {CMD}, {PID}, {TID} and {START}; any other text, braces
// included, stays.
func expandTemplate(template, cmd string, pid, tid int, start uint64) string {
	return strings.NewReplacer("{CMD}", cmd, "{PID}", strconv.Itoa(pid), "{TID}", strconv.Itoa(tid),
		"{START}", strconv.FormatUint(start, 10)).Replace(template)
}
