package mmstatsreceiver

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/scraper/scrapererror"
	"go.uber.org/zap"
)

var goldenDir = filepath.Join(repo, "conformance/golden/mmstats-0.8")

func TestConfig(t *testing.T) {
	f := NewFactory()
	if err := componenttest.CheckConfigStruct(f.CreateDefaultConfig()); err != nil {
		t.Fatal(err)
	}
	cfg := f.CreateDefaultConfig().(*Config)
	err := confmap.Validate(cfg)
	if err == nil || !strings.Contains(err.Error(), "directory must be set") {
		t.Fatalf("default config without directory: got %v", err)
	}
	conf := confmap.NewFromStringMap(map[string]any{
		"directory": "/var/run/mmstats", "glob": "web-*.mmstats", "collection_interval": "15s",
	})
	if err := conf.Unmarshal(cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Directory != "/var/run/mmstats" || cfg.Glob != "web-*.mmstats" || cfg.CollectionInterval != 15*time.Second {
		t.Fatalf("unmarshalled %+v", cfg)
	}
	if err := confmap.Validate(cfg); err != nil {
		t.Fatal(err)
	}
	cfg.CollectionInterval = 0
	if err := confmap.Validate(cfg); err == nil || !strings.Contains(err.Error(), "collection_interval") {
		t.Fatalf("zero collection_interval: got %v", err)
	}
	cfg.CollectionInterval = time.Second
	cfg.Glob = "[" // filepath.ErrBadPattern
	if err := confmap.Validate(cfg); err == nil || !strings.Contains(err.Error(), `glob "["`) {
		t.Fatalf("bad glob: got %v", err)
	}
}

// Every golden 0.8 file, read through the receiver, gives the metrics the
// spec's rules make of its canonical JSON (written by 0.8's own reader).
func TestGolden08Files(t *testing.T) {
	for _, sub := range []string{"", "cpython2.7"} {
		dir := filepath.Join(goldenDir, sub)
		jsons, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		if len(jsons) < 10 {
			t.Fatalf("%s: only %d golden files", dir, len(jsons))
		}
		files := byFile(t, collectOnce(t, dir, "*.mmstats"))
		if len(files) != len(jsons) {
			t.Fatalf("%s: %d resources for %d files", dir, len(files), len(jsons))
		}
		for _, j := range jsons {
			name := strings.TrimSuffix(filepath.Base(j), ".json") + ".mmstats"
			rm, ok := files[name]
			if !ok {
				t.Errorf("%s: no metrics", name)
				continue
			}
			sms := rm.ScopeMetrics()
			if sms.Len() != 1 || sms.At(0).Scope().Name() != scopeName {
				t.Errorf("%s: want one scope %s", name, scopeName)
				continue
			}
			checkPoints(t, name, sms.At(0).Metrics(), expectedPoints(t, loadCanonical(t, j)))
		}
	}
}

// The default fields describe the process: resource attributes and the start
// of every cumulative series, never metrics.
func TestGoldenCounterIdentity(t *testing.T) {
	rm := byFile(t, collectOnce(t, goldenDir, "counter.mmstats"))["counter.mmstats"]
	attrs := rm.Resource().Attributes()
	for key, want := range map[string]int64{"process.pid": 8915, "thread.id": 8915, "process.user.id": 0, "process.group.id": 0} {
		if v, ok := attrs.Get(key); !ok || v.Type() != pcommon.ValueTypeInt || v.Int() != want {
			t.Errorf("%s = %v, want %d", key, v.AsRaw(), want)
		}
	}
	if v, _ := attrs.Get("process.runtime.description"); !strings.HasPrefix(v.Str(), "3.11.7 (main,") {
		t.Errorf("process.runtime.description = %q", v.Str())
	}
	ms := rm.ScopeMetrics().At(0).Metrics()
	start := timestampOf(1795822118.23866) // sys.created in counter.json
	for i := 0; i < ms.Len(); i++ {
		m := ms.At(i)
		if strings.HasPrefix(m.Name(), "sys.") || m.Name() == "org.python.version" {
			t.Errorf("default field %s emitted as a metric", m.Name())
		}
		if m.Sum().DataPoints().At(0).StartTimestamp() != start {
			t.Errorf("%s starts at %v, want sys.created %v", m.Name(), m.Sum().DataPoints().At(0).StartTimestamp(), start)
		}
	}
	if ms.Len() != 3 {
		t.Errorf("%d metrics, want the 3 counters", ms.Len())
	}
}

// Files written now by the C writer, for every writer scenario of the corpus,
// give the values the scenario expects.
func TestCWriterScenarios(t *testing.T) {
	scenarios, _ := filepath.Glob(filepath.Join(repo, "conformance/writer-scenarios/*.json"))
	if len(scenarios) < 10 {
		t.Fatalf("only %d writer scenarios", len(scenarios))
	}
	dir := t.TempDir()
	for _, s := range scenarios {
		writeScenario(t, s, filepath.Join(dir, strings.TrimSuffix(filepath.Base(s), ".json")+".mmstats"))
	}
	files := byFile(t, collectOnce(t, dir, "*.mmstats"))
	for _, s := range scenarios {
		name := strings.TrimSuffix(filepath.Base(s), ".json") + ".mmstats"
		var sc struct{ Expect canonical }
		raw, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &sc); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		rm, ok := files[name]
		if !ok {
			t.Errorf("%s: no metrics", name)
			continue
		}
		want := expectedPoints(t, sc.Expect)
		if rm.ScopeMetrics().Len() == 0 {
			if len(want) != 0 {
				t.Errorf("%s: no metrics, want %d", name, len(want))
			}
			continue
		}
		checkPoints(t, name, rm.ScopeMetrics().At(0).Metrics(), want)
	}
}

