package mmstatsreceiver

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/scraper/scrapererror"
	"go.uber.org/zap"
	"mmstats.dev/readers/go/mmstats"
)

// scopeName names this receiver as the instrumentation scope of what it emits.
const scopeName = "mmstats.dev/otelcol/mmstatsreceiver"

// pidReuseSlack is how much later than sys.created a process may have started
// and still be the file's writer (both are wall-clock readings).
const pidReuseSlack = 2 * time.Second

// fileScraper reads every file the glob selects at each collection.
type fileScraper struct {
	cfg    *Config
	logger *zap.Logger
	now    func() time.Time
	files  map[string]*fileState // by path relative to the directory
}

// fileState is what is kept of one file between collections.
type fileState struct {
	reader    *fileReader
	firstSeen time.Time
	version   byte                    // of the file last read: another means another writer
	created   float64                 // version 1's sys.created when last read: a new value means a new writer
	writer    writerV2                // version 2's identity of the writer when last read
	process   processV2               // what /proc said of that writer
	counters  map[string]counterState // by series (label, and attributes in version 2)
}

// counterState lets a counter that went down start a new cumulative series.
type counterState struct {
	last  mmstats.Value
	start pcommon.Timestamp // set when the counter went down; 0 while it follows the file's start
	seen  pcommon.Timestamp // when last was read
}

func newFileScraper(cfg *Config, logger *zap.Logger) *fileScraper {
	return &fileScraper{cfg: cfg, logger: logger, now: time.Now, files: map[string]*fileState{}}
}

func (s *fileScraper) scrape(context.Context) (pmetric.Metrics, error) {
	md := pmetric.NewMetrics()
	if st, err := os.Stat(s.cfg.Directory); err != nil {
		return md, fmt.Errorf("mmstats directory %s: %w", s.cfg.Directory, err)
	} else if !st.IsDir() {
		return md, fmt.Errorf("mmstats directory %s: not a directory", s.cfg.Directory)
	}
	paths, err := filepath.Glob(filepath.Join(s.cfg.Directory, s.cfg.Glob))
	if err != nil {
		return md, fmt.Errorf("glob %q: %w", s.cfg.Glob, err)
	}
	now := s.now()
	present := make(map[string]bool, len(paths))
	var errs []error
	for _, path := range paths {
		rel, err := filepath.Rel(s.cfg.Directory, path)
		if err != nil {
			rel = path
		}
		present[rel] = true
		file, ok := s.files[rel]
		if !ok {
			file = &fileState{reader: newFileReader(path), firstSeen: now}
			s.files[rel] = file
		}
		f, err := file.reader.read()
		if err != nil {
			if !transient(err) {
				errs = append(errs, err) // names the file, the offset and the problem
			}
			continue
		}
		if f.Version != file.version {
			file.version, file.created, file.writer, file.counters = f.Version, 0, writerV2{}, nil
		}
		if f.V2 != nil {
			file.emitV2(md, rel, f.V2, now)
		} else {
			file.emit(md, rel, f.Fields, now)
		}
	}
	for rel, file := range s.files {
		if !present[rel] {
			file.reader.close()
			delete(s.files, rel)
		}
	}
	if len(errs) > 0 {
		return md, scrapererror.NewPartialScrapeError(errors.Join(errs...), len(errs))
	}
	return md, nil
}

// transient errors are files a writer is still creating, or that vanished
// between the glob and the read; the next collection sees them as they are.
func transient(err error) bool {
	var fe *mmstats.FormatError
	if errors.As(err, &fe) && fe.Code == mmstats.CodeNotReady {
		return true
	}
	return errors.Is(err, fs.ErrNotExist)
}

func (s *fileScraper) shutdown(context.Context) error {
	for rel, file := range s.files {
		file.reader.close()
		delete(s.files, rel)
	}
	return nil
}

// emit appends one resource (the writer of a version 1 file) with one metric per field.
func (fs *fileState) emit(md pmetric.Metrics, rel string, fields []mmstats.Field, now time.Time) {
	descs := make([]Description, len(fields))
	for i, f := range fields {
		descs[i] = describe(f)
	}
	rm := md.ResourceMetrics().AppendEmpty()
	start := fs.identify(rm.Resource().Attributes(), rel, fields, descs)
	sm := rm.ScopeMetrics().AppendEmpty()
	sm.Scope().SetName(scopeName)
	ts := pcommon.NewTimestampFromTime(now)
	for i, f := range fields {
		d := descs[i]
		var dps pmetric.NumberDataPointSlice
		switch d.Kind {
		case KindCounter, KindUpDown:
			m := newMetric(sm, f.Label, d)
			sum := m.SetEmptySum()
			sum.SetIsMonotonic(d.Kind == KindCounter)
			sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
			dps = sum.DataPoints()
		case KindGauge, KindConstant:
			dps = newMetric(sm, f.Label, d).SetEmptyGauge().DataPoints()
		default:
			// identity went to the resource; text is no number
			continue
		}
		dp := dps.AppendEmpty()
		setNumber(dp, f.Value)
		dp.SetTimestamp(ts)
		dp.SetStartTimestamp(start)
		if d.Kind == KindCounter && f.Value.Kind == mmstats.KindUint {
			dp.SetStartTimestamp(fs.counterStart(f.Label, f.Value, start, ts))
		}
	}
}

