// Command mmstats-go-live is the live writer of the conformance protocol (conformance/README.md,
// "Live writer"):
//
//	mmstats-go-live --version 1|2 DIR
//
// It creates one file in DIR, prints its path and "ready", then makes one step at most every
// millisecond (live.counter and live.gauge = step number) until stdin reaches its end; then
// live.gauge = -1, the file is closed (version 2: state closed, kept) and "done N" printed, N the
// last step. A file that cannot be made exits 1; wrong usage exits 2.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"mmstats.dev/writers/go/mmstats"
)

const (
	counterLabel = "live.counter"
	gaugeLabel   = "live.gauge"
	gaugeFinal   = -1
	stepEvery    = time.Millisecond // time.Sleep never returns sooner, which bounds the step count
)

// stepper is one version's two fields: step sets both, finish sets the final gauge and closes.
type stepper interface {
	step(n uint64)
	finish() error
}

type v1Fields struct {
	stats   *mmstats.Stats
	counter *mmstats.Int[uint64]
	gauge   *mmstats.Int[int32]
}

func (f v1Fields) step(n uint64) { f.counter.Inc(); f.gauge.Set(int32(n)) }
func (f v1Fields) finish() error { f.gauge.Set(gaugeFinal); return f.stats.Close() }

type v2Fields struct {
	stats   *mmstats.Stats
	slot    *mmstats.Slot // this goroutine's own copy of the counter: a plain load and store
	counter mmstats.SlotCounter
	gauge   *mmstats.IntGauge
}

func (f v2Fields) step(n uint64) { f.counter.Add(1); f.gauge.Set(int64(n)) }
func (f v2Fields) finish() error {
	f.gauge.Set(gaugeFinal)
	f.slot.Release()
	return f.stats.Close()
}

func open(version mmstats.Version, path string) (stepper, error) {
	if version == mmstats.V1 {
		f := v1Fields{counter: mmstats.NewCounter(counterLabel), gauge: mmstats.NewInt[int32](gaugeLabel)}
		s, err := mmstats.Create(mmstats.Options{Path: path, Version: mmstats.V1, NoDefaults: true}, f.counter, f.gauge)
		f.stats = s
		return f, err
	}
	s, err := mmstats.Create(mmstats.Options{Path: path, Keep: true})
	if err != nil {
		return nil, err
	}
	f := v2Fields{stats: s, slot: s.Slot()}
	f.counter = s.Counter(counterLabel).In(f.slot)
	f.gauge = s.IntGauge(gaugeLabel)
	return f, s.Err()
}

func main() {
	if len(os.Args) != 4 || os.Args[1] != "--version" || (os.Args[2] != "1" && os.Args[2] != "2") {
		fmt.Fprintln(os.Stderr, "usage: mmstats-go-live --version 1|2 DIR")
		os.Exit(2)
	}
	version := mmstats.V1
	if os.Args[2] == "2" {
		version = mmstats.V2
	}
	path := filepath.Join(os.Args[3], fmt.Sprintf("live-%d.mmstats", os.Getpid()))
	f, err := open(version, path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mmstats-go-live: %v\n", err)
		os.Exit(1)
	}
	var closed atomic.Bool
	go func() { io.Copy(io.Discard, os.Stdin); closed.Store(true) }()
	fmt.Printf("%s\nready\n", path)
	var n uint64
	for {
		time.Sleep(stepEvery)
		if closed.Load() {
			break
		}
		n++
		f.step(n)
	}
	if err := f.finish(); err != nil {
		fmt.Fprintf(os.Stderr, "mmstats-go-live: %s: %v\n", path, err)
		os.Exit(1)
	}
	fmt.Printf("done %d\n", n)
}
