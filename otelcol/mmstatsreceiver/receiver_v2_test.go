package mmstatsreceiver

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/scraper/scrapererror"
	"go.uber.org/zap"
	"mmstats.dev/readers/go/mmstats"
)

var v2ValidDir = filepath.Join(repo, "conformance/v2/valid")

// Every valid version 2 corpus file, read through the receiver, gives the
// points the mapping makes of its canonical JSON; the process is the resource.
func TestV2CorpusFiles(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(v2ValidDir, "*"))
	if len(dirs) < 10 {
		t.Fatalf("%s: only %d corpus directories", v2ValidDir, len(dirs))
	}
	seen := 0
	for _, dir := range dirs {
		jsons, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		if len(jsons) == 0 {
			t.Fatalf("%s: no corpus files", dir)
		}
		files := byFile(t, collectOnce(t, dir, "*.mmstats"))
		if len(files) != len(jsons) {
			t.Errorf("%s: %d resources for %d files", dir, len(files), len(jsons))
		}
		for _, j := range jsons {
			name := strings.TrimSuffix(filepath.Base(j), ".json") + ".mmstats"
			rm, ok := files[name]
			if !ok {
				t.Errorf("%s: no resource", name)
				continue
			}
			c := loadCanonicalV2(t, j)
			checkResourceV2(t, name, rm.Resource().Attributes(), c)
			if rm.ScopeMetrics().Len() != 1 || rm.ScopeMetrics().At(0).Scope().Name() != scopeName {
				t.Errorf("%s: want one scope %s", name, scopeName)
				continue
			}
			comparePoints(t, name, receivedV2(rm.ScopeMetrics().At(0).Metrics()), expectedV2(t, c))
			seen++
		}
	}
	if seen < 50 {
		t.Fatalf("only %d corpus files compared", seen)
	}
}

// checkResourceV2: the writer's pid, the file, and each text constant.
func checkResourceV2(t *testing.T, name string, attrs pcommon.Map, c canonicalV2) {
	t.Helper()
	if v, ok := attrs.Get("process.pid"); !ok || v.Int() != int64(c.Pid) {
		t.Errorf("%s: process.pid = %v, want %d", name, v.AsRaw(), c.Pid)
	}
	if v, _ := attrs.Get("mmstats.file"); v.Str() != name {
		t.Errorf("%s: mmstats.file = %q", name, v.Str())
	}
	for _, f := range c.Fields {
		if f.Kind == "constant" && f.Type == "utf8" {
			var want string
			if err := json.Unmarshal(f.Value, &want); err != nil {
				t.Fatalf("%s: %s: %v", name, f.Label, err)
			}
			if v, _ := attrs.Get(f.Label); v.Str() != want {
				t.Errorf("%s: resource attribute %s = %q, want %q", name, f.Label, v.Str(), want)
			}
		}
	}
}

// The spec's histogram example, checked against numbers stated here: bounds
// from the entry, buckets per bucket as OTel wants them, the text constant
// on the resource and not as a metric.
func TestV2HistogramExample(t *testing.T) {
	rm := byFile(t, collectOnce(t, filepath.Join(v2ValidDir, "spec"), "histogram.mmstats"))["histogram.mmstats"]
	if v, _ := rm.Resource().Attributes().Get("build.version"); v.Str() != "2.0.1" {
		t.Errorf("build.version = %q, want 2.0.1 on the resource", v.Str())
	}
	ms := rm.ScopeMetrics().At(0).Metrics()
	if ms.Len() != 1 {
		t.Fatalf("%d metrics, want the histogram alone", ms.Len())
	}
	m := ms.At(0)
	if m.Name() != "http.latency" || m.Unit() != "ms" || m.Description() != "Request latency" ||
		m.Type() != pmetric.MetricTypeHistogram ||
		m.Histogram().AggregationTemporality() != pmetric.AggregationTemporalityCumulative {
		t.Fatalf("metric %s unit %q description %q type %v, want a cumulative histogram http.latency in ms",
			m.Name(), m.Unit(), m.Description(), m.Type())
	}
	dp := m.Histogram().DataPoints().At(0)
	if got := dp.ExplicitBounds().AsRaw(); len(got) != 2 || got[0] != 10 || got[1] != 100 {
		t.Errorf("bounds %v, want [10 100]", got)
	}
	if got := dp.BucketCounts().AsRaw(); len(got) != 3 || got[0] != 2 || got[1] != 2 || got[2] != 1 {
		t.Errorf("bucket counts %v, want [2 2 1] (not cumulative)", got)
	}
	if dp.Count() != 5 || !dp.HasSum() || dp.Sum() != 292.5 {
		t.Errorf("count %d sum %v, want 5 and 292.5", dp.Count(), dp.Sum())
	}
	if dp.StartTimestamp() != pcommon.Timestamp(1764672000000000000) {
		t.Errorf("start %d, want created_unix_ns 1764672000000000000", dp.StartTimestamp())
	}
}

