package mmstats

import (
	"fmt"
	"reflect"
)

// canonicalDiffV2 compares two version 2 canonical objects by value, as
// spec/v2.md's "Canonical decoded form" says: path ignored; header integers
// exact; label, kind, type, unit, help exactly; attributes as objects; values
// by their type (integers exact, floats by bits, histograms member by member,
// null only equal to null).
func canonicalDiffV2(w, g map[string]any) []string {
	var out []string
	for _, key := range []string{"format_version", "minor", "pid", "start_ticks", "created_unix_ns",
		"heartbeat_unix_ns", "heartbeat_interval_ms", "overflow_count"} {
		if !sameInt(w[key], g[key]) {
			out = append(out, fmt.Sprintf("%s: want %v, got %v", key, w[key], g[key]))
		}
	}
	if w["state"] != g["state"] {
		out = append(out, fmt.Sprintf("state: want %v, got %v", w["state"], g["state"]))
	}
	return append(out, fieldDiffs(w, g, func(i int, wi, gi map[string]any) (out []string) {
		for _, key := range []string{"label", "kind", "type", "unit", "help"} {
			if _, isString := gi[key].(string); !isString || wi[key] != gi[key] {
				out = append(out, fmt.Sprintf("fields[%d].%s: want %#v, got %#v", i, key, wi[key], gi[key]))
			}
		}
		if !reflect.DeepEqual(wi["attributes"], gi["attributes"]) {
			out = append(out, fmt.Sprintf("fields[%d].attributes: want %v, got %v", i, wi["attributes"], gi["attributes"]))
		}
		typ, _ := wi["type"].(string)
		if !sameValueV2(typ, wi["value"], gi["value"]) {
			out = append(out, fmt.Sprintf("fields[%d].value (%v): want %#v, got %#v", i, wi["label"], wi["value"], gi["value"]))
		}
		return out
	})...)
}

func sameInt(want, got any) bool {
	a, okA := exactInt(want)
	b, okB := exactInt(got)
	return okA && okB && a.Cmp(b) == 0
}

func sameFloat(want, got any) bool {
	a, okA := floatBits(want)
	b, okB := floatBits(got)
	return okA && okB && a == b
}

func sameValueV2(typ string, want, got any) bool {
	if want == nil || got == nil {
		return want == nil && got == nil
	}
	if wh, ok := want.(map[string]any); ok {
		gh, ok := got.(map[string]any)
		if !ok || len(gh) != 3 || !sameInt(wh["count"], gh["count"]) || !sameFloat(wh["sum"], gh["sum"]) {
			return false
		}
		wb, _ := wh["buckets"].([]any)
		gb, ok := gh["buckets"].([]any)
		if !ok || len(wb) != len(gb) {
			return false
		}
		for i := range wb {
			x, _ := wb[i].(map[string]any)
			y, ok := gb[i].(map[string]any)
			if !ok || len(y) != 2 || !sameFloat(x["le"], y["le"]) || !sameInt(x["count"], y["count"]) {
				return false
			}
		}
		return true
	}
	switch typ {
	case "u64", "i64":
		return sameInt(want, got)
	case "f64":
		return sameFloat(want, got)
	case "utf8":
		a, okA := want.(string)
		b, okB := got.(string)
		return okA && okB && a == b
	}
	return false
}
