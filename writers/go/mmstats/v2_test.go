package mmstats_test

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	reader "mmstats.dev/readers/go/mmstats"
	"mmstats.dev/writers/go/internal/testutil"
	"mmstats.dev/writers/go/mmstats"
)

// create2 makes a version 2 file in a test directory; it is closed (and removed) at cleanup.
func create2(t *testing.T, opts mmstats.Options) *mmstats.Stats {
	t.Helper()
	if opts.Path == "" {
		opts.Path = filepath.Join(t.TempDir(), "v2.mmstats")
	}
	s, err := mmstats.Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// python is the canonical form the repository's Python reader gives for path.
func python(t *testing.T, path string) map[string]any {
	t.Helper()
	return testutil.DecodeJSON(t, testutil.ReadPython(t, path))
}

// Every kind and value type, with help, unit and attributes, updated through the shared slot
// and a thread slot, read back by the Python reader: the canonical form is written here by
// hand from the spec's rules (cumulative buckets, sums over slots, exact integers).
func TestV2EveryKindReadsBackAsTheSpecSays(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kinds.mmstats")
	s := create2(t, mmstats.Options{Path: path, Keep: true, SlotCount: 4})
	req := s.Counter("http.requests", mmstats.Help("Requests served"), mmstats.Unit("{request}"),
		mmstats.Attr("status", "2xx"), mmstats.Attr("method", "GET"))
	cpu := s.FloatCounter("cpu.time", mmstats.Unit("s"))
	conns := s.UpDownCounter("connections")
	level := s.FloatUpDownCounter("level")
	temp := s.Gauge("temperature", mmstats.Unit("Cel"))
	queue := s.IntGauge("queue.length")
	free := s.UintGauge("bytes.free", mmstats.Unit("By"))
	state := s.String("state", mmstats.Capacity(5), mmstats.InitialText("starting"))
	lat := s.Histogram("http.latency", []float64{10, 100}, mmstats.Unit("ms"), mmstats.Help("Latency"))
	s.ConstantString("build.version", "2.0.1", mmstats.Help("Build"))
	s.ConstantUint("build.number", 18446744073709551615)
	s.ConstantInt("offset", -12)
	s.ConstantFloat("ratio", 0.25)

	w := s.Slot()
	if w.Shared() {
		t.Fatal("the first slot asked for is the shared slot")
	}
	req.Add(3)
	w.Add(req, 4)
	req.In(w).Add(1 << 62)
	cpu.Add(0.5)
	cpu.In(w).Add(0.25)
	conns.Add(5)
	conns.In(w).Add(-7)
	level.In(w).Add(-0.5)
	temp.Set(21.5)
	queue.Set(-3)
	queue.Add(10)
	free.Set(1 << 63)
	state.Set("running") // cut to the capacity, 8 bytes: "running" fits
	state.Set("ééééé")   // 10 bytes: cut to 8 on a character boundary
	lat.Observe(5)
	lat.In(w).Observe(10)
	lat.In(w).Observe(50)
	lat.Observe(1000)
	w.Release()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	want := testutil.DecodeJSON(t, []byte(`{"format_version": 2, "minor": 0, "state": "closed", "overflow_count": 0,
	  "heartbeat_interval_ms": 0, "heartbeat_unix_ns": 0, "fields": [
	  {"label": "http.requests", "kind": "counter", "type": "u64", "unit": "{request}", "help": "Requests served",
	   "attributes": {"status": "2xx", "method": "GET"}, "value": 4611686018427387911},
	  {"label": "cpu.time", "kind": "counter", "type": "f64", "unit": "s", "help": "", "attributes": {}, "value": 0.75},
	  {"label": "connections", "kind": "updown_counter", "type": "i64", "unit": "", "help": "", "attributes": {}, "value": -2},
	  {"label": "level", "kind": "updown_counter", "type": "f64", "unit": "", "help": "", "attributes": {}, "value": -0.5},
	  {"label": "temperature", "kind": "gauge", "type": "f64", "unit": "Cel", "help": "", "attributes": {}, "value": 21.5},
	  {"label": "queue.length", "kind": "gauge", "type": "i64", "unit": "", "help": "", "attributes": {}, "value": 7},
	  {"label": "bytes.free", "kind": "gauge", "type": "u64", "unit": "By", "help": "", "attributes": {}, "value": 9223372036854775808},
	  {"label": "state", "kind": "string", "type": "utf8", "unit": "", "help": "", "attributes": {}, "value": "éééé"},
	  {"label": "http.latency", "kind": "histogram", "type": "f64", "unit": "ms", "help": "Latency", "attributes": {},
	   "value": {"count": 4, "sum": 1065.0, "buckets": [{"le": 10.0, "count": 2}, {"le": 100.0, "count": 3},
	             {"le": "Infinity", "count": 4}]}},
	  {"label": "build.version", "kind": "constant", "type": "utf8", "unit": "", "help": "Build", "attributes": {}, "value": "2.0.1"},
	  {"label": "build.number", "kind": "constant", "type": "u64", "unit": "", "help": "", "attributes": {}, "value": 18446744073709551615},
	  {"label": "offset", "kind": "constant", "type": "i64", "unit": "", "help": "", "attributes": {}, "value": -12},
	  {"label": "ratio", "kind": "constant", "type": "f64", "unit": "", "help": "", "attributes": {}, "value": 0.25}]}`))
	got := python(t, path)
	if err := testutil.SameJSON(want, got); err != nil {
		t.Fatalf("Python reader: %v\n%v", err, got)
	}
	if pid := got["pid"].(interface{ String() string }).String(); pid != strconv.Itoa(os.Getpid()) {
		t.Errorf("pid %s, want %d", pid, os.Getpid())
	}
	out, err := exec.Command(filepath.Join(testutil.RepoRoot(t), ".venv", "bin", "mmstats"), "validate", path).CombinedOutput()
	if err != nil {
		t.Fatalf("mmstats validate: %v\n%s", err, out)
	}

	// The header words, at the offsets of the spec's table (not the package's constants).
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	for _, c := range []struct {
		what      string
		got, want uint64
	}{
		{"version", uint64(data[0]), 2},
		{"header_size", uint64(le.Uint16(data[10:])), 128},
		{"state", uint64(le.Uint32(data[12:])), 2},
		{"entry_fixed_size", uint64(le.Uint16(data[52:])), 32},
		{"meta_offset", uint64(le.Uint32(data[56:])), 128},
		{"meta_capacity", uint64(le.Uint32(data[60:])), mmstats.DefaultMetaCapacity},
		{"slots_offset % 128", uint64(le.Uint32(data[72:]) % 128), 0},
		{"slot_size", uint64(le.Uint32(data[76:])), mmstats.DefaultSlotSize},
		{"slot_count", uint64(le.Uint32(data[80:])), 4},
		{"slots_used", uint64(le.Uint32(data[84:])), 2},
		{"field_count", uint64(le.Uint32(data[88:])), 13},
		{"file size % 4096", uint64(len(data) % 4096), 0},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.what, c.got, c.want)
		}
	}
	if string(data[1:8]) != "MMSTATS" {
		t.Errorf("magic %q", data[1:8])
	}
}

