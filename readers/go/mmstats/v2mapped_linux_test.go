package mmstats

import (
	"os"
	"strings"
	"testing"
)

// mappingsOf counts this process's mappings of path (a replaced file shows as "path (deleted)").
func mappingsOf(t *testing.T, path string) int {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(maps), "\n") {
		if strings.HasSuffix(line, " "+path) || strings.HasSuffix(line, " "+path+" (deleted)") {
			n++
		}
	}
	return n
}

// The replaced file's mapping is released when the new one is mapped, and Close releases that.
func TestMappedPollerV2ReleasesTheReplacedMapping(t *testing.T) {
	p, path := replaceAfterOnePoll(t)
	if n := mappingsOf(t, path); n != 1 {
		t.Fatalf("%d mappings of %s before the poll, want the old file's", n, path)
	}
	mappedOK(t, p)
	maps, _ := os.ReadFile("/proc/self/maps")
	if n := mappingsOf(t, path); n != 1 || strings.Contains(string(maps), path+" (deleted)") {
		t.Fatalf("%d mappings of %s after the poll, want the new file's only", n, path)
	}
	p.Close()
	if n := mappingsOf(t, path); n != 0 {
		t.Fatalf("%d mappings of %s after Close", n, path)
	}
}