// One field of each kind (kinds/all.mmstats), against values stated here.
func TestV2EveryKind(t *testing.T) {
	rm := byFile(t, collectOnce(t, filepath.Join(v2ValidDir, "kinds"), "all.mmstats"))["all.mmstats"]
	ms := rm.ScopeMetrics().At(0).Metrics()
	got := map[string]pmetric.Metric{}
	for i := 0; i < ms.Len(); i++ {
		got[ms.At(i).Name()] = ms.At(i)
	}
	if _, ok := got["s"]; ok || len(got) != 5 {
		t.Errorf("metrics %v: want c, g, u, k, h and no string s", mapKeys(got))
	}
	if c := got["c"]; c.Type() != pmetric.MetricTypeSum || !c.Sum().IsMonotonic() ||
		c.Sum().AggregationTemporality() != pmetric.AggregationTemporalityCumulative || c.Sum().DataPoints().At(0).IntValue() != 1 {
		t.Errorf("counter c: want a monotonic cumulative sum of int 1")
	}
	if u := got["u"]; u.Type() != pmetric.MetricTypeSum || u.Sum().IsMonotonic() ||
		u.Sum().AggregationTemporality() != pmetric.AggregationTemporalityCumulative || u.Sum().DataPoints().At(0).IntValue() != -1 {
		t.Errorf("updown_counter u: want a non-monotonic cumulative sum of int -1")
	}
	if g := got["g"]; g.Type() != pmetric.MetricTypeGauge ||
		g.Gauge().DataPoints().At(0).ValueType() != pmetric.NumberDataPointValueTypeDouble || g.Gauge().DataPoints().At(0).DoubleValue() != 1.0 {
		t.Errorf("gauge g: want a gauge of double 1.0")
	}
	if k := got["k"]; k.Type() != pmetric.MetricTypeGauge || k.Gauge().DataPoints().At(0).IntValue() != 1 {
		t.Errorf("constant k: want a gauge of int 1")
	}
	if h := got["h"]; h.Type() != pmetric.MetricTypeHistogram || h.Histogram().DataPoints().At(0).Count() != 1 ||
		h.Histogram().DataPoints().At(0).Sum() != 0.5 {
		t.Errorf("histogram h: want count 1 sum 0.5")
	}
}

func mapKeys(m map[string]pmetric.Metric) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Two fields of one name and other attributes are two points of one metric.
func TestV2SameNameIsOneMetric(t *testing.T) {
	rm := byFile(t, collectOnce(t, filepath.Join(v2ValidDir, "attributes"), "same-name.mmstats"))["same-name.mmstats"]
	ms := rm.ScopeMetrics().At(0).Metrics()
	if ms.Len() != 1 || ms.At(0).Name() != "http.requests" {
		t.Fatalf("%d metrics, want http.requests alone", ms.Len())
	}
	dps := ms.At(0).Sum().DataPoints()
	want := map[string]int64{"2xx": 10, "5xx": 1}
	if dps.Len() != 2 {
		t.Fatalf("%d points, want 2", dps.Len())
	}
	for i := 0; i < dps.Len(); i++ {
		status, _ := dps.At(i).Attributes().Get("status")
		if w, ok := want[status.Str()]; !ok || dps.At(i).IntValue() != w {
			t.Errorf("status=%q: %d, want %v", status.Str(), dps.At(i).IntValue(), want)
		}
		delete(want, status.Str())
	}
}