// poll reads path with the Go reader's poller and returns the fields by label.
func poll(t *testing.T, p *reader.PollerV2) (*reader.FileV2, map[string]reader.FieldV2) {
	t.Helper()
	f, err := p.Read()
	if err != nil {
		t.Fatal(err)
	}
	byLabel := map[string]reader.FieldV2{}
	for _, x := range f.Fields {
		byLabel[x.Label] = x
	}
	return f, byLabel
}

// N goroutines x M adds sum to exactly N*M: goroutines with thread slots (more goroutines than
// slots, so some get the shared slot), goroutines on the shared slot, slots released and taken
// again. Run under -race: the slot hand-out, the free list and the race stand-in are checked.
func TestV2GoroutinesSumExactly(t *testing.T) {
	const goroutines, adds = 16, 20000
	s := create2(t, mmstats.Options{SlotCount: 5})
	c := s.Counter("hits")
	u := s.UpDownCounter("level")
	f := s.FloatCounter("seconds")
	h := s.Histogram("sizes", []float64{1, 2})
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			if g%4 == 3 { // the default path: shared slot, atomic add
				for i := 0; i < adds; i++ {
					c.Add(1)
					u.Add(-1)
					f.Add(0.5)
					h.Observe(float64(i % 3))
				}
				return
			}
			for part := 0; part < 2; part++ { // a slot per half: released, then taken again
				w := s.Slot()
				hits, lvl, sec, sizes := c.In(w), u.In(w), f.In(w), h.In(w)
				for i := 0; i < adds/2; i++ {
					hits.Add(1)
					lvl.Add(-1)
					sec.Add(0.5)
					sizes.Observe(float64(i % 3))
				}
				w.Release()
			}
		}(g)
	}
	wg.Wait()
	_, got := poll(t, reader.NewPollerV2(s.Path(), reader.DefaultMaxSize))
	n := uint64(goroutines * adds)
	if v := got["hits"].Value.Uint(); v != n {
		t.Errorf("hits %d, want %d", v, n)
	}
	if v := got["level"].Value.Int(); v != -int64(n) {
		t.Errorf("level %d, want %d", v, -int64(n))
	}
	if v := got["seconds"].Value.Float(); v != float64(n)/2 {
		t.Errorf("seconds %v, want %v", v, float64(n)/2)
	}
	hg := got["sizes"].Histogram
	if hg == nil || hg.Counts[0]+hg.Counts[1]+hg.Counts[2] != n || hg.Counts[2] != 0 {
		t.Errorf("sizes %+v, want %d observations in the first two buckets", hg, n)
	}
}

