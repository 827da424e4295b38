package mmstats

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"
)

// The thread-slot increment costs what a plain increment costs only when the compiler inlines
// it into the caller's loop; its body sits at the edge of the inliner's budget, so a change
// that pushes it over must fail here rather than show up as a slower benchmark.
func TestHotPathsInline(t *testing.T) {
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-gcflags=-m", ".")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build -gcflags=-m: %v\n%s", err, out)
	}
	for _, fn := range []string{"SlotCounter.Add", "SlotUpDownCounter.Add", "(*Counter).Add", "(*Counter).In",
		"(*Gauge).Set", "addRelaxed"} {
		if !regexp.MustCompile(`(?m)can inline ` + regexp.QuoteMeta(fn) + `( |$)`).Match(out) {
			t.Errorf("%s is not inlined any more", fn)
		}
	}
}
