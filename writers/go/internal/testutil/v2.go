package testutil

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"testing"

	reader "mmstats.dev/readers/go/mmstats"
)

// DecodeJSON decodes JSON with exact numbers (json.Number).
func DecodeJSON(t testing.TB, data []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v map[string]any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("bad JSON %q: %v", data, err)
	}
	return v
}

// SameJSON compares want with got by value, as the spec compares canonical forms: integers
// exactly, floats bit for bit (every NaN equal; "NaN", "Infinity", "-Infinity" as strings),
// objects whatever their key order. Keys of got that want does not state are ignored at the
// top level only (the producer's identity: pid, start_ticks, created_unix_ns, path).
func SameJSON(want, got map[string]any) error {
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g, ok := got[k]
		if !ok {
			return fmt.Errorf("%s: missing", k)
		}
		if err := same(k, want[k], g); err != nil {
			return err
		}
	}
	return nil
}

func same(at string, want, got any) error {
	switch w := want.(type) {
	case json.Number:
		g, ok := got.(json.Number)
		if !ok || !sameNumber(w, g) {
			return fmt.Errorf("%s: want %v, got %v", at, want, got)
		}
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: want %v, got %v", at, want, got)
		}
		for k := range w {
			if err := same(at+"."+k, w[k], g[k]); err != nil {
				return err
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: want %d items, got %v", at, len(w), got)
		}
		for i := range w {
			if err := same(fmt.Sprintf("%s[%d]", at, i), w[i], g[i]); err != nil {
				return err
			}
		}
	default:
		if want != got {
			return fmt.Errorf("%s: want %#v, got %#v", at, want, got)
		}
	}
	return nil
}

func sameNumber(a, b json.Number) bool {
	isFloat := func(n json.Number) bool { return strings.ContainsAny(string(n), ".eE") }
	if isFloat(a) || isFloat(b) {
		x, err1 := strconv.ParseFloat(string(a), 64)
		y, err2 := strconv.ParseFloat(string(b), 64)
		return err1 == nil && err2 == nil && (math.Float64bits(x) == math.Float64bits(y) || x != x && y != y)
	}
	x, ok1 := new(big.Int).SetString(string(a), 10)
	y, ok2 := new(big.Int).SetString(string(b), 10)
	return ok1 && ok2 && x.Cmp(y) == 0
}

// ReadGoV2 returns the canonical JSON the Go reader's command prints for a version 2 file.
func ReadGoV2(t testing.TB, path string) []byte {
	t.Helper()
	f, err := reader.ReadFile(path, reader.DefaultMaxSize)
	if err != nil {
		t.Fatalf("Go reader: %v", err)
	}
	return reader.AppendCanonicalFile(nil, path, f)
}
