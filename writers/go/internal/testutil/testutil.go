// Package testutil reads files back for the tests: with the Go reader (readers/go), with the
// Python reader of the repository's .venv, and compares canonical forms by value (spec
// "Comparing canonical forms"). Only _test files import it.
package testutil

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	reader "mmstats.dev/readers/go/mmstats"
)

// RepoRoot is the repository root: the first parent directory holding conformance/.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if st, err := os.Stat(filepath.Join(dir, "conformance", "implementations.json")); err == nil && !st.IsDir() {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no repository root (a directory with conformance/) above the working directory")
		}
		dir = parent
	}
}

// Conformance is the path of a file under conformance/; a missing file fails the test.
func Conformance(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(RepoRoot(t), "conformance", rel)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("missing fixture: %v", err)
	}
	return p
}

// ReadGo returns the canonical JSON the Go reader prints for path.
func ReadGo(t testing.TB, path string) []byte {
	t.Helper()
	fields, err := reader.Read(path, reader.DefaultMaxSize)
	if err != nil {
		t.Fatalf("Go reader: %v", err)
	}
	return reader.AppendCanonical(nil, path, fields)
}

// ReadPython returns the canonical JSON of the Python reader (the repository's .venv, made by
// `make setup`; without it the test fails).
func ReadPython(t testing.TB, path string) []byte {
	t.Helper()
	root := RepoRoot(t)
	python := filepath.Join(root, ".venv", "bin", "python")
	if _, err := os.Stat(python); err != nil {
		t.Fatalf("no Python reader: %v (run `make setup` in the repository root)", err)
	}
	cmd := exec.Command(python, "-m", "mmstats_conformance.python_impl", "read", path)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("Python reader: %v\n%s", err, stderr.String())
	}
	return out
}

// SameCanonical compares two canonical objects by value: path ignored, integers exact, floats
// bit for bit (every NaN equal, -0.0 unlike 0.0), strings, booleans and order exact.
func SameCanonical(want, got []byte) error {
	var w, g map[string]any
	for _, x := range []struct {
		data []byte
		dst  *map[string]any
	}{{want, &w}, {got, &g}} {
		d := json.NewDecoder(bytes.NewReader(x.data))
		d.UseNumber()
		if err := d.Decode(x.dst); err != nil {
			return fmt.Errorf("bad JSON %q: %v", x.data, err)
		}
	}
	if fmt.Sprint(w["format_version"]) != fmt.Sprint(g["format_version"]) {
		return fmt.Errorf("format_version: want %v, got %v", w["format_version"], g["format_version"])
	}
	wf, _ := w["fields"].([]any)
	gf, _ := g["fields"].([]any)
	if len(wf) != len(gf) {
		return fmt.Errorf("want %d fields, got %d", len(wf), len(gf))
	}
	for i := range wf {
		a, b := wf[i].(map[string]any), gf[i].(map[string]any)
		for _, k := range []string{"label", "type", "buffered"} {
			if a[k] != b[k] {
				return fmt.Errorf("fields[%d].%s: want %v, got %v", i, k, a[k], b[k])
			}
		}
		if err := sameValue(a["type"].(string), a["value"], b["value"]); err != nil {
			return fmt.Errorf("fields[%d] (%v): %v", i, a["label"], err)
		}
	}
	return nil
}

func sameValue(typ string, want, got any) error {
	switch typ {
	case "f", "d":
		wb, err1 := floatOf(want)
		gb, err2 := floatOf(got)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("not a float: want %v, got %v", want, got)
		}
		if math.IsNaN(wb) && math.IsNaN(gb) || math.Float64bits(wb) == math.Float64bits(gb) {
			return nil
		}
	case "b", "B", "h", "H", "i", "I", "q", "Q":
		wn, ok1 := want.(json.Number)
		gn, ok2 := got.(json.Number)
		wi, ok3 := new(big.Int).SetString(string(wn), 10)
		gi, ok4 := new(big.Int).SetString(string(gn), 10)
		if ok1 && ok2 && ok3 && ok4 && wi.Cmp(gi) == 0 {
			return nil
		}
	default:
		if want == got {
			return nil
		}
	}
	return fmt.Errorf("value: want %v, got %v", want, got)
}

func floatOf(v any) (float64, error) {
	switch v := v.(type) {
	case json.Number:
		return strconv.ParseFloat(string(v), 64)
	case string:
		switch v {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
	}
	return 0, fmt.Errorf("not a float: %v", v)
}

// FirstDifference is the first offset where a and b differ, or -1.
func FirstDifference(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}
