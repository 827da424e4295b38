// Command mmstats-go-write is the conformance writer (conformance/README.md, "Writer"):
//
//	mmstats-go-write SCENARIO.json OUT.mmstats
//
// It creates OUT, which must not exist, with the scenario's fields, applies its updates and
// exits 0. A bad scenario or a failed creation exits 1 without leaving OUT behind; wrong usage
// exits 2.
package main

import (
	"fmt"
	"os"

	"mmstats.dev/writers/go/internal/scenario"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: mmstats-go-write SCENARIO.json OUT.mmstats")
		os.Exit(2)
	}
	if err := scenario.Run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintf(os.Stderr, "mmstats-go-write: %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
