// Command mmstats-go-bench times the one-shot read of N files (mmstats.ReadFile: open, read,
// decode, close) beside a raw read of the same bytes (open, read, close), interleaved round by
// round.
//
//	mmstats-go-bench PATHLIST ROUNDS
//
// PATHLIST holds one path per line. Prints "raw NS decode NS fields N": the median over the
// rounds of each pass in nanoseconds per file, and the fields decoded per pass.
// bench/readers.py runs it for the scale table.
package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"

	"mmstats.dev/readers/go/mmstats"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: mmstats-go-bench PATHLIST ROUNDS")
		os.Exit(2)
	}
	list, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var paths []string
	sc := bufio.NewScanner(list)
	for sc.Scan() {
		if line := sc.Text(); line != "" {
			paths = append(paths, line)
		}
	}
	list.Close()
	rounds, err := strconv.Atoi(os.Args[2])
	if err != nil || rounds < 1 || len(paths) == 0 {
		fmt.Fprintln(os.Stderr, "mmstats-go-bench: no paths, or ROUNDS < 1")
		os.Exit(2)
	}
	buf := make([]byte, 1<<16)
	raw, dec := make([]float64, rounds), make([]float64, rounds)
	fields := 0
	for r := 0; r < rounds; r++ {
		t0 := time.Now()
		for _, p := range paths {
			f, err := os.Open(p)
			if err == nil {
				_, err = f.Read(buf)
				f.Close()
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		t1 := time.Now()
		fields = 0
		for _, p := range paths {
			file, err := mmstats.ReadFile(p, mmstats.DefaultMaxSize)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			if file.V2 != nil {
				fields += len(file.V2.Fields)
			} else {
				fields += len(file.Fields)
			}
		}
		t2 := time.Now()
		raw[r] = float64(t1.Sub(t0).Nanoseconds()) / float64(len(paths))
		dec[r] = float64(t2.Sub(t1).Nanoseconds()) / float64(len(paths))
	}
	sort.Float64s(raw)
	sort.Float64s(dec)
	fmt.Printf("raw %.0f decode %.0f fields %d\n", raw[rounds/2], dec[rounds/2], fields)
}
