//go:build race

package mmstats_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"mmstats.dev/writers/go/mmstats"
)

// Under -race only: two goroutines sharing one Slot is reported as a data race, though the
// copies they write are in the mapping, which the detector does not watch (slot.go's stand-in).
// The misuse runs in a child process of this test binary, which must fail with the report.
func TestV2SlotSharedByTwoGoroutinesIsARace(t *testing.T) {
	if os.Getenv("MMSTATS_MISUSE_CHILD") == "1" {
		misuseOneSlot(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestV2SlotSharedByTwoGoroutinesIsARace$", "-test.count=1")
	cmd.Env = append(os.Environ(), "MMSTATS_MISUSE_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "WARNING: DATA RACE") || !strings.Contains(string(out), "slot.go") {
		t.Fatalf("want a data race reported in slot.go, got %v:\n%s", err, out)
	}
}

func misuseOneSlot(t *testing.T) {
	s, err := mmstats.Create(mmstats.Options{Path: filepath.Join(t.TempDir(), "m.mmstats")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := s.Counter("c")
	w := s.Slot()
	var wg sync.WaitGroup
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				c.In(w).Add(1)
			}
		}()
	}
	wg.Wait()
}
