// Package cliargs parses the arguments both commands take: [-max-size BYTES] FILE.
package cliargs

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"mmstats.dev/readers/go/mmstats"
)

// Parse returns the file and the size limit, or ok false after printing what
// was wrong and the usage to stderr (the caller exits 2, the protocol's usage error).
func Parse(name string, args []string, stderr io.Writer) (path string, maxSize int64, ok bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the flag package prints arguments raw; the error is printed escaped below
	limit := fs.Int64("max-size", mmstats.DefaultMaxSize, "refuse files larger than this many `bytes` (file_too_large)")
	usage := func(problem string) {
		if problem != "" {
			fmt.Fprintf(stderr, "%s: %s\n", name, mmstats.EscapeText(problem))
		}
		fmt.Fprintf(stderr, "usage: %s [-max-size BYTES] FILE\n", name)
		fs.SetOutput(stderr)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage("")
		} else {
			usage(err.Error())
		}
		return "", 0, false
	}
	switch {
	case *limit < 0:
		usage(fmt.Sprintf("-max-size must be 0 or more, not %d", *limit))
	case fs.NArg() != 1:
		usage(fmt.Sprintf("want one FILE, got %d arguments", fs.NArg()))
	default:
		return fs.Arg(0), *limit, true
	}
	return "", 0, false
}
