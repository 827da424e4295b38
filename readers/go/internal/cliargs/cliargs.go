// Package cliargs parses the arguments both commands take: [-max-size BYTES] FILE.
package cliargs

import (
	"flag"
	"fmt"
	"io"

	"mmstats.dev/readers/go/mmstats"
)

// Parse returns the file and the size limit, or ok false after printing the
// usage to stderr (the caller exits 2, the protocol's usage error).
func Parse(name string, args []string, stderr io.Writer) (path string, maxSize int64, ok bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	limit := fs.Int64("max-size", mmstats.DefaultMaxSize, "refuse files larger than this many `bytes` (file_too_large)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s [-max-size BYTES] FILE\n", name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return "", 0, false
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return "", 0, false
	}
	return fs.Arg(0), *limit, true
}
