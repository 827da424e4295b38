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
