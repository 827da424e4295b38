// Command mmstats-go-validate checks one mmstats file against the format.
//
//	mmstats-go-validate [-max-size BYTES] FILE
//
// Exit 0 when FILE is valid; exit 1 when it is not, with one
// "FILE: offset N: CODE: message" line per problem on stderr (version 1:
// sorted by offset; version 2: in the order of the spec's walk); exit 2 on a
// usage or I/O error.
package main

import (
	"fmt"
	"io"
	"os"

	"mmstats.dev/readers/go/internal/cliargs"
	"mmstats.dev/readers/go/mmstats"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	path, maxSize, ok := cliargs.Parse("mmstats-go-validate", args, stderr)
	if !ok {
		return 2
	}
	problems, err := mmstats.Validate(path, maxSize)
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
