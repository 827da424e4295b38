package mmstatsreceiver

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"
)

// repo is the repository root, seen from this package's directory.
const repo = "../.."

// canonical is a file's canonical JSON (spec/v1.md, "Canonical decoded form").
type canonical struct {
	Fields []struct {
		Label    string          `json:"label"`
		Type     string          `json:"type"`
		Buffered bool            `json:"buffered"`
		Value    json.RawMessage `json:"value"`
	} `json:"fields"`
}

func loadCanonical(t *testing.T, path string) canonical {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("expected values: %v", err)
	}
	var c canonical
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c
}

// wantPoint is what the spec's version 1 rules make of one canonical field,
// decided here from the JSON alone: nil when the field is no metric.
type wantPoint struct {
	label   string
	counter bool
	isInt   bool
	i       int64
	f       float64
}

var identityLabels = []string{"sys.pid", "sys.tid", "sys.uid", "sys.gid", "sys.created"}

func expectedPoints(t *testing.T, c canonical) []wantPoint {
	t.Helper()
	var out []wantPoint
	for _, f := range c.Fields {
		if f.Type[len(f.Type)-1] == 's' || isIdentity(f.Label) {
			continue
		}
		w := wantPoint{label: f.Label, counter: f.Type == "Q" && f.Buffered}
		raw := string(f.Value)
		switch {
		case raw == "true" || raw == "false":
			w.isInt = true
			if raw == "true" {
				w.i = 1
			}
		case f.Type == "f" || f.Type == "d":
			w.f = jsonFloat(t, raw)
		default:
			if i, err := strconv.ParseInt(raw, 10, 64); err == nil {
				w.isInt, w.i = true, i
			} else if u, err := strconv.ParseUint(raw, 10, 64); err == nil {
				w.f = float64(u) // above int64: a double
			} else {
				t.Fatalf("%s: value %s is no integer", f.Label, raw)
			}
		}
		out = append(out, w)
	}
	return out
}

func isIdentity(label string) bool {
	for _, l := range identityLabels {
		if label == l || (len(label) > len(l) && label[len(label)-len(l)-1:] == "."+l) {
			return true
		}
	}
	return false
}

func jsonFloat(t *testing.T, raw string) float64 {
	switch raw {
	case `"NaN"`:
		return math.NaN()
	case `"Infinity"`:
		return math.Inf(1)
	case `"-Infinity"`:
		return math.Inf(-1)
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		t.Fatalf("float %s: %v", raw, err)
	}
	return f
}

// checkPoints compares the metrics of one resource, in order, with want.
func checkPoints(t *testing.T, file string, ms pmetric.MetricSlice, want []wantPoint) {
	t.Helper()
	if ms.Len() != len(want) {
		names := []string{}
		for i := 0; i < ms.Len(); i++ {
			names = append(names, ms.At(i).Name())
		}
		t.Fatalf("%s: %d metrics %v, want %d", file, ms.Len(), names, len(want))
	}
	for i, w := range want {
		m := ms.At(i)
		if m.Name() != w.label {
			t.Errorf("%s: metric %d is %q, want %q", file, i, m.Name(), w.label)
			continue
		}
		var dp pmetric.NumberDataPoint
		if w.counter {
			if m.Type() != pmetric.MetricTypeSum || !m.Sum().IsMonotonic() ||
				m.Sum().AggregationTemporality() != pmetric.AggregationTemporalityCumulative {
				t.Errorf("%s: %s is %v, want a monotonic cumulative sum", file, w.label, m.Type())
				continue
			}
			dp = m.Sum().DataPoints().At(0)
		} else {
			if m.Type() != pmetric.MetricTypeGauge {
				t.Errorf("%s: %s is %v, want a gauge", file, w.label, m.Type())
				continue
			}
			dp = m.Gauge().DataPoints().At(0)
		}
		switch {
		case w.isInt && (dp.ValueType() != pmetric.NumberDataPointValueTypeInt || dp.IntValue() != w.i):
			t.Errorf("%s: %s = %v (%v), want int %d", file, w.label, dp.IntValue(), dp.ValueType(), w.i)
		case !w.isInt && (dp.ValueType() != pmetric.NumberDataPointValueTypeDouble || !sameFloat(dp.DoubleValue(), w.f)):
			t.Errorf("%s: %s = %v (%v), want double %v", file, w.label, dp.DoubleValue(), dp.ValueType(), w.f)
		}
	}
}

func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

// byFile indexes the resources of md by their mmstats.file attribute.
func byFile(t *testing.T, md pmetric.Metrics) map[string]pmetric.ResourceMetrics {
	t.Helper()
	out := map[string]pmetric.ResourceMetrics{}
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		rm := md.ResourceMetrics().At(i)
		v, ok := rm.Resource().Attributes().Get("mmstats.file")
		if !ok {
			t.Fatalf("resource %d has no mmstats.file", i)
		}
		if _, dup := out[v.Str()]; dup {
			t.Fatalf("two resources for %s", v.Str())
		}
		out[v.Str()] = rm
	}
	return out
}

// collectOnce runs the receiver as a collector would, with the collector's
// test helpers, and returns the first batch it delivers.
func collectOnce(t *testing.T, dir, glob string) pmetric.Metrics {
	t.Helper()
	f := NewFactory()
	cfg := f.CreateDefaultConfig().(*Config)
	cfg.Directory, cfg.Glob = dir, glob
	cfg.CollectionInterval, cfg.InitialDelay = 50*time.Millisecond, 0
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	sink := new(consumertest.MetricsSink)
	r, err := f.CreateMetrics(context.Background(), receivertest.NewNopSettings(f.Type()), cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := r.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(sink.AllMetrics()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no metrics from %s/%s within 10 s", dir, glob)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return sink.AllMetrics()[0]
}

// cWriter is the C scenario writer (conformance/README.md, "Writer").
func cWriter(t *testing.T) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join(repo, "writers/c/build/mmstats-c-write"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the C writer is missing (make -C writers/c build/mmstats-c-write): %v", err)
	}
	return path
}

// writeScenario has the C writer write scenario into out.
func writeScenario(t *testing.T, scenario, out string) {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(cWriter(t), scenario, out)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("C writer %s: %v: %s", scenario, err, stderr.String())
	}
}

func timestampOf(seconds float64) pcommon.Timestamp {
	return pcommon.NewTimestampFromTime(time.Unix(0, int64(seconds*1e9)))
}
