// Command mmstats-go-bench times the writer's updates beside the floor, a plain increment of
// a value in memory, in the same process and the same loop shape, and prints one line per
// figure in the format of the other native writer benchmarks (bench/writer_native.py reads
// them):
//
//	mmstats-go-bench [ITERATIONS]
//
// Each figure is the best of 7 runs of ITERATIONS operations; the runs go round the rows, so
// that a burst of load on a shared machine hits every row alike. It asserts nothing: absolute
// numbers drift with the machine and its load; the ratios are what it is for. The last lines
// check that every increment reached the file.
//
// The floor is honest: `*p += n` where p comes from a function the compiler does not inline
// (so it cannot keep the value in a register: every iteration loads and stores memory, as the
// mmstats increment does) and n from a variable (no constant folding). Every timed loop is a
// function of its own that the compiler does not inline, with the same loop shape.
package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"mmstats.dev/writers/go/mmstats"
)

const repeats = 7

var step uint64 = 1 // n: a variable, not a constant

//go:noinline
func floorWord() *uint64 { return new(uint64) }

//go:noinline
func plain(p *uint64, n uint64, iterations int) {
	for i := 0; i < iterations; i++ {
		*p += n
	}
}

//go:noinline
func slotCounter(c mmstats.SlotCounter, n uint64, iterations int) {
	for i := 0; i < iterations; i++ {
		c.Add(n)
	}
}

//go:noinline
func slotAdd(w *mmstats.Slot, c *mmstats.Counter, n uint64, iterations int) {
	for i := 0; i < iterations; i++ {
		w.Add(c, n)
	}
}

//go:noinline
func sharedCounter(c *mmstats.Counter, n uint64, iterations int) {
	for i := 0; i < iterations; i++ {
		c.Add(n)
	}
}

//go:noinline
func observe(h mmstats.SlotHistogram, iterations int) {
	for i := 0; i < iterations; i++ {
		h.Observe(float64(i & 127))
	}
}

//go:noinline
func observeShared(h *mmstats.Histogram, iterations int) {
	for i := 0; i < iterations; i++ {
		h.Observe(float64(i & 127))
	}
}

//go:noinline
func setString(t *mmstats.String, texts [2]string, iterations int) {
	for i := 0; i < iterations; i++ {
		t.Set(texts[i&1])
	}
}

//go:noinline
func v1Inc(c *mmstats.Int[uint64], iterations int) {
	for i := 0; i < iterations; i++ {
		c.Inc()
	}
}

// row is one timed loop.
type row struct {
	name string
	run  func()
	ns   float64 // best per operation
}

// measure runs every row repeats times, round-robin, and keeps each row's fastest run.
func measure(rows []row, iterations int) {
	for r := 0; r < repeats; r++ {
		for i := range rows {
			start := time.Now()
			rows[i].run()
			ns := float64(time.Since(start).Nanoseconds()) / float64(iterations)
			if r == 0 || ns < rows[i].ns {
				rows[i].ns = ns
			}
		}
	}
}

func main() {
	iterations := 20_000_000
	if len(os.Args) > 1 {
		n, err := strconv.Atoi(os.Args[1])
		if err != nil || n <= 0 {
			fmt.Fprintln(os.Stderr, "usage: mmstats-go-bench [ITERATIONS]")
			os.Exit(2)
		}
		iterations = n
	}
	if err := run(iterations); err != nil {
		fmt.Fprintln(os.Stderr, "mmstats-go-bench:", err)
		os.Exit(1)
	}
}

func run(iterations int) error {
	dir := os.Getenv("MMSTATS_PATH")
	if dir == "" {
		dir = os.TempDir()
	}
	s, err := mmstats.Create(mmstats.Options{Path: filepath.Join(dir, fmt.Sprintf("mmstats-go-bench-%d.mmstats", os.Getpid()))})
	if err != nil {
		return err
	}
	defer s.Close()
	c := s.Counter("bench.slot")
	shared := s.Counter("bench.shared")
	h := s.Histogram("bench.latency", []float64{1, 2, 5, 10, 20, 50, 100}, mmstats.Unit("ms"))
	text := s.String("bench.text", mmstats.Capacity(16))
	w := s.Slot()
	defer w.Release()
	if w.Shared() {
		return fmt.Errorf("no thread slot")
	}

	v1, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, NoDefaults: true,
		Path: filepath.Join(dir, fmt.Sprintf("mmstats-go-bench-v1-%d.mmstats", os.Getpid()))}, mmstats.NewCounter("c"))
	if err != nil {
		return err
	}
	defer v1.Remove()
	v1c := mmstats.NewCounter("c2")
	v1s, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, NoDefaults: true,
		Path: filepath.Join(dir, fmt.Sprintf("mmstats-go-bench-v1b-%d.mmstats", os.Getpid()))}, v1c)
	if err != nil {
		return err
	}
	defer v1s.Remove()

	p := floorWord()
	n := step
	view := c.In(w)
	texts := [2]string{"0123456789abcdef", "fedcba9876543210"}
	rows := []row{
		{name: "plain `*p += n` through a pointer (the floor)", run: func() { plain(p, n, iterations) }},
		{name: "v2 slot counter add, c.In(w).Add", run: func() { slotCounter(view, n, iterations) }},
		{name: "v2 slot counter add, w.Add(c, n)", run: func() { slotAdd(w, c, n, iterations) }},
		{name: "v2 shared-slot Counter.Add (atomic add)", run: func() { sharedCounter(shared, n, iterations) }},
		{name: "v2 histogram observe, slot (8 buckets)", run: func() { observe(h.In(w), iterations) }},
		{name: "v2 histogram observe, shared slot", run: func() { observeShared(h, iterations) }},
		{name: "v2 string set, 16 bytes", run: func() { setString(text, texts, iterations) }},
		{name: "v1 Counter.Inc, buffered Q (lock + flip)", run: func() { v1Inc(v1c, iterations) }},
	}
	measure(rows, iterations)
	fmt.Printf("iterations per run: %d, best of %d runs\n", iterations, repeats)
	floor := rows[0].ns
	for _, r := range rows {
		fmt.Printf("%-44s %6.2f ns/op  x%.2f\n", r.name, r.ns, r.ns/floor)
	}
	want := uint64(repeats * iterations)
	got, err := slotValue(s.Path())
	if err != nil {
		return err
	}
	fmt.Printf("check: plain = %d (want %d), slot counter = %d in the file (want %d: two rows)\n", *p, want, got, 2*want)
	return nil
}

// slotValue is the first slotted field's copy in slot 1 (value_offset 0 there), read from
// the file at the spec's header offsets (slots_offset at 72, slot_size at 76).
func slotValue(path string) (uint64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	le := binary.LittleEndian
	at := int(le.Uint32(data[72:])) + int(le.Uint32(data[76:]))
	return le.Uint64(data[at:]), nil
}