// A file written now by the C writer (every kind, units, help, attributes)
// gives the values its scenario expects.
func TestV2CWriterEveryKind(t *testing.T) {
	scenario := filepath.Join(repo, "conformance/v2/writer-scenarios/every-kind.json")
	dir := t.TempDir()
	writeScenario(t, scenario, filepath.Join(dir, "every-kind.mmstats"))
	var sc struct{ Expect canonicalV2 }
	raw, err := os.ReadFile(scenario)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &sc); err != nil {
		t.Fatalf("%s: %v", scenario, err)
	}
	want := expectedV2(t, sc.Expect)
	if len(want) < 8 {
		t.Fatalf("%s: only %d expected points", scenario, len(want))
	}
	file, err := mmstats.ReadFile(filepath.Join(dir, "every-kind.mmstats"), mmstats.DefaultMaxSize)
	if err != nil || file.V2 == nil {
		t.Fatalf("the C writer did not write a version 2 file: %v", err)
	}
	for i := range want { // the scenario cannot know when the file was created
		want[i].start = pcommon.Timestamp(file.V2.Header.CreatedUnixNs)
	}
	rm := byFile(t, collectOnce(t, dir, "*.mmstats"))["every-kind.mmstats"]
	comparePoints(t, "every-kind.mmstats", receivedV2(rm.ScopeMetrics().At(0).Metrics()), want)
}

// A closed file (its writer exited) keeps its last values: cumulative sums
// do not vanish while the file exists, so totals across processes never drop.
func TestV2ClosedFileKeepsItsValues(t *testing.T) {
	rm := byFile(t, collectOnce(t, filepath.Join(v2ValidDir, "lifecycle"), "closed.mmstats"))["closed.mmstats"]
	ms := rm.ScopeMetrics().At(0).Metrics()
	if ms.Len() != 1 || ms.At(0).Name() != "a" || ms.At(0).Sum().DataPoints().Len() != 1 {
		t.Fatalf("closed.mmstats: want its counter a, got %d metrics", ms.Len())
	}
}

// One path holding a version 1 file, then a version 2 file, then version 1
// again: each collection reads what the path names now, and the new writer's
// series start at its own creation.
func TestVersionChangeAtOnePath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.mmstats")
	s := newFileScraper(&Config{Directory: dir, Glob: "*.mmstats"}, zap.NewNop())
	steps := []struct {
		from, metric string
		start        pcommon.Timestamp
	}{
		{filepath.Join(goldenDir, "counter.mmstats"), "requests", timestampOf(1795822118.23866)},
		{filepath.Join(v2ValidDir, "kinds/counter-u64.mmstats"), "c", pcommon.Timestamp(1764672000000000000)},
		{filepath.Join(v2ValidDir, "lifecycle/closed.mmstats"), "a", pcommon.Timestamp(1764672000000000000)},
		{filepath.Join(goldenDir, "counter.mmstats"), "requests", timestampOf(1795822118.23866)},
	}
	for i, step := range steps {
		tmp := filepath.Join(t.TempDir(), "w.mmstats")
		copyFile(t, step.from, tmp)
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
		md, err := s.scrape(context.Background())
		if err != nil {
			t.Fatalf("step %d (%s): %v", i, step.from, err)
		}
		ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
		found := false
		for j := 0; j < ms.Len(); j++ {
			if m := ms.At(j); m.Name() == step.metric {
				found = true
				if st := m.Sum().DataPoints().At(0).StartTimestamp(); st != step.start {
					t.Errorf("step %d: %s starts at %d, want %d", i, step.metric, st, step.start)
				}
			}
		}
		if !found {
			t.Errorf("step %d (%s): no metric %s", i, step.from, step.metric)
		}
	}
}

