package mmstats

import (
	"os"
	"path/filepath"
	"testing"
)

func benchFile(b *testing.B, name string) []byte {
	data, err := os.ReadFile(filepath.Join(interopDir(b), name))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkScan: one walk of the 206-field file.
func BenchmarkScan(b *testing.B) {
	data := benchFile(b, "many-fields.mmstats")
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		Scan(data)
	}
}

// BenchmarkDecode: walk plus every value.
func BenchmarkDecode(b *testing.B) {
	data := benchFile(b, "many-fields.mmstats")
	for i := 0; i < b.N; i++ {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompiledValues: the re-reader's per-poll cost for the same file.
func BenchmarkCompiledValues(b *testing.B) {
	data := benchFile(b, "many-fields.mmstats")
	fields, _ := Scan(data)
	c := Compile(data[0], fields)
	var vals []Value
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		vals, _ = c.Values(data, vals)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(fields)), "ns/field")
}

// BenchmarkStatsReaderPoll: one poll of an unchanged file (stat, pread, write-buffer re-read, values).
func BenchmarkStatsReaderPoll(b *testing.B) {
	data := benchFile(b, "many-fields.mmstats")
	p := filepath.Join(b.TempDir(), "poll.mmstats")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		b.Fatal(err)
	}
	r := NewStatsReader(p, DefaultMaxSize)
	defer r.Close()
	benchPolls(b, r.Read)
}

// benchPolls times b.N polls by read after a first one (the parse a poller
// makes once), its allocations reported.
func benchPolls[T any](b *testing.B, read func() (T, error)) {
	if _, err := read(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := read(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadFile: the one-shot Read of the same file (open, read, scan, re-read, decode).
func BenchmarkReadFile(b *testing.B) {
	p := filepath.Join(interopDir(b), "many-fields.mmstats")
	for i := 0; i < b.N; i++ {
		if _, err := Read(p, DefaultMaxSize); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPollV2: one poll of an unchanged version 2 file with every kind
// (conformance/v2/valid/kinds/all), by copies and through the mapping.
func BenchmarkPollV2(b *testing.B) {
	path := filepath.Join(repoRoot(b), "conformance", "v2", "valid", "kinds", "all.mmstats")
	pollers := []struct {
		name string
		read func() (*FileV2, error)
	}{
		{"PollerV2", NewPollerV2(path, DefaultMaxSize).Read},
		{"MappedPollerV2", NewMappedPollerV2(path, DefaultMaxSize).Read},
	}
	for _, p := range pollers {
		b.Run(p.name, func(b *testing.B) { benchPolls(b, p.read) })
	}
}

// BenchmarkPollV2Default: one poll of an unchanged file of a default file's
// capacities (about 344 KiB, mostly unused) holding every kind once.
func BenchmarkPollV2Default(b *testing.B) {
	path := filepath.Join(b.TempDir(), "big.mmstats")
	if err := os.WriteFile(path, bigV2(b), 0o644); err != nil {
		b.Fatal(err)
	}
	p := NewPollerV2(path, DefaultMaxSize)
	defer p.Close()
	benchPolls(b, p.Read)
}
