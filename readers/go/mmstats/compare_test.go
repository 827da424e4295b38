package mmstats

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// canonicalDiff compares two canonical JSON texts by value, as
// mmstats_format.canonical.diff does: path ignored; integers exact; floats by
// binary64 bits (-0.0 != 0.0, every NaN equal); bools and strings exactly.
func canonicalDiff(want, got []byte) []string {
	var w, g map[string]any
	if err := decodeJSON(want, &w); err != nil {
		return []string{"want: " + err.Error()}
	}
	if err := decodeJSON(got, &g); err != nil {
		return []string{"got: " + err.Error()}
	}
	if fmt.Sprint(w["format_version"]) == "2" {
		return canonicalDiffV2(w, g)
	}
	var out []string
	if fmt.Sprint(w["format_version"]) != fmt.Sprint(g["format_version"]) {
		out = append(out, fmt.Sprintf("format_version: want %v, got %v", w["format_version"], g["format_version"]))
	}
	return append(out, fieldDiffs(w, g, func(i int, wi, gi map[string]any) (out []string) {
		for _, key := range []string{"label", "type", "buffered"} {
			if wi[key] != gi[key] {
				out = append(out, fmt.Sprintf("fields[%d].%s: want %#v, got %#v", i, key, wi[key], gi[key]))
			}
		}
		typ, _ := wi["type"].(string)
		if !sameValue(typ, wi["value"], gi["value"]) {
			out = append(out, fmt.Sprintf("fields[%d].value (%v): want %#v, got %#v", i, wi["label"], wi["value"], gi["value"]))
		}
		return out
	})...)
}

// fieldDiffs walks the two "fields" lists side by side (both versions): their
// shape, then each pair of objects through diff.
func fieldDiffs(w, g map[string]any, diff func(i int, wi, gi map[string]any) []string) []string {
	var out []string
	wf, _ := w["fields"].([]any)
	gf, ok := g["fields"].([]any)
	if !ok {
		return append(out, "fields: not a list")
	}
	if len(wf) != len(gf) {
		out = append(out, fmt.Sprintf("fields: want %d, got %d", len(wf), len(gf)))
	}
	for i := 0; i < len(wf) && i < len(gf); i++ {
		wi, _ := wf[i].(map[string]any)
		gi, ok := gf[i].(map[string]any)
		if !ok {
			out = append(out, fmt.Sprintf("fields[%d]: not an object", i))
			continue
		}
		out = append(out, diff(i, wi, gi)...)
	}
	return out
}

func decodeJSON(text []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(text))
	d.UseNumber()
	return d.Decode(v)
}

func sameValue(typ string, want, got any) bool {
	spec, ok := LookupV1([]byte(typ))
	if !ok {
		return false
	}
	switch spec.Kind {
	case KindInt, KindUint:
		a, okA := exactInt(want)
		b, okB := exactInt(got)
		return okA && okB && a.Cmp(b) == 0
	case KindFloat:
		a, okA := floatBits(want)
		b, okB := floatBits(got)
		return okA && okB && a == b
	case KindBool:
		a, okA := want.(bool)
		b, okB := got.(bool)
		return okA && okB && a == b
	case KindString:
		a, okA := want.(string)
		b, okB := got.(string)
		return okA && okB && a == b
	}
	return false
}

func exactInt(v any) (*big.Int, bool) {
	n, ok := v.(json.Number)
	if !ok || strings.ContainsAny(string(n), ".eE") {
		return nil, false
	}
	return new(big.Int).SetString(string(n), 10)
}

// floatBits is the binary64 bit pattern of a canonical float, with every NaN alike.
func floatBits(v any) (uint64, bool) {
	var f float64
	switch x := v.(type) {
	case string:
		switch x {
		case NaNText:
			f = math.NaN()
		case InfText:
			f = math.Inf(1)
		case NegInfText:
			f = math.Inf(-1)
		default:
			return 0, false
		}
	case json.Number:
		var err error
		if f, err = strconv.ParseFloat(string(x), 64); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	if math.IsNaN(f) {
		return math.Float64bits(math.NaN()), true
	}
	return math.Float64bits(f), true
}
