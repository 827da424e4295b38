package mmstats

import (
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync/atomic"
	"unsafe"
)

// The handles of version 2 fields. Every handle is safe for use by any number of goroutines;
// the views a Slot gives (In) belong to the Slot's goroutine.

// ---------------------------------------------------------------- slotted numbers

// slottedValue is where a counter's, up-down counter's or histogram's copies are.
type slottedValue struct {
	shared unsafe.Pointer // the copy in slot 0, or private memory when the field is not in the file
	off    int            // offset of the value in each slot; -1: not in the file
}

// in is the copy of slot w, and whether it must be updated atomically (the shared slot or
// private memory).
func (v slottedValue) in(w *Slot) (unsafe.Pointer, bool) {
	if v.off < 0 || w.index == 0 {
		return v.shared, true
	}
	return unsafe.Add(w.base, v.off), false
}

// slotWord is one number's copy in a slot.
type slotWord struct {
	p      *uint64
	atomic bool
	w      *Slot // keeps the slot from being given back (finalizer) while a view is in use
}

func wordIn(v slottedValue, w *Slot) slotWord {
	p, shared := v.in(w)
	return slotWord{p: (*uint64)(p), atomic: shared, w: w}
}

// addShared is the shared slot's atomic add, kept out of line on purpose: the compiler takes a
// branch to a call as the unlikely one and lays the thread slot's load and store out as the
// fall-through, so a hot loop over SlotCounter.Add takes no jump but its own (measured: with the
// atomic add inlined, the loop took two jumps and cost about 2.5 times as much). The Add
// methods are kept under the inliner's budget for the same loop.
//
//go:noinline
func addShared(p *uint64, n uint64) { atomic.AddUint64(p, n) }

func (s slotWord) addFloat(x float64) {
	if s.atomic {
		addFloatAtomic(s.p, x)
		return
	}
	s.w.own()
	storeRelaxed(s.p, math.Float64bits(math.Float64frombits(loadRelaxed(s.p))+x))
}

// addFloatAtomic is the spec's compare-and-swap loop on the bit pattern.
func addFloatAtomic(p *uint64, x float64) {
	for {
		old := atomic.LoadUint64(p)
		if atomic.CompareAndSwapUint64(p, old, math.Float64bits(math.Float64frombits(old)+x)) {
			return
		}
	}
}

// Counter is a u64 counter: a total that only grows (requests served, bytes sent).
type Counter struct{ v slottedValue }

// Counter adds a u64 counter field (or returns the one declared before with the same name and
// attributes).
func (s *Stats) Counter(name string, opts ...Option) *Counter {
	return declare(s, newSpec(name, kindCounter, typeU64, opts), nil,
		func(p place, _ *fieldSpec) *Counter { return &Counter{slottedValue{p.value, p.off}} })
}

// Add adds n in the shared slot: one atomic add, from any goroutine. In a hot loop, Slot.Add
// or c.In(w).Add is cheaper.
func (c *Counter) Add(n uint64) { atomic.AddUint64((*uint64)(c.v.shared), n) }

// In is c's copy in slot w, for w's goroutine.
func (c *Counter) In(w *Slot) SlotCounter { return SlotCounter{wordIn(c.v, w)} }

// Add adds n to c in w's slot: a plain load and store on a thread slot (an atomic add on the
// shared slot).
func (w *Slot) Add(c *Counter, n uint64) {
	if c.v.off < 0 || w.index == 0 {
		addShared((*uint64)(c.v.shared), n)
		return
	}
	if raceEnabled {
		w.own()
	}
	addRelaxed(word(w.base, c.v.off), n)
}

// SlotCounter is a Counter's copy in one Slot.
type SlotCounter struct{ slotWord }

// Add adds n: on a thread slot a load, an add and a store, inlined into the caller's loop.
func (c SlotCounter) Add(n uint64) {
	if c.atomic {
		addShared(c.p, n)
		return
	}
	if raceEnabled { // (the constant keeps the inliner from counting the call)
		c.w.own()
	}
	addRelaxed(c.p, n)
}

