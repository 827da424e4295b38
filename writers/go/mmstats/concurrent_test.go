package mmstats_test

import (
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	reader "mmstats.dev/readers/go/mmstats"
	"mmstats.dev/writers/go/mmstats"
)

// Goroutines share one counter and each has its own, while a reader polls the file: no update
// is lost, and the file stays valid throughout. (A sample can be torn by design, so the values
// seen in between are not asserted.) Meaningful with -race: the handles' own state is Go memory.
func TestGoroutinesShareHandles(t *testing.T) {
	const workers, each = 8, 20000
	path := filepath.Join(t.TempDir(), "g.mmstats")
	shared := mmstats.NewCounter("shared")
	sum := mmstats.NewGauge("sum")
	own := make([]*mmstats.Int[uint64], workers)
	fields := []mmstats.Field{shared, sum}
	for i := range own {
		own[i] = mmstats.NewCounter("own." + strconv.Itoa(i))
		fields = append(fields, own[i])
	}
	s, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: path}, fields...)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var stop atomic.Bool
	var polls atomic.Int64
	readerDone := make(chan error)
	go func() {
		r := reader.NewStatsReader(path, reader.DefaultMaxSize)
		defer r.Close()
		for !stop.Load() {
			if _, err := r.Read(); err != nil {
				readerDone <- err
				return
			}
			polls.Add(1)
		}
		readerDone <- nil
	}()

	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(mine *mmstats.Int[uint64]) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				shared.Inc()
				mine.Inc()
				sum.Add(0.5)
			}
		}(own[w])
	}
	wg.Wait()
	stop.Store(true)
	if err := <-readerDone; err != nil {
		t.Fatalf("reader during updates: %v", err)
	}
	if polls.Load() == 0 {
		t.Fatal("the reader never read the file")
	}
	values := decoded(t, path)
	if values["shared"] != strconv.Itoa(workers*each) || shared.Load() != workers*each {
		t.Fatalf("shared = %s (Load %d), want %d", values["shared"], shared.Load(), workers*each)
	}
	if values["sum"] != strconv.Itoa(workers*each/2)+".0" && values["sum"] != strconv.Itoa(workers*each/2) {
		t.Fatalf("sum = %s, want %d", values["sum"], workers*each/2)
	}
	for i := range own {
		if got := values["own."+strconv.Itoa(i)]; got != strconv.Itoa(each) {
			t.Fatalf("own.%d = %s, want %d", i, got, each)
		}
	}
}

// Close while goroutines update: every update either reaches the file before Close or stays in
// its handle; none stores into unmapped pages (which would crash the test).
func TestCloseWhileUpdating(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.mmstats")
	c := mmstats.NewCounter("c")
	text := mmstats.NewString("text", 32)
	s, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: path, NoDefaults: true}, c, text)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20000; i++ {
				c.Inc()
				text.Set("value " + strconv.Itoa(i))
			}
		}()
	}
	for c.Load() < 1000 { // close in the middle of the updates
		runtime.Gosched()
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if c.Load() != 80000 {
		t.Fatalf("Load = %d", c.Load())
	}
	got, err := strconv.ParseUint(decoded(t, path)["c"], 10, 64)
	if err != nil || got > 80000 {
		t.Fatalf("c in the file = %d (%v)", got, err)
	}
}

// Two Creates racing for the same fields, given in opposite orders: one wins, the other gets
// ErrFieldInUse, and neither waits for the other forever.
func TestCreatesRacingForFields(t *testing.T) {
	for round := 0; round < 50; round++ {
		a, b := mmstats.NewCounter("a"), mmstats.NewCounter("b")
		dir := t.TempDir()
		results := make(chan error, 2)
		var files [2]*mmstats.Stats
		for i, order := range [][]mmstats.Field{{a, b}, {b, a}} {
			go func(i int, order []mmstats.Field) {
				s, err := mmstats.Create(mmstats.Options{Version: mmstats.V1, Path: filepath.Join(dir, strconv.Itoa(i)), NoDefaults: true}, order...)
				files[i] = s
				results <- err
			}(i, order)
		}
		errs := []error{<-results, <-results}
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("round %d: want one winner, got %v and %v", round, errs[0], errs[1])
		}
		for _, s := range files {
			if s != nil {
				s.Close()
			}
		}
	}
}
