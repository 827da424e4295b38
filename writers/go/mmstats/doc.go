// Package mmstats publishes metrics in an mmstats file: a memory-mapped file that other
// processes read at any time, while updating a value costs a few stores and no system call.
// It writes format version 2 (spec/v2.md) by default, and version 1 (spec/v1.md) on request.
//
//	s, err := mmstats.Create(mmstats.Options{}) // $MMSTATS_PATH/{CMD}-{PID}-{START}.mmstats
//	if err != nil { ... }
//	defer s.Close()                             // state closed, file removed (Options.Keep keeps it)
//	requests := s.Counter("http.requests", mmstats.Help("Requests served"),
//		mmstats.Unit("{request}"), mmstats.Attr("status", "2xx"))
//	latency := s.Histogram("http.latency", []float64{5, 10, 50, 100}, mmstats.Unit("ms"))
//	requests.Add(1)                             // any goroutine: an atomic add in the shared slot
//	latency.Observe(12.5)
//
// # Version 2: fields at run time
//
// A version 2 file is created empty; Counter, FloatCounter, UpDownCounter,
// FloatUpDownCounter, Gauge, IntGauge, UintGauge, String, Histogram and the Constant methods
// add fields at any time: the entry and the initial value are written first, then the field
// count is published with a release store, so a reader that opened the file before sees the
// new field whole. The same name and attributes declared again return the same handle. A
// declaration the format cannot hold (an empty name, a unit that is not printable ASCII, a
// repeated attribute key, bounds that do not rise) panics with an error wrapping ErrBadField,
// as regexp.MustCompile does: declarations are program text. A field that does not fit in the
// file's capacities is not published: the header's overflow_count counts it, Stats.Err names
// the first one, and its handle works on private memory, so the program does not have to care
// (the spec's SHOULD).
//
// # Goroutines and writer slots
//
// The format gives every writer thread a slot of its own: a copy of every counter and
// histogram that only that thread writes, with a plain load and store and no atomic
// read-modify-write; readers add the copies up. Goroutines are not threads: the scheduler moves
// them between threads at any time, and Go has no goroutine-local storage, so a slot cannot
// follow a goroutine implicitly. This package maps them so:
//
//   - Counter.Add, UpDownCounter.Add, Histogram.Observe, ... on the handle itself update the
//     shared slot 0 with atomic read-modify-writes (an atomic add; a compare-and-swap loop for
//     f64; a sequence taken with compare-and-swap for histograms). Any goroutine may call them
//     at any time. This is the default and costs an uncontended atomic add.
//   - Stats.Slot hands out a thread slot as a value, a *Slot, that one goroutine owns at a time,
//     like a bufio.Writer: w.Add(c, n), c.In(w).Add(n) and h.In(w).Observe(v) update w's own
//     copies with a plain load and store. Take one for a hot loop or for the life of a worker
//     goroutine, and give it back with Release (defer w.Release()). A Slot passed from one
//     goroutine to another through a channel or a mutex is fine; two goroutines using one Slot
//     at once is a data race, which the race detector reports (the mapping is invisible to it,
//     so race builds also write an ordinary per-slot word it can see).
//   - Slots are taken from a free list under a mutex; a new one is published by a release store
//     of slots_used before its first store. Release puts the slot back with its values kept,
//     and the next owner adds to them: no copy is ever reset or moved, so no sum goes backwards
//     and nothing is counted twice. A Slot dropped without Release is given back by a
//     finalizer. When every thread slot is taken, Stats.Slot returns the shared slot, whose
//     updates are atomic: slower, never wrong.
//
// Per-P sharding (a slot per scheduler P) would need the runtime's internals and still could
// not stop a goroutine from being preempted between the load and the store of an increment;
// an owned Slot makes the single writer explicit instead.
//
// Gauges, constants and strings have one copy: Gauge.Set is one atomic store, String.Set takes
// the value's sequence with a compare-and-swap, so concurrent setters take turns and readers
// see one whole text.
//
// # Creation, liveness, closing
//
// Create writes the file under a temporary name (O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC), takes
// flock(LOCK_EX) for the life of the file, allocates the blocks, maps it, writes the header
// with state creating, gives it its final name with link() (which never replaces a file),
// and release-stores state ready. Readers tell a live writer (lock held) from one that exited
// (state closed) or died (lock free). Close stores state closed, removes the file unless
// Options.Keep, and closes the descriptor, releasing the lock, last. The file's pages are then
// replaced in place by private ones, so handles and slots still in use after Close are
// harmless. Go programs cannot fork without exec, and the descriptor is close-on-exec: a child
// process never holds the parent's lock or writes its file.
//
// # Version 1
//
// Options{Version: V1} writes the 2011 format, byte for byte as before. Its layout is fixed
// when it is created: every field is declared (NewCounter, NewInt[int16], NewFloat[float32],
// NewBool, NewString, StaticInt, ...) and handed to Create. A value set before Create is the
// field's initial value. Each version 1 handle serialises its own updates with a mutex: the
// update protocol of a buffered record (store the idle copy, then flip the write-buffer byte)
// breaks if two updates of one record interleave. Close keeps a version 1 file, Remove
// deletes it. {TID} in its default name and the sys.tid field are the OS thread that ran
// Create.
//
// # Format versions
//
// Everything that differs between versions is in its own files (v1.go; v2*.go, slot.go)
// behind the format interface, and the formats table in format.go is the one dispatch on
// the version.
package mmstats