// FloatCounter is an f64 counter (seconds of CPU time, ...).
type FloatCounter struct{ v slottedValue }

// FloatCounter adds an f64 counter field.
func (s *Stats) FloatCounter(name string, opts ...Option) *FloatCounter {
	return declare(s, newSpec(name, kindCounter, typeF64, opts), nil,
		func(p place, _ *fieldSpec) *FloatCounter { return &FloatCounter{slottedValue{p.value, p.off}} })
}

// Add adds x >= 0 in the shared slot (a compare-and-swap loop). A counter only grows: a
// negative or NaN x panics.
func (c *FloatCounter) Add(x float64) { addFloatAtomic((*uint64)(c.v.shared), nonNegative(x)) }

// In is c's copy in slot w.
func (c *FloatCounter) In(w *Slot) SlotFloatCounter { return SlotFloatCounter{wordIn(c.v, w)} }

// SlotFloatCounter is a FloatCounter's copy in one Slot.
type SlotFloatCounter struct{ slotWord }

// Add adds x >= 0.
func (c SlotFloatCounter) Add(x float64) { c.addFloat(nonNegative(x)) }

func nonNegative(x float64) float64 {
	if !(x >= 0) {
		panic(fmt.Sprintf("mmstats: a counter only grows: Add(%v)", x))
	}
	return x
}

// UpDownCounter is an i64 total that grows and shrinks by additions (connections open).
type UpDownCounter struct{ v slottedValue }

// UpDownCounter adds an i64 up-down counter field.
func (s *Stats) UpDownCounter(name string, opts ...Option) *UpDownCounter {
	return declare(s, newSpec(name, kindUpDownCounter, typeI64, opts), nil,
		func(p place, _ *fieldSpec) *UpDownCounter { return &UpDownCounter{slottedValue{p.value, p.off}} })
}

// Add adds n (either sign) in the shared slot.
func (c *UpDownCounter) Add(n int64) { atomic.AddUint64((*uint64)(c.v.shared), uint64(n)) }

// In is c's copy in slot w.
func (c *UpDownCounter) In(w *Slot) SlotUpDownCounter { return SlotUpDownCounter{wordIn(c.v, w)} }

// SlotUpDownCounter is an UpDownCounter's copy in one Slot.
type SlotUpDownCounter struct{ slotWord }

// Add adds n (either sign), as SlotCounter.Add.
func (c SlotUpDownCounter) Add(n int64) {
	if c.atomic {
		addShared(c.p, uint64(n))
		return
	}
	if raceEnabled {
		c.w.own()
	}
	addRelaxed(c.p, uint64(n))
}

// FloatUpDownCounter is an f64 up-down counter.
type FloatUpDownCounter struct{ v slottedValue }

// FloatUpDownCounter adds an f64 up-down counter field.
func (s *Stats) FloatUpDownCounter(name string, opts ...Option) *FloatUpDownCounter {
	return declare(s, newSpec(name, kindUpDownCounter, typeF64, opts), nil,
		func(p place, _ *fieldSpec) *FloatUpDownCounter {
			return &FloatUpDownCounter{slottedValue{p.value, p.off}}
		})
}

// Add adds x (either sign) in the shared slot.
func (c *FloatUpDownCounter) Add(x float64) { addFloatAtomic((*uint64)(c.v.shared), x) }

// In is c's copy in slot w.
func (c *FloatUpDownCounter) In(w *Slot) SlotFloatUpDownCounter {
	return SlotFloatUpDownCounter{wordIn(c.v, w)}
}

// SlotFloatUpDownCounter is a FloatUpDownCounter's copy in one Slot.
type SlotFloatUpDownCounter struct{ slotWord }

// Add adds x (either sign).
func (c SlotFloatUpDownCounter) Add(x float64) { c.addFloat(x) }

// ---------------------------------------------------------------- histograms

// Histogram counts observations in buckets with explicit upper bounds, and sums them.
type Histogram struct {
	v      slottedValue
	bounds []float64
}