// A reader polling while goroutines take, use and give back slots never sees a counter go
// backwards, and ends with the exact total. The free list keeps slots_used small.
func TestV2SlotReuseNeverGoesBackwards(t *testing.T) {
	const rounds, adds = 200, 500
	s := create2(t, mmstats.Options{SlotCount: 3})
	c := s.Counter("hits")
	done := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				w := s.Slot()
				for i := 0; i < adds; i++ {
					w.Add(c, 1)
				}
				w.Release()
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	p := reader.NewPollerV2(s.Path(), reader.DefaultMaxSize)
	defer p.Close()
	last, reads := uint64(0), 0
	for finished := false; !finished; reads++ {
		select {
		case <-done:
			finished = true
		default:
		}
		_, got := poll(t, p)
		v := got["hits"].Value.Uint()
		if v < last {
			t.Fatalf("read %d: hits went back from %d to %d", reads, last, v)
		}
		last = v
	}
	if want := uint64(2 * rounds * adds); last != want {
		t.Fatalf("hits %d after %d reads, want %d", last, reads, want)
	}
	data, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if used := binary.LittleEndian.Uint32(data[84:]); used < 2 || used > 3 {
		t.Errorf("slots_used %d after %d slots taken: two goroutines at a time need slots 1 and 2 only", used, 2*rounds)
	}
}

