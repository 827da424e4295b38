package mmstatsreceiver

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// canonicalV2 is a version 2 file's canonical JSON (spec/v2.md, "Canonical decoded form").
type canonicalV2 struct {
	State         string    `json:"state"`
	Pid           uint64    `json:"pid"`
	CreatedUnixNs uint64    `json:"created_unix_ns"`
	Fields        []fieldV2 `json:"fields"`
}

type fieldV2 struct {
	Label      string            `json:"label"`
	Kind       string            `json:"kind"`
	Type       string            `json:"type"`
	Unit       string            `json:"unit"`
	Help       string            `json:"help"`
	Attributes map[string]string `json:"attributes"`
	Value      json.RawMessage   `json:"value"`
}

func loadCanonicalV2(t *testing.T, path string) canonicalV2 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("expected values: %v", err)
	}
	var c canonicalV2
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c
}

// point is one data point of any type, flattened with its metric's metadata
// so expected and received points compare field by field.
type point struct {
	name, unit, help string
	typ              pmetric.MetricType
	monotonic        bool
	attrs            string // sorted key=value pairs
	isInt            bool
	i                int64
	f                float64
	bounds           []float64
	counts           []uint64 // per bucket, not cumulative
	count            uint64
	start            pcommon.Timestamp
}

func (p point) key() string { return p.name + "{" + p.attrs + "}" }

func attrString(m map[string]string) string {
	pairs := make([]string, 0, len(m))
	for k, v := range m {
		pairs = append(pairs, k+"="+v)
	}
	sort.Strings(pairs)
	return strings.Join(pairs, ",")
}

// expectedV2 is what the mapping in docs/otelcol.md makes of a canonical
// file, decided here from the JSON alone: counters are monotonic sums,
// up-down counters non-monotonic sums, gauges and numeric constants gauges,
// histograms histograms (the JSON's cumulative buckets taken apart), strings
// and null values nothing; every series starts at created_unix_ns.
func expectedV2(t *testing.T, c canonicalV2) []point {
	t.Helper()
	var out []point
	for _, f := range c.Fields {
		if string(f.Value) == "null" || f.Kind == "string" || (f.Kind == "constant" && f.Type == "utf8") {
			continue
		}
		p := point{name: f.Label, unit: f.Unit, help: f.Help, attrs: attrString(f.Attributes),
			start: pcommon.Timestamp(c.CreatedUnixNs)}
		switch f.Kind {
		case "counter", "updown_counter":
			p.typ, p.monotonic = pmetric.MetricTypeSum, f.Kind == "counter"
		case "gauge", "constant":
			p.typ = pmetric.MetricTypeGauge
		case "histogram":
			p.typ = pmetric.MetricTypeHistogram
			p.f, p.bounds, p.counts, p.count = histogramOf(t, f.Value)
			out = append(out, p)
			continue
		default:
			t.Fatalf("%s: kind %q", f.Label, f.Kind)
		}
		raw := string(f.Value)
		if f.Type == "f64" {
			p.f = jsonFloat(t, raw)
		} else if i, err := strconv.ParseInt(raw, 10, 64); err == nil {
			p.isInt, p.i = true, i
		} else if u, err := strconv.ParseUint(raw, 10, 64); err == nil {
			p.f = float64(u) // above int64: a double
		} else {
			t.Fatalf("%s: value %s is no integer", f.Label, raw)
		}
		out = append(out, p)
	}
	return out
}