// A counter that goes down (its file was replaced, or it wrapped) starts a
// new cumulative series after the last collection that saw it higher.
func TestCounterReset(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.mmstats")
	writeCount(t, path, 600)
	cfg := &Config{Directory: dir, Glob: "*.mmstats"}
	s := newFileScraper(cfg, zap.NewNop())
	clock := time.Unix(1_800_000_000, 0)
	s.now = func() time.Time { return clock }
	first := scrapeCount(t, s)
	if first.value != 600 || first.start != pcommon.NewTimestampFromTime(clock) {
		t.Fatalf("first collection: %+v, want a count above 1 starting when the file was first seen", first)
	}
	clock = clock.Add(time.Second)
	if again := scrapeCount(t, s); again.start != first.start {
		t.Fatalf("unchanged counter moved its start: %+v then %+v", first, again)
	}
	// a smaller count in place of the file: write elsewhere, rename over it
	other := filepath.Join(t.TempDir(), "w.mmstats")
	writeCount(t, other, 7)
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(time.Second)
	after := scrapeCount(t, s)
	wantStart := pcommon.NewTimestampFromTime(clock.Add(-time.Second)) + 1
	if after.value != 7 || after.start != wantStart {
		t.Fatalf("after the reset: %+v, want a smaller count starting at %v", after, wantStart)
	}
}

// writeCount has the C writer write a file with one counter, "count", at n.
func writeCount(t *testing.T, path string, n int) {
	t.Helper()
	scenario := filepath.Join(t.TempDir(), "count.json")
	text := fmt.Sprintf(`{"id": "count", "fields": [{"label": "count", "type": "Q", "buffered": true}],
		"updates": [{"field": "count", "value": %d}], "expect": {"fields": []}}`, n)
	if err := os.WriteFile(scenario, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	writeScenario(t, scenario, path)
}

type countPoint struct {
	value int64
	start pcommon.Timestamp
}

// scrapeCount returns the counter "count" of the one file s reads.
func scrapeCount(t *testing.T, s *fileScraper) countPoint {
	t.Helper()
	md, err := s.scrape(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ms := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	for i := 0; i < ms.Len(); i++ {
		if ms.At(i).Name() == "count" {
			dp := ms.At(i).Sum().DataPoints().At(0)
			return countPoint{dp.IntValue(), dp.StartTimestamp()}
		}
	}
	t.Fatal("no counter named count")
	return countPoint{}
}

// A broken file is reported with its path, offset and problem; the other
// files are still delivered, and a file being created is no error.
func TestBrokenFilesAreReported(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, filepath.Join(goldenDir, "counter.mmstats"), filepath.Join(dir, "good.mmstats"))
	copyFile(t, filepath.Join(repo, "conformance/invalid/unknown_type/z-code.mmstats"), filepath.Join(dir, "bad.mmstats"))
	if err := os.WriteFile(filepath.Join(dir, "new.mmstats"), nil, 0o644); err != nil { // not_ready
		t.Fatal(err)
	}
	s := newFileScraper(&Config{Directory: dir, Glob: "*.mmstats"}, zap.NewNop())
	md, err := s.scrape(context.Background())
	if !scrapererror.IsPartialScrapeError(err) {
		t.Fatalf("want a partial scrape error, got %v", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, filepath.Join(dir, "bad.mmstats")) || !strings.Contains(msg, "offset 25") ||
		!strings.Contains(msg, "unknown_type") || strings.Contains(msg, "new.mmstats") {
		t.Fatalf("error %q: want bad.mmstats at offset 25, unknown_type, and nothing about new.mmstats", msg)
	}
	files := byFile(t, md)
	if _, ok := files["good.mmstats"]; !ok || len(files) != 1 {
		t.Fatalf("want good.mmstats alone, got %d resources", len(files))
	}
}

func TestMissingDirectoryIsAnError(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nowhere")
	s := newFileScraper(&Config{Directory: missing, Glob: "*.mmstats"}, zap.NewNop())
	if _, err := s.scrape(context.Background()); err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("want an error naming %s, got %v", missing, err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