// A field added after a reader opened the file is published to that reader by field_count:
// its entry and initial value are complete when it appears.
func TestV2FieldAddedAtRunTimeReachesAnOpenReader(t *testing.T) {
	s := create2(t, mmstats.Options{})
	s.Counter("first").Add(1)
	p := reader.NewPollerV2(s.Path(), reader.DefaultMaxSize)
	defer p.Close()
	if f, _ := poll(t, p); len(f.Fields) != 1 {
		t.Fatalf("%d fields, want 1", len(f.Fields))
	}
	s.String("later", mmstats.InitialText("ready"), mmstats.Help("added at run time"), mmstats.Attr("k", "v"))
	f, got := poll(t, p)
	later, ok := got["later"]
	if len(f.Fields) != 2 || !ok || later.Value.Str() != "ready" || later.Help != "added at run time" ||
		len(later.Attributes) != 1 || later.Attributes[0] != (reader.Attribute{Key: "k", Value: "v"}) {
		t.Fatalf("after adding: %+v", f.Fields)
	}
}

// A file with no room: the field is refused and counted, its handle works without reaching the
// file, Err says which field, earlier fields are untouched.
func TestV2FullFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "full.mmstats")
	s := create2(t, mmstats.Options{Path: path, Keep: true, MetaCapacity: 80, ProcessCapacity: 8, SlotSize: 16, SlotCount: 2})
	a := s.Counter("a")
	b := s.Counter("b")
	c := s.Counter("c")   // no metadata left
	g := s.Gauge("g")     // no metadata left
	s.Counter("c").Add(5) // the same declaration again: the same handle, counted once
	if err := s.Err(); !errors.Is(err, mmstats.ErrFull) || !strings.Contains(err.Error(), `"c"`) {
		t.Fatalf("Err() = %v", err)
	}
	a.Add(1)
	b.Add(2)
	c.Add(3)
	g.Set(4)
	w := s.Slot()
	c.In(w).Add(1)
	w.Add(a, 10)
	w.Release()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	want := testutil.DecodeJSON(t, []byte(`{"overflow_count": 2, "state": "closed", "fields": [
	  {"label": "a", "kind": "counter", "type": "u64", "unit": "", "help": "", "attributes": {}, "value": 11},
	  {"label": "b", "kind": "counter", "type": "u64", "unit": "", "help": "", "attributes": {}, "value": 2}]}`))
	if err := testutil.SameJSON(want, python(t, path)); err != nil {
		t.Fatal(err)
	}
}

// probeLock is the spec's lock probe ("Liveness", step 3) from a descriptor of our own:
// true when a writer holds the lock.
func probeLock(t *testing.T, path string) bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if err == syscall.EWOULDBLOCK {
		return true
	}
	if err != nil {
		t.Fatal(err)
	}
	return false
}