func histogramOf(t *testing.T, raw json.RawMessage) (sum float64, bounds []float64, counts []uint64, count uint64) {
	t.Helper()
	var h struct {
		Count   uint64          `json:"count"`
		Sum     json.RawMessage `json:"sum"`
		Buckets []struct {
			Le    json.RawMessage `json:"le"`
			Count uint64          `json:"count"`
		} `json:"buckets"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatalf("histogram %s: %v", raw, err)
	}
	var below uint64
	for i, b := range h.Buckets {
		if i < len(h.Buckets)-1 {
			bounds = append(bounds, jsonFloat(t, string(b.Le)))
		} else if string(b.Le) != `"Infinity"` {
			t.Fatalf("histogram %s: last bucket is not +Inf", raw)
		}
		counts = append(counts, b.Count-below)
		below = b.Count
	}
	return jsonFloat(t, string(h.Sum)), bounds, counts, h.Count
}

// receivedV2 flattens the metrics of one resource into points.
func receivedV2(ms pmetric.MetricSlice) []point {
	var out []point
	for i := 0; i < ms.Len(); i++ {
		m := ms.At(i)
		base := point{name: m.Name(), unit: m.Unit(), help: m.Description(), typ: m.Type()}
		var numbers pmetric.NumberDataPointSlice
		switch m.Type() {
		case pmetric.MetricTypeSum:
			base.monotonic = m.Sum().IsMonotonic()
			if m.Sum().AggregationTemporality() != pmetric.AggregationTemporalityCumulative {
				base.typ = pmetric.MetricTypeEmpty // not what any expectation has
			}
			numbers = m.Sum().DataPoints()
		case pmetric.MetricTypeGauge:
			numbers = m.Gauge().DataPoints()
		case pmetric.MetricTypeHistogram:
			if m.Histogram().AggregationTemporality() != pmetric.AggregationTemporalityCumulative {
				base.typ = pmetric.MetricTypeEmpty
			}
			dps := m.Histogram().DataPoints()
			for j := 0; j < dps.Len(); j++ {
				dp, p := dps.At(j), base
				p.attrs, p.start = attrsOf(dp.Attributes()), dp.StartTimestamp()
				p.f, p.bounds, p.counts, p.count = dp.Sum(), dp.ExplicitBounds().AsRaw(), dp.BucketCounts().AsRaw(), dp.Count()
				out = append(out, p)
			}
			continue
		default:
			out = append(out, base)
			continue
		}
		for j := 0; j < numbers.Len(); j++ {
			dp, p := numbers.At(j), base
			p.attrs, p.start = attrsOf(dp.Attributes()), dp.StartTimestamp()
			if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
				p.isInt, p.i = true, dp.IntValue()
			} else {
				p.f = dp.DoubleValue()
			}
			out = append(out, p)
		}
	}
	return out
}

func attrsOf(m pcommon.Map) string {
	s := map[string]string{}
	m.Range(func(k string, v pcommon.Value) bool {
		s[k] = v.AsString()
		return true
	})
	return attrString(s)
}

// comparePoints requires the same points, matched by name and attributes.
func comparePoints(t *testing.T, file string, got, want []point) {
	t.Helper()
	byKey := map[string]point{}
	for _, g := range got {
		if _, dup := byKey[g.key()]; dup {
			t.Errorf("%s: two points %s", file, g.key())
		}
		byKey[g.key()] = g
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d points, want %d", file, len(got), len(want))
	}
	for _, w := range want {
		g, ok := byKey[w.key()]
		if !ok {
			t.Errorf("%s: no point %s", file, w.key())
			continue
		}
		if d := differ(g, w); d != "" {
			t.Errorf("%s: %s: %s", file, w.key(), d)
		}
	}
}

func differ(g, w point) string {
	switch {
	case g.typ != w.typ || g.monotonic != w.monotonic:
		return fmt.Sprintf("%v monotonic=%v, want %v monotonic=%v (cumulative)", g.typ, g.monotonic, w.typ, w.monotonic)
	case g.unit != w.unit || g.help != w.help:
		return fmt.Sprintf("unit %q help %q, want %q %q", g.unit, g.help, w.unit, w.help)
	case g.isInt != w.isInt || g.i != w.i || !sameFloat(g.f, w.f):
		return fmt.Sprintf("value int=%v %d %v, want int=%v %d %v", g.isInt, g.i, g.f, w.isInt, w.i, w.f)
	case fmt.Sprint(g.bounds) != fmt.Sprint(w.bounds) || fmt.Sprint(g.counts) != fmt.Sprint(w.counts) || g.count != w.count:
		return fmt.Sprintf("buckets %v %v count %d, want %v %v %d", g.bounds, g.counts, g.count, w.bounds, w.counts, w.count)
	case g.start != w.start:
		return fmt.Sprintf("starts at %d, want %d", g.start, w.start)
	}
	return ""
}
