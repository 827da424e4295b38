package mmstatsreceiver

import (
	"math"
	"path/filepath"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"mmstats.dev/readers/go/mmstats"
)

// writerV2 identifies the process that wrote a version 2 file (spec/v2.md,
// "Producer identity"): when it changes, the path names another writer's file.
type writerV2 struct{ pid, startTicks, createdNs uint64 }

// processV2 is what /proc said of a version 2 file's writer, looked up once
// per writer so the resource stays the same after the writer exits.
type processV2 struct {
	args    []string
	started time.Time
}

// emitV2 appends one resource (the writer of a version 2 file) with its
// metrics. Fields of one name (the same metric with other attributes) become
// data points of one metric.
func (fs *fileState) emitV2(md pmetric.Metrics, rel string, f *mmstats.FileV2, now time.Time) {
	rm := md.ResourceMetrics().AppendEmpty()
	start := fs.identifyV2(rm.Resource().Attributes(), rel, f)
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(scopeName)
	metrics := metricsByName{sm: sm, byName: map[string]pmetric.Metric{}}
	ts := pcommon.NewTimestampFromTime(now)
	for i := range f.Fields {
		x := &f.Fields[i]
		d := describeV2(x)
		if x.Null {
			continue // no consistent copy in this collection: no point rather than a torn one
		}
		switch {
		case d.Kind == KindCounter || d.Kind == KindUpDown:
			dp := metrics.get(x.Label, d).Sum().DataPoints().AppendEmpty()
			numberPoint(dp, x.Value, d, start, ts)
			if d.Kind == KindCounter {
				// in one file a counter that goes down wrapped
				dp.SetStartTimestamp(fs.counterStart(seriesOf(x), x.Value, start, ts))
			}
		case (d.Kind == KindGauge || d.Kind == KindConstant) && x.Value.Kind != mmstats.KindString:
			numberPoint(metrics.get(x.Label, d).Gauge().DataPoints().AppendEmpty(), x.Value, d, start, ts)
		case d.Kind == KindHistogram && x.Histogram != nil:
			histogramPoint(metrics.get(x.Label, d).Histogram().DataPoints().AppendEmpty(), x.Histogram, d, start, ts)
		}
		// strings change: no metric, and no resource attribute either (a
		// resource that changes is another series); text constants went to the resource
	}
}

// metricsByName gives the metric of a name, made on first use.
type metricsByName struct {
	sm     pmetric.ScopeMetrics
	byName map[string]pmetric.Metric
}

func (ms metricsByName) get(name string, d Description) pmetric.Metric {
	typ := metricTypeOf(d.Kind)
	if m, ok := ms.byName[name]; ok && m.Type() == typ && m.Unit() == d.Unit &&
		(typ != pmetric.MetricTypeSum || m.Sum().IsMonotonic() == (d.Kind == KindCounter)) {
		return m
	}
	// the first of its name, or one of another type: a metric of its own
	m := newMetric(ms.sm, name, d)
	switch typ {
	case pmetric.MetricTypeSum:
		sum := m.SetEmptySum()
		sum.SetIsMonotonic(d.Kind == KindCounter)
		sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	case pmetric.MetricTypeHistogram:
		m.SetEmptyHistogram().SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
	default:
		m.SetEmptyGauge()
	}
	ms.byName[name] = m
	return m
}

// metricTypeOf is the OTel type of a kind that is emitted.
func metricTypeOf(k Kind) pmetric.MetricType {
	switch k {
	case KindCounter, KindUpDown:
		return pmetric.MetricTypeSum
	case KindHistogram:
		return pmetric.MetricTypeHistogram
	}
	return pmetric.MetricTypeGauge
}

func numberPoint(dp pmetric.NumberDataPoint, v mmstats.Value, d Description, start, ts pcommon.Timestamp) {
	setNumber(dp, v)
	dp.SetStartTimestamp(start)
	dp.SetTimestamp(ts)
	putAttributes(dp.Attributes(), d.Attributes)
}

// histogramPoint: the file's buckets are per bucket, not cumulative, as OTel's.
func histogramPoint(dp pmetric.HistogramDataPoint, h *mmstats.Histogram, d Description, start, ts pcommon.Timestamp) {
	dp.ExplicitBounds().FromRaw(h.Bounds)
	dp.BucketCounts().FromRaw(h.Counts)
	var count uint64
	for _, c := range h.Counts {
		count += c
	}
	dp.SetCount(count)
	dp.SetSum(h.Sum)
	dp.SetStartTimestamp(start)
	dp.SetTimestamp(ts)
	putAttributes(dp.Attributes(), d.Attributes)
}

func putAttributes(m pcommon.Map, attrs []mmstats.Attribute) {
	for _, a := range attrs {
		m.PutStr(a.Key, a.Value)
	}
}

// seriesOf names a field's series within its file: its name and attributes.
func seriesOf(x *mmstats.FieldV2) string {
	var b strings.Builder
	b.WriteString(x.Label)
	for _, a := range x.Attributes {
		b.WriteString("\x00" + a.Key + "\x00" + a.Value)
	}
	return b.String()
}

// identifyV2 sets the resource attributes of a version 2 file's writer and
// returns the start of its cumulative series: created_unix_ns, else when
// this receiver first saw the file.
func (fs *fileState) identifyV2(attrs pcommon.Map, rel string, f *mmstats.FileV2) pcommon.Timestamp {
	h := f.Header
	// text constants (a version, a build) describe the process; the
	// receiver's own attributes below win over one of the same name
	for i := range f.Fields {
		if x := &f.Fields[i]; x.Kind == "constant" && x.Value.Kind == mmstats.KindString && !x.Null {
			attrs.PutStr(x.Label, x.Value.Str())
		}
	}
	attrs.PutStr("mmstats.file", rel)
	attrs.PutStr("service.instance.id", rel) // version 2 has one file per process
	if h.Pid <= math.MaxInt64 {
		attrs.PutInt("process.pid", int64(h.Pid))
	}
	if w := (writerV2{h.Pid, h.StartTicks, h.CreatedUnixNs}); w != fs.writer {
		fs.writer, fs.counters = w, nil // another writer now has this path
		fs.process = lookupProcessV2(w)
	}
	if !fs.process.started.IsZero() {
		attrs.PutStr("process.creation.time", fs.process.started.UTC().Format(time.RFC3339Nano))
	}
	if args := fs.process.args; len(args) > 0 {
		attrs.PutStr("process.command", args[0])
		attrs.PutStr("process.command_line", strings.Join(args, " "))
		attrs.PutStr("process.executable.name", filepath.Base(args[0]))
	}
	if h.CreatedUnixNs > 0 {
		return pcommon.Timestamp(h.CreatedUnixNs)
	}
	return pcommon.NewTimestampFromTime(fs.firstSeen)
}

// lookupProcessV2 finds the writer's start time from start_ticks and, while
// the process with that pid is the writer (same start), its command line.
func lookupProcessV2(w writerV2) processV2 {
	started, ok := sinceBoot(w.startTicks)
	if !ok {
		return processV2{}
	}
	p := processV2{started: started}
	if args, procStart, alive := processOf(int64(w.pid)); alive && procStart.Equal(started) {
		p.args = args
	}
	return p
}