// Histogram adds a histogram field with the given bucket upper bounds (finite, strictly
// increasing; a last bucket, +Inf, counts the rest).
func (s *Stats) Histogram(name string, bounds []float64, opts ...Option) *Histogram {
	spec := newSpec(name, kindHistogram, typeF64, opts)
	spec.bounds = append([]float64(nil), bounds...)
	return declare(s, spec, nil, func(p place, spec *fieldSpec) *Histogram {
		return &Histogram{slottedValue{p.value, p.off}, spec.bounds}
	})
}

// Observe records v in the shared slot, under its sequence taken with a compare-and-swap.
func (h *Histogram) Observe(v float64) { observeShared(h.v.shared, h.bucket(v), v) }

// In is h's copy in slot w.
func (h *Histogram) In(w *Slot) SlotHistogram {
	p, shared := h.v.in(w)
	return SlotHistogram{h: h, p: p, atomic: shared, w: w}
}

// bucket is the first i with v <= bounds[i], or len(bounds) (+Inf; also for NaN).
func (h *Histogram) bucket(v float64) int {
	b := h.bounds
	if len(b) <= 8 { // a short scan beats the binary search's calls
		for i, x := range b {
			if v <= x {
				return i
			}
		}
		return len(b)
	}
	return sort.Search(len(b), func(i int) bool { return v <= b[i] })
}

// SlotHistogram is a Histogram's copy in one Slot.
type SlotHistogram struct {
	h      *Histogram
	p      unsafe.Pointer
	atomic bool
	w      *Slot
}

// Observe records v. On a thread slot (spec "Updating a multi-word value", one writer): the
// sequence made odd, the sum and the bucket stored, the sequence made even with a release
// store. Go has no stand-alone fence, so the odd step is an atomic add: on every CPU it orders
// the payload stores after it, which the spec's fence(release) is for.
func (o SlotHistogram) Observe(v float64) {
	i := o.h.bucket(v)
	if o.atomic {
		observeShared(o.p, i, v)
		return
	}
	o.w.own()
	seq := word(o.p, hgSeq)
	s := atomic.AddUint64(seq, 1) // odd
	record(o.p, i, v)
	storeRelease(seq, s+1)
}

// observeShared takes the sequence from even s to s+1 with a compare-and-swap (the odd
// sequence is the lock), records, and release-stores s+2.
func observeShared(p unsafe.Pointer, i int, v float64) {
	seq := word(p, hgSeq)
	s := lockSeq(seq)
	record(p, i, v)
	storeRelease(seq, s+2)
}

// record adds v to the sum and 1 to bucket i; the caller holds the odd sequence.
func record(p unsafe.Pointer, i int, v float64) {
	sum := word(p, hgSum)
	storeRelaxed(sum, math.Float64bits(math.Float64frombits(loadRelaxed(sum))+v))
	addRelaxed(word(p, hgBuckets+scalarSize*i), 1)
}

// lockSeq waits for an even sequence and swaps it to odd; it returns the even value. Holders
// never block inside (a few stores), so the wait is short; it yields after a few tries.
func lockSeq(seq *uint64) uint64 {
	for try := 1; ; try++ {
		s := atomic.LoadUint64(seq)
		if s&1 == 0 && atomic.CompareAndSwapUint64(seq, s, s+1) {
			return s
		}
		if try%64 == 0 {
			runtime.Gosched()
		}
	}
}

// ---------------------------------------------------------------- process values

// Gauge is an f64 value that is set (temperature, load); the last Set wins.
type Gauge struct{ p *uint64 }

// Gauge adds an f64 gauge field.
func (s *Stats) Gauge(name string, opts ...Option) *Gauge {
	return declare(s, newSpec(name, kindGauge, typeF64, opts), nil,
		func(p place, _ *fieldSpec) *Gauge { return &Gauge{(*uint64)(p.value)} })
}

// Set stores x: one atomic store.
func (g *Gauge) Set(x float64) { atomic.StoreUint64(g.p, math.Float64bits(x)) }

// Add adds x with a compare-and-swap loop.
func (g *Gauge) Add(x float64) { addFloatAtomic(g.p, x) }

