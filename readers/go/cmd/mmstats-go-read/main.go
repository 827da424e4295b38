// Command mmstats-go-read prints the canonical JSON of one mmstats file.
//
//	mmstats-go-read [-max-size BYTES] FILE
//
// Exit 0 with the JSON on stdout; exit 1 when FILE breaks the format, with
// "FILE: offset N: CODE: message" on stderr for the first problem (version 1:
// the lowest offset; version 2: the first the spec's walk finds); exit 2 on a
// usage or I/O error.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"mmstats.dev/readers/go/internal/cliargs"
	"mmstats.dev/readers/go/mmstats"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	path, maxSize, ok := cliargs.Parse("mmstats-go-read", args, stderr)
	if !ok {
		return 2
	}
	file, err := mmstats.ReadFile(path, maxSize)
	var fe *mmstats.FormatError
	if errors.As(err, &fe) {
		fmt.Fprintln(stderr, fe.Error())
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "mmstats-go-read: %v\n", err)
		return 2
	}
	out := append(mmstats.AppendCanonicalFile(nil, path, file), '\n')
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintf(stderr, "mmstats-go-read: %v\n", err)
		return 2
	}
	return 0
}
