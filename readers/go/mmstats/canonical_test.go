package mmstats

import (
	"bufio"
	"encoding/json"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// CPython's repr is the oracle: conformance/oracles/float-repr.txt, lines
// "HEXBITS KIND REPR" (KIND d: binary64, 16 hex digits; f: binary32, 8 hex
// digits, widened to binary64 before it is written).
func TestAppendFloatMatchesPythonRepr(t *testing.T) {
	path := filepath.Join(repoRoot(t), "conformance", "oracles", "float-repr.txt")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kinds := map[string]int{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		parts := strings.Fields(sc.Text())
		if len(parts) != 3 {
			t.Fatalf("%s:%d: not HEXBITS KIND REPR: %q", path, line, sc.Text())
		}
		hexBits, kind, want := parts[0], parts[1], parts[2]
		var v float64
		switch {
		case kind == "d" && len(hexBits) == 16:
			bits, err := strconv.ParseUint(hexBits, 16, 64)
			if err != nil {
				t.Fatalf("%s:%d: %v", path, line, err)
			}
			v = math.Float64frombits(bits)
		case kind == "f" && len(hexBits) == 8:
			bits, err := strconv.ParseUint(hexBits, 16, 32)
			if err != nil {
				t.Fatalf("%s:%d: %v", path, line, err)
			}
			v = float64(math.Float32frombits(uint32(bits)))
		default:
			t.Fatalf("%s:%d: kind %q with %d hex digits", path, line, kind, len(hexBits))
		}
		if got := string(AppendFloat(nil, v)); got != want {
			t.Errorf("%s %s: want %s, got %s", hexBits, kind, want, got)
		}
		kinds[kind]++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if kinds["d"] < 500 || kinds["f"] < 100 {
		t.Fatalf("only %d binary64 and %d binary32 reference values in %s", kinds["d"], kinds["f"], path)
	}
}

func TestAppendFloatRoundTripsAndIsJSON(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 100000; i++ {
		v := math.Float64frombits(rng.Uint64())
		if i%2 == 0 {
			v = float64(math.Float32frombits(rng.Uint32()))
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		text := AppendFloat(nil, v)
		back, err := strconv.ParseFloat(string(text), 64)
		if err != nil || math.Float64bits(back) != math.Float64bits(v) {
			t.Fatalf("%x: %s reads back as %v (%v)", math.Float64bits(v), text, back, err)
		}
		if !json.Valid(text) {
			t.Fatalf("%s is not a JSON number", text)
		}
	}
}

func TestJSONValueSpellings(t *testing.T) {
	cases := []struct {
		v    Value
		want string
	}{
		{UintValue(math.MaxUint64), "18446744073709551615"},
		{IntValue(math.MinInt64), "-9223372036854775808"},
		{FloatValue(math.NaN()), `"NaN"`},
		{FloatValue(math.Inf(1)), `"Infinity"`},
		{FloatValue(math.Inf(-1)), `"-Infinity"`},
		{FloatValue(math.Copysign(0, -1)), "-0.0"},
		{FloatValue(float64(float32(0.1))), "0.10000000149011612"},
		{FloatValue(1e16), "1e+16"},
		{FloatValue(100), "100.0"},
		{BoolValue(true), "true"},
		{StringValue("a\"b\\c\nd\x01\x7f é ✓"), `"a\"b\\c\nd\u0001` + "\x7f é ✓\""},
	}
	for _, c := range cases {
		if got := string(AppendJSONValue(nil, c.v)); got != c.want {
			t.Errorf("want %s, got %s", c.want, got)
		}
	}
}

func TestCanonicalObjectIsValidJSONInFileOrder(t *testing.T) {
	fields := []Field{
		{"z.last", "Q", true, UintValue(1)},
		{"a.first", "d", false, FloatValue(math.NaN())},
		{"lab\"el", "3s", false, StringValue("x\u2028y")},
	}
	out := AppendCanonical(nil, "dir/\xff.mmstats", fields)
	var obj struct {
		Path          string
		FormatVersion int `json:"format_version"`
		Fields        []struct {
			Label, Type string
			Buffered    bool
			Value       any
		}
	}
	if err := json.Unmarshal(out, &obj); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if obj.Path != "dir/\uFFFD.mmstats" || obj.FormatVersion != 1 || len(obj.Fields) != 3 {
		t.Fatalf("%s", out)
	}
	if obj.Fields[0].Label != "z.last" || obj.Fields[1].Value != "NaN" || obj.Fields[2].Label != "lab\"el" ||
		obj.Fields[2].Value != "x\u2028y" || !obj.Fields[0].Buffered || obj.Fields[2].Type != "3s" {
		t.Fatalf("%s", out)
	}
}