// Liveness: the lock is held while the file is open, also with a child process started then
// (the descriptor is close-on-exec: a child never keeps a closed writer live); Close stores
// state closed and removes the file, or keeps it when asked; no temporary file is left.
func TestV2Liveness(t *testing.T) {
	dir := t.TempDir()
	removed := filepath.Join(dir, "removed.mmstats")
	s, err := mmstats.Create(mmstats.Options{Path: removed})
	if err != nil {
		t.Fatal(err)
	}
	if !probeLock(t, removed) {
		t.Fatal("the lock is free while the file is open")
	}
	if got := python(t, removed)["state"]; got != "ready" {
		t.Fatalf("state %v, want ready", got)
	}
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(removed); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the file is still there after Close: %v", err)
	}
	if err := s.Close(); !errors.Is(err, mmstats.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}

	kept := filepath.Join(dir, "kept.mmstats")
	s, err = mmstats.Create(mmstats.Options{Path: kept, Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Counter("c")
	w := s.Slot()
	c.Add(1)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	c.Add(1) // after Close: private pages, the file keeps its final value
	w.Add(c, 1)
	if probeLock(t, kept) {
		t.Fatal("the lock is held after Close (by the child started while it was open?)")
	}
	want := testutil.DecodeJSON(t, []byte(`{"state": "closed", "fields": [
	  {"label": "c", "kind": "counter", "type": "u64", "unit": "", "help": "", "attributes": {}, "value": 1}]}`))
	if err := testutil.SameJSON(want, python(t, kept)); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || entries[0].Name() != "kept.mmstats" {
		t.Fatalf("directory holds %v (%v), want kept.mmstats alone", entries, err)
	}
}

// Create never overwrites: a live writer's file stays; a file whose writer is gone (its lock
// free) is replaced unless KeepStale; anything else that is not ours stays.
func TestV2CreateNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.mmstats")
	live := create2(t, mmstats.Options{Path: path, Keep: true})
	if _, err := mmstats.Create(mmstats.Options{Path: path}); !errors.Is(err, mmstats.ErrExists) {
		t.Fatalf("over a live file: %v", err)
	}
	live.Close() // kept, state closed, lock free: its writer has exited
	if _, err := mmstats.Create(mmstats.Options{Path: path, KeepStale: true}); !errors.Is(err, mmstats.ErrExists) {
		t.Fatalf("KeepStale over an exited writer's file: %v", err)
	}
	s := create2(t, mmstats.Options{Path: path})
	if s.Path() != path {
		t.Fatal(s.Path())
	}
	other := filepath.Join(dir, "other.mmstats")
	if err := os.WriteFile(other, []byte("not mmstats"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := mmstats.Create(mmstats.Options{Path: other}); !errors.Is(err, mmstats.ErrExists) {
		t.Fatalf("over another file: %v", err)
	}
	if data, _ := os.ReadFile(other); string(data) != "not mmstats" {
		t.Fatalf("the other file changed: %q", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Fatalf("directory holds %v: a temporary file was left", entries)
	}
}

// Declarations: the same name and attributes again give the same handle; a contradiction or a
// declaration the format cannot hold panics with ErrBadField; version 1 handles are refused.
func TestV2Declarations(t *testing.T) {
	s := create2(t, mmstats.Options{})
	a := s.Counter("x", mmstats.Attr("k", "1"), mmstats.Attr("j", "2"))
	if b := s.Counter("x", mmstats.Attr("j", "2"), mmstats.Attr("k", "1")); a != b {
		t.Error("the same counter declared twice gave two handles")
	}
	if b := s.Counter("x", mmstats.Attr("k", "2")); a == b {
		t.Error("other attributes gave the same handle")
	}
	bad := map[string]func(){
		"another kind":      func() { s.Gauge("x", mmstats.Attr("k", "1"), mmstats.Attr("j", "2")) },
		"another unit":      func() { s.Counter("x", mmstats.Attr("k", "1"), mmstats.Attr("j", "2"), mmstats.Unit("s")) },
		"empty name":        func() { s.Counter("") },
		"ill-formed name":   func() { s.Counter("\xff") },
		"unit with space":   func() { s.Gauge("g", mmstats.Unit("m s")) },
		"unit too long":     func() { s.Gauge("g", mmstats.Unit(strings.Repeat("m", 64))) },
		"attribute twice":   func() { s.Gauge("g", mmstats.Attr("k", "1"), mmstats.Attr("k", "2")) },
		"empty key":         func() { s.Gauge("g", mmstats.Attr("", "1")) },
		"bounds not rising": func() { s.Histogram("h", []float64{1, 1}) },
		"NaN bound":         func() { s.Histogram("h", []float64{0, nan()}) },
		"negative capacity": func() { s.String("t", mmstats.Capacity(-1)) },
	}
	for name, declare := range bad {
		t.Run(name, func(t *testing.T) {
			defer func() {
				err, _ := recover().(error)
				if !errors.Is(err, mmstats.ErrBadField) {
					t.Fatalf("want a panic with ErrBadField, got %v", err)
				}
			}()
			declare()
		})
	}
	if _, err := mmstats.Create(mmstats.Options{Path: filepath.Join(t.TempDir(), "v.mmstats")},
		mmstats.NewCounter("c")); !errors.Is(err, mmstats.ErrBadVersion) {
		t.Errorf("version 1 handles in a version 2 Create: %v", err)
	}
	s.ConstantUint("k", 1)
	s.ConstantUint("k", 1) // identical: accepted once
	func() {
		defer func() {
			if err, _ := recover().(error); !errors.Is(err, mmstats.ErrBadField) {
				t.Errorf("a constant declared again with another value: %v", err)
			}
		}()
		s.ConstantUint("k", 2)
	}()
}

func nan() float64 { var z float64; return z / z }

// Strings and histograms behind their sequence: concurrent setters take turns through the
// compare-and-swap, and a reader polling meanwhile never sees a mixed text or a histogram
// whose sum disagrees with its buckets.
func TestV2SequenceLockedValuesAreNeverTorn(t *testing.T) {
	s := create2(t, mmstats.Options{})
	text := s.String("text", mmstats.Capacity(64))
	h := s.Histogram("h", nil) // one bucket: sum = 2 x count when every observation is 2
	texts := []string{strings.Repeat("a", 64), strings.Repeat("b", 17)}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			w := s.Slot()
			defer w.Release()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				text.Set(texts[(g+i)%2])
				if g == 0 {
					h.Observe(2) // shared slot
				} else {
					h.In(w).Observe(2)
				}
			}
		}(g)
	}
	p := reader.NewPollerV2(s.Path(), reader.DefaultMaxSize)
	defer p.Close()
	seen := map[string]int{}
	for i := 0; i < 100; i++ {
		_, got := poll(t, p)
		if x := got["text"]; !x.Null {
			if v := x.Value.Str(); v != texts[0] && v != texts[1] && v != "" {
				t.Fatalf("torn text %q", v)
			}
			seen[x.Value.Str()]++
		}
		if x := got["h"]; !x.Null && x.Histogram.Sum != 2*float64(x.Histogram.Counts[0]) {
			t.Fatalf("histogram sum %v with %d observations of 2", x.Histogram.Sum, x.Histogram.Counts[0])
		}
	}
	close(stop)
	wg.Wait()
	if seen[texts[0]]+seen[texts[1]] == 0 {
		t.Fatalf("no text read in 100 polls: %v", seen)
	}
}