func newMetric(sm pmetric.ScopeMetrics, name string, d Description) pmetric.Metric {
	m := sm.Metrics().AppendEmpty()
	m.SetName(name)
	m.SetUnit(d.Unit)
	m.SetDescription(d.Help)
	return m
}

// setNumber stores v exactly where it fits an int64, else as a double.
func setNumber(dp pmetric.NumberDataPoint, v mmstats.Value) {
	switch v.Kind {
	case mmstats.KindInt:
		dp.SetIntValue(v.Int())
	case mmstats.KindUint:
		if v.Uint() <= math.MaxInt64 {
			dp.SetIntValue(int64(v.Uint()))
		} else {
			dp.SetDoubleValue(float64(v.Uint()))
		}
	case mmstats.KindFloat:
		dp.SetDoubleValue(v.Float())
	case mmstats.KindBool:
		if v.Bool() {
			dp.SetIntValue(1)
		} else {
			dp.SetIntValue(0)
		}
	}
}

// counterStart is the start of a counter's cumulative series: the file's
// start, or, once the counter went down (it wrapped or was reset), just after
// the collection that saw the higher value, so consumers see a reset.
func (fs *fileState) counterStart(series string, v mmstats.Value, fileStart, ts pcommon.Timestamp) pcommon.Timestamp {
	if fs.counters == nil {
		fs.counters = map[string]counterState{}
	}
	c, ok := fs.counters[series]
	if ok && below(v, c.last) {
		c.start = c.seen + 1
	}
	c.last, c.seen = v, ts
	fs.counters[series] = c
	if c.start != 0 {
		return c.start
	}
	return fileStart
}

// below reports whether counter value v is less than last (both of one type).
func below(v, last mmstats.Value) bool {
	if v.Kind == mmstats.KindUint {
		return v.Uint() < last.Uint()
	}
	return v.Float() < last.Float()
}

// identify sets the resource attributes of the file's writer and returns the
// start time of its cumulative series: sys.created, else the process's start
// from /proc, else when this receiver first saw the file.
func (fs *fileState) identify(attrs pcommon.Map, rel string, fields []mmstats.Field, descs []Description) pcommon.Timestamp {
	attrs.PutStr("mmstats.file", rel)
	attrs.PutStr("service.instance.id", rel) // one file is one series source (a thread's in version 1)
	var pid int64
	var created float64
	for i, f := range fields {
		if descs[i].Kind != KindIdentity {
			continue
		}
		switch descs[i].Identity {
		case rolePID:
			pid = integer(f.Value)
			attrs.PutInt("process.pid", pid)
		case roleTID:
			attrs.PutInt("thread.id", integer(f.Value))
		case roleUID:
			attrs.PutInt("process.user.id", integer(f.Value))
		case roleGID:
			attrs.PutInt("process.group.id", integer(f.Value))
		case roleCreated:
			if c := f.Value.Float(); c > 0 && !math.IsInf(c, 0) { // NaN fails c > 0
				created = c
			}
		case roleRuntime:
			attrs.PutStr("process.runtime.description", f.Value.Str())
		}
	}
	if created != fs.created {
		fs.created, fs.counters = created, nil // another writer now has this path
	}
	start := fs.firstSeen
	if created > 0 {
		start = time.Unix(0, int64(created*1e9))
	}
	if pid > 0 {
		args, procStart, ok := processOf(pid)
		// a process that started after the file was created reuses a dead writer's pid
		if ok && (created <= 0 || !procStart.After(start.Add(pidReuseSlack))) {
			attrs.PutStr("process.command", args[0])
			attrs.PutStr("process.command_line", strings.Join(args, " "))
			attrs.PutStr("process.executable.name", filepath.Base(args[0]))
			if created <= 0 {
				start = procStart
			}
		}
	}
	return pcommon.NewTimestampFromTime(start)
}

// integer is an identity field's value whatever its integer type.
func integer(v mmstats.Value) int64 {
	if v.Kind == mmstats.KindUint {
		return int64(v.Uint())
	}
	return v.Int()
}
