package mmstats

import (
	"runtime"
	"unsafe"
)

// Slot is a writer slot of a version 2 file (spec "Slots"), the goroutine's stand-in for the
// spec's writer thread. It belongs to one goroutine at a time, like a bufio.Writer: updates
// through it (Slot.Add, Counter.In(w).Add, Histogram.In(w).Observe, ...) are a plain load and
// store of the slot's own copy, with no lock and no atomic read-modify-write.
//
//	w := s.Slot()
//	defer w.Release()
//	for _, item := range batch {
//		w.Add(processed, 1)
//	}
//
// When every thread slot is taken, Slot returns a handle on the shared slot 0, whose updates
// are atomic read-modify-writes: slower, still correct. Release gives the slot back with its
// values kept; the next goroutine to get it adds to them, so no sum ever goes backwards. A Slot
// that is dropped without Release is given back when the garbage collector finds it.
type Slot struct {
	f     *v2File
	index int            // 0: the shared slot
	base  unsafe.Pointer // the slot's first byte in the mapping
}

// Slot takes a free thread slot (or, when none is left, the shared slot).
func (s *Stats) Slot() *Slot {
	f := s.v2
	if f == nil {
		panic("mmstats: " + s.path + ": slots are version 2's; a version 1 file has none")
	}
	f.mu.Lock()
	index := 0
	switch {
	case f.closed:
	case len(f.free) > 0:
		index = f.free[len(f.free)-1]
		f.free = f.free[:len(f.free)-1]
	case int(f.slotsUsed) < f.g.slotCount:
		index = int(f.slotsUsed)
		f.slotsUsed++
		storeRelease32(word32(f.base, hSlotsUsed), f.slotsUsed) // before the slot's first store
	}
	f.mu.Unlock()
	w := &Slot{f: f, index: index, base: unsafe.Add(f.base, f.g.slotsOffset+index*f.g.slotSize)}
	if index != 0 {
		runtime.SetFinalizer(w, (*Slot).Release)
	}
	return w
}

// Shared reports whether w is the shared slot 0 (no thread slot was free).
func (w *Slot) Shared() bool { return w.index == 0 }

// Release gives the slot back, its values kept. w then updates the shared slot; views made
// by In(w) before must not be used any more.
func (w *Slot) Release() {
	if w.index == 0 {
		return
	}
	runtime.SetFinalizer(w, nil)
	f := w.f
	f.mu.Lock() // orders this owner's last store before the next owner's first load
	f.free = append(f.free, w.index)
	f.mu.Unlock()
	w.index, w.base = 0, unsafe.Add(f.base, f.g.slotsOffset)
}

// own tells the race detector that the calling goroutine writes slot w.index now. The
// mapping is invisible to the detector, so in race builds every update through a thread slot
// also writes an ordinary word kept per slot: two goroutines using one slot without the
// ordering of Release and Slot are reported as a data race. In other builds it compiles away.
func (w *Slot) own() {
	if raceEnabled {
		w.f.owners[w.index]++
	}
}
