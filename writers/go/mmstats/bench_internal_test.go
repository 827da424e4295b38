package mmstats

import (
	"path/filepath"
	"testing"
	"time"
)

// plain is the baseline: an int64 in memory, incremented through a pointer the compiler cannot
// keep in a register across iterations.
var plain = new(int64)

// BenchmarkCounterInc times Counter.Inc on a published file and, in the same run, a plain
// increment, the version 1 protocol alone (no lock) and reports the ratio. It asserts nothing.
//
//	go test -run '^$' -bench CounterInc ./mmstats
func BenchmarkCounterInc(b *testing.B) {
	c := NewCounter("c")
	s, err := Create(Options{Version: V1, Path: filepath.Join(b.TempDir(), "bench.mmstats"), NoDefaults: true}, c)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Inc()
	}
	b.StopTimer()
	counter := perOp(b.Elapsed(), b.N)

	p := plain
	start := time.Now()
	for i := 0; i < b.N; i++ {
		*p++
	}
	base := perOp(time.Since(start), b.N)

	slot := c.slot
	start = time.Now()
	for i := 0; i < b.N; i++ {
		slot.setBits(uint64(i))
	}
	protocol := perOp(time.Since(start), b.N)

	b.ReportMetric(base, "plain-ns/op")
	b.ReportMetric(protocol, "protocol-ns/op")
	b.ReportMetric(counter/base, "x-plain")
}

// BenchmarkCounterIncParallel: every goroutine increments the same counter (they take turns).
func BenchmarkCounterIncParallel(b *testing.B) {
	c := NewCounter("c")
	s, err := Create(Options{Version: V1, Path: filepath.Join(b.TempDir(), "bench.mmstats"), NoDefaults: true}, c)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Inc()
		}
	})
}

func perOp(d time.Duration, n int) float64 { return float64(d.Nanoseconds()) / float64(n) }

// BenchmarkPlainIncrement is the floor alone, as a line of its own (bench/run.py reads it).
func BenchmarkPlainIncrement(b *testing.B) {
	p := plain
	for i := 0; i < b.N; i++ {
		*p++
	}
}