// A counter that goes down in the same version 2 file wrapped: its series
// restarts after the last collection that saw it higher.
func TestV2CounterWrapStartsNewSeries(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.mmstats")
	s := newFileScraper(&Config{Directory: dir, Glob: "*.mmstats"}, zap.NewNop())
	clock := time.Unix(1_800_000_000, 0)
	s.now = func() time.Time { return clock }
	// two files of one writer (same pid, start_ticks, created): the counter at 1111, then at 7
	for i, from := range []string{"slots/summed.mmstats", "kinds/counter-u64.mmstats"} {
		copyFile(t, filepath.Join(v2ValidDir, from), path)
		md, err := s.scrape(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		dp := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints().At(0)
		t.Logf("%s: c = %d from %d", from, dp.IntValue(), dp.StartTimestamp())
		want := pcommon.Timestamp(1764672000000000000)
		if i == 1 {
			want = pcommon.NewTimestampFromTime(clock.Add(-time.Second)) + 1
		}
		if dp.StartTimestamp() != want {
			t.Errorf("%s: start %d, want %d", from, dp.StartTimestamp(), want)
		}
		clock = clock.Add(time.Second)
	}
}

// A broken version 2 file is reported with its path, offset and problem,
// also where a good file was before; a file being created is no error.
func TestV2BrokenFilesAreReported(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, filepath.Join(v2ValidDir, "kinds/all.mmstats"), filepath.Join(dir, "good.mmstats"))
	copyFile(t, filepath.Join(v2ValidDir, "kinds/counter-u64.mmstats"), filepath.Join(dir, "bad.mmstats"))
	copyFile(t, filepath.Join(repo, "conformance/v2/invalid/not_ready/state-creating.mmstats"), filepath.Join(dir, "new.mmstats"))
	s := newFileScraper(&Config{Directory: dir, Glob: "*.mmstats"}, zap.NewNop())
	if md, err := s.scrape(context.Background()); err != nil || len(byFile(t, md)) != 2 {
		t.Fatalf("first collection: %v, %d resources; want good and bad (still good)", err, len(byFile(t, md)))
	}
	broken := filepath.Join(t.TempDir(), "bad.mmstats")
	copyFile(t, filepath.Join(repo, "conformance/v2/invalid/bad_histogram/decreasing.mmstats"), broken)
	if err := os.Rename(broken, filepath.Join(dir, "bad.mmstats")); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // the poller that read the good file, then a new look at the path
		md, err := s.scrape(context.Background())
		if !scrapererror.IsPartialScrapeError(err) {
			t.Fatalf("collection %d: want a partial scrape error, got %v", i, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, filepath.Join(dir, "bad.mmstats")) || !strings.Contains(msg, "offset 176") ||
			!strings.Contains(msg, "bad_histogram") || strings.Contains(msg, "new.mmstats") {
			t.Fatalf("collection %d: error %q: want bad.mmstats at offset 176, bad_histogram, nothing about new.mmstats", i, msg)
		}
		if files := byFile(t, md); len(files) != 1 || files["good.mmstats"].Resource().Attributes().Len() == 0 {
			t.Fatalf("collection %d: want good.mmstats alone, got %d resources", i, len(files))
		}
	}
}

// A version 2 file keeps its poller between collections (its entries are
// parsed once), and its values are read again at each.
func TestV2PollerKeptAcrossCollections(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.mmstats")
	copyFile(t, filepath.Join(v2ValidDir, "kinds/gauge-u64.mmstats"), path)
	s := newFileScraper(&Config{Directory: dir, Glob: "*.mmstats"}, zap.NewNop())
	values := []int64{}
	var poller *mmstats.PollerV2
	for i := 0; i < 3; i++ {
		md, err := s.scrape(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		p := s.files["w.mmstats"].reader.v2
		if p == nil || (poller != nil && p != poller) {
			t.Fatalf("collection %d: poller %p, was %p", i, p, poller)
		}
		poller = p
		values = append(values, md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Gauge().DataPoints().At(0).IntValue())
		setGaugeInPlace(t, path, uint64(100+i))
	}
	if values[1] != 100 || values[2] != 101 {
		t.Fatalf("values %v, want the file's value, then 100, 101 stored in place", values)
	}
}

// setGaugeInPlace stores v into the gauge of the first entry of a version 2
// file, at process_offset + value_offset (spec/v2.md: header offsets 56 and
// 64, value_offset at 8 in the entry).
func setGaugeInPlace(t *testing.T, path string, v uint64) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	entry := binary.LittleEndian.Uint32(data[56:])
	at := int64(binary.LittleEndian.Uint32(data[64:])) + int64(binary.LittleEndian.Uint32(data[entry+8:]))
	fh, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var word [8]byte
	binary.LittleEndian.PutUint64(word[:], v)
	if _, err := fh.WriteAt(word[:], at); err != nil {
		t.Fatal(err)
	}
}