// IntGauge is an i64 gauge (queue length).
type IntGauge struct{ p *uint64 }

// IntGauge adds an i64 gauge field.
func (s *Stats) IntGauge(name string, opts ...Option) *IntGauge {
	return declare(s, newSpec(name, kindGauge, typeI64, opts), nil,
		func(p place, _ *fieldSpec) *IntGauge { return &IntGauge{(*uint64)(p.value)} })
}

// Set stores n: one atomic store.
func (g *IntGauge) Set(n int64) { atomic.StoreUint64(g.p, uint64(n)) }

// Add adds n (either sign): one atomic add.
func (g *IntGauge) Add(n int64) { atomic.AddUint64(g.p, uint64(n)) }

// UintGauge is a u64 gauge (bytes free).
type UintGauge struct{ p *uint64 }

// UintGauge adds a u64 gauge field.
func (s *Stats) UintGauge(name string, opts ...Option) *UintGauge {
	return declare(s, newSpec(name, kindGauge, typeU64, opts), nil,
		func(p place, _ *fieldSpec) *UintGauge { return &UintGauge{(*uint64)(p.value)} })
}

// Set stores n: one atomic store.
func (g *UintGauge) Set(n uint64) { atomic.StoreUint64(g.p, n) }

// String is a text that changes (current state, last error), of a fixed capacity.
type String struct {
	p        unsafe.Pointer
	capacity int
}

// String adds a string field; Capacity (default 64 bytes) and InitialText apply.
func (s *Stats) String(name string, opts ...Option) *String {
	spec := newSpec(name, kindString, typeUTF8, opts)
	if !spec.capacityGiven {
		spec.capacity = 64
	}
	return declare(s, spec, func(f *fieldSpec) []byte { return encodeText(f.initial, f.capacity) },
		func(p place, spec *fieldSpec) *String { return &String{p.value, spec.capacity} })
}

// Set stores text, ill-formed UTF-8 replaced by U+FFFD, cut to the capacity on a character
// boundary, under the value's sequence (taken with a compare-and-swap, so concurrent setters
// take turns and readers see one whole text).
func (t *String) Set(text string) {
	text = cutText(validText(text), t.capacity)
	seq := word(t.p, sSeq)
	s := lockSeq(seq)
	storeRelaxed(word(t.p, sLength), uint64(len(text))) // length and the reserved 0, one word
	copy(bytesAt(t.p, stringHeaderSize, len(text)), text)
	storeRelease(seq, s+2)
}

// ---------------------------------------------------------------- constants

// ConstantInt adds an i64 constant: a value written before the field is published.
func (s *Stats) ConstantInt(name string, v int64, opts ...Option) {
	s.constant(newSpec(name, kindConstant, typeI64, opts), uint64(v))
}

// ConstantUint adds a u64 constant.
func (s *Stats) ConstantUint(name string, v uint64, opts ...Option) {
	s.constant(newSpec(name, kindConstant, typeU64, opts), v)
}

// ConstantFloat adds an f64 constant.
func (s *Stats) ConstantFloat(name string, v float64, opts ...Option) {
	s.constant(newSpec(name, kindConstant, typeF64, opts), math.Float64bits(v))
}

// ConstantString adds a text constant (a version); its capacity is the text's length unless
// Capacity says more.
func (s *Stats) ConstantString(name, text string, opts ...Option) {
	spec := newSpec(name, kindConstant, typeUTF8, opts)
	if !spec.capacityGiven {
		spec.capacity = len(validText(text))
	}
	declare(s, spec, func(f *fieldSpec) []byte { return encodeText(text, f.capacity) },
		func(place, *fieldSpec) constant { return constant{} })
}

// constant is the handle of a constant: there is nothing to update.
type constant struct{}

func (s *Stats) constant(spec *fieldSpec, bits uint64) {
	declare(s, spec, func(*fieldSpec) []byte { return binary.LittleEndian.AppendUint64(nil, bits) },
		func(place, *fieldSpec) constant { return constant{} })
}
