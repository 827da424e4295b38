package mmstats_test

import (
	"fmt"
	"os"
	"path/filepath"

	"mmstats.dev/writers/go/mmstats"
)

func Example() {
	dir, _ := os.MkdirTemp("", "mmstats-example-")
	defer os.RemoveAll(dir)

	requests := mmstats.NewCounter("http.requests")
	load := mmstats.NewGauge("load")
	lastPath := mmstats.NewString("last.path", 16)
	s, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: filepath.Join(dir, "web.mmstats"), Prefix: "web."},
		requests, load, lastPath, mmstats.StaticString("build", 8, "v1.2.3"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Remove()

	requests.Inc()
	requests.Add(2)
	load.Set(0.75)
	lastPath.Set("/a/rather/long/path") // cut to 16 bytes
	fmt.Println(requests.Load(), load.Load(), lastPath.Load(), s.Size())
	// Output: 3 0.75 /a/rather/long/p 4096
}

// Version 2, the default: fields are added at any time; a worker goroutine takes a writer slot
// for its hot loop; Close marks the file closed and removes it.
func Example_version2() {
	dir, _ := os.MkdirTemp("", "mmstats-example-")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "web.mmstats")

	s, err := mmstats.Create(mmstats.Options{Path: path})
	if err != nil {
		fmt.Println(err)
		return
	}
	requests := s.Counter("http.requests", mmstats.Help("Requests served"),
		mmstats.Unit("{request}"), mmstats.Attr("status", "2xx"))
	latency := s.Histogram("http.latency", []float64{5, 10, 50}, mmstats.Unit("ms"))
	s.ConstantString("build.version", "2.0.1")

	requests.Add(1) // any goroutine: the shared slot
	latency.Observe(12.5)

	w := s.Slot() // this goroutine's own slot
	hits := requests.In(w)
	for i := 0; i < 1000; i++ {
		hits.Add(1) // a plain load and store
	}
	w.Release()

	fmt.Println(s.Err())
	fmt.Println(s.Close())
	_, err = os.Stat(path)
	fmt.Println(os.IsNotExist(err))
	// Output:
	// <nil>
	// <nil>
	// true
}