// The header's identity and heartbeat: pid, start_ticks (field 22 of /proc/self/stat, read
// here on its own), the promised interval and the last beat; and the default file name.
func TestV2IdentityHeartbeatAndDefaultName(t *testing.T) {
	start := "0" // where the system has no /proc/PID/stat
	if runtime.GOOS == "linux" {
		stat, err := os.ReadFile("/proc/self/stat")
		if err != nil {
			t.Fatal(err)
		}
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		start = fields[19] // field 22; fields[0] is field 3
	}
	dir := t.TempDir()
	t.Setenv("MMSTATS_PATH", dir)
	t.Setenv("MMSTATS_FILES", "")
	s, err := mmstats.Create(mmstats.Options{HeartbeatInterval: 1500 * time.Millisecond, Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	cmd := strings.TrimSuffix(filepath.Base(os.Args[0]), filepath.Ext(os.Args[0]))
	if want := filepath.Join(dir, cmd+"-"+strconv.Itoa(os.Getpid())+"-"+start+".mmstats"); s.Path() != want {
		t.Errorf("path %q, want %q", s.Path(), want)
	}
	before := time.Now().UnixNano()
	s.Heartbeat()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got := python(t, s.Path())
	want := testutil.DecodeJSON(t, []byte(`{"pid": `+strconv.Itoa(os.Getpid())+`, "start_ticks": `+start+
		`, "heartbeat_interval_ms": 1500, "state": "closed", "fields": []}`))
	if err := testutil.SameJSON(want, got); err != nil {
		t.Fatal(err)
	}
	beat, err := strconv.ParseInt(string(got["heartbeat_unix_ns"].(json.Number)), 10, 64)
	if err != nil || beat < before || beat > time.Now().UnixNano() {
		t.Errorf("heartbeat_unix_ns %v, want the time of the beat (%v)", got["heartbeat_unix_ns"], err)
	}
}
