package mmstats

import "strconv"

// appendCanonicalV2 appends the canonical JSON object of a version 2 file
// (spec/v2.md, "Canonical decoded form"): integers exact, floats and text as
// in version 1, histogram buckets cumulative, null for a value with no
// consistent copy.
func appendCanonicalV2(dst []byte, path string, f *FileV2) []byte {
	h := f.Header
	dst = append(dst, `{"path": `...)
	dst = AppendJSONString(dst, path)
	dst = append(dst, `, "format_version": `...)
	dst = strconv.AppendInt(dst, v2Version, 10)
	dst = append(dst, `, "minor": `...)
	dst = strconv.AppendUint(dst, uint64(h.Minor), 10)
	dst = append(dst, `, "state": `...)
	dst = AppendJSONString(dst, h.State)
	for _, kv := range []struct {
		key string
		v   uint64
	}{
		{"pid", h.Pid}, {"start_ticks", h.StartTicks}, {"created_unix_ns", h.CreatedUnixNs},
		{"heartbeat_unix_ns", h.HeartbeatUnixNs}, {"heartbeat_interval_ms", uint64(h.HeartbeatIntervalMs)},
		{"overflow_count", uint64(h.OverflowCount)},
	} {
		dst = append(dst, ", "...)
		dst = AppendJSONString(dst, kv.key)
		dst = append(dst, ": "...)
		dst = strconv.AppendUint(dst, kv.v, 10)
	}
	dst = append(dst, `, "fields": [`...)
	for i := range f.Fields {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = appendFieldV2(dst, &f.Fields[i])
	}
	return append(dst, "]}"...)
}

func appendFieldV2(dst []byte, x *FieldV2) []byte {
	for i, kv := range [][2]string{{"label", x.Label}, {"kind", x.Kind}, {"type", x.Type}, {"unit", x.Unit}, {"help", x.Help}} {
		if i == 0 {
			dst = append(dst, '{')
		} else {
			dst = append(dst, ", "...)
		}
		dst = AppendJSONString(dst, kv[0])
		dst = append(dst, ": "...)
		dst = AppendJSONString(dst, kv[1])
	}
	dst = append(dst, `, "attributes": {`...)
	for i, a := range x.Attributes {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = AppendJSONString(dst, a.Key)
		dst = append(dst, ": "...)
		dst = AppendJSONString(dst, a.Value)
	}
	dst = append(dst, `}, "value": `...)
	switch {
	case x.Null:
		dst = append(dst, "null"...)
	case x.Histogram != nil:
		dst = appendHistogram(dst, x.Histogram)
	default:
		dst = AppendJSONValue(dst, x.Value)
	}
	return append(dst, '}')
}

// appendHistogram writes the buckets cumulative, the last one "le": "Infinity".
func appendHistogram(dst []byte, h *Histogram) []byte {
	var total uint64
	for _, c := range h.Counts {
		total += c
	}
	dst = append(dst, `{"count": `...)
	dst = strconv.AppendUint(dst, total, 10)
	dst = append(dst, `, "sum": `...)
	dst = AppendJSONValue(dst, FloatValue(h.Sum))
	dst = append(dst, `, "buckets": [`...)
	var running uint64
	for i, c := range h.Counts {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		running += c
		dst = append(dst, `{"le": `...)
		if i < len(h.Bounds) {
			dst = AppendJSONValue(dst, FloatValue(h.Bounds[i]))
		} else {
			dst = AppendJSONString(dst, InfText)
		}
		dst = append(dst, `, "count": `...)
		dst = strconv.AppendUint(dst, running, 10)
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}
