// Command mmstats-go-validate checks one mmstats file against the format.
//
//	mmstats-go-validate [-max-size BYTES] FILE
//
// Exit 0 when FILE is valid; exit 1 when it is not, with one
// "FILE: offset N: CODE: message" line per problem on stderr, sorted by
// offset; exit 2 on a usage or I/O error.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"mmstats.dev/readers/go/mmstats"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("mmstats-go-validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	maxSize := fs.Int64("max-size", mmstats.DefaultMaxSize, "refuse files larger than this many `bytes` (file_too_large)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mmstats-go-validate [-max-size BYTES] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	path := fs.Arg(0)
	problems, err := mmstats.Validate(path, *maxSize)
	if err != nil {
		fmt.Fprintf(stderr, "mmstats-go-validate: %v\n", err)
		return 2
	}
	for i := range problems {
		fmt.Fprintln(stderr, problems[i].Error())
	}
	if len(problems) > 0 {
		return 1
	}
	return 0
}
