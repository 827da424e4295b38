package mmstats

// Everything of format version 2 (spec/v2.md) that is not a handle: the geometry and header of
// a new file, registration of fields at run time, the overflow rule. v2handles.go holds the
// handles, slot.go the writer slots, v2file_unix.go creation and closing, v2entry.go the
// metadata entries, v2layout.go the offsets.

import (
	"encoding/binary"
	"fmt"
	"log"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

type v2Format struct{}

func (v2Format) defaultTemplate() string { return "{CMD}-{PID}-{START}.mmstats" }

func (v2Format) parseType(sig string) (Type, error) {
	return Type{}, fmt.Errorf("%w: version 2 has kinds and value types, not type signatures (%q)", ErrBadVersion, sig)
}

func (v2Format) signature(t Type) (string, error) {
	return "", fmt.Errorf("%w: version 2 has kinds and value types, not type signatures", ErrBadVersion)
}

// v2Geometry is where the regions of a new file are.
type v2Geometry struct {
	metaOffset, metaCapacity       int
	processOffset, processCapacity int
	slotsOffset, slotSize          int
	slotCount                      int
	size                           int
}

// geometry lays out the regions back to back after the header, slot 0 on a multiple of 128,
// and rounds the file up to a page.
func geometry(opts Options) (v2Geometry, error) {
	orDefault := func(v, d int) int {
		if v == 0 {
			return d
		}
		return v
	}
	g := v2Geometry{
		metaCapacity:    orDefault(opts.MetaCapacity, DefaultMetaCapacity),
		processCapacity: orDefault(opts.ProcessCapacity, DefaultProcessCapacity),
		slotSize:        orDefault(opts.SlotSize, DefaultSlotSize),
		slotCount:       orDefault(opts.SlotCount, DefaultSlotCount),
	}
	for _, c := range []struct {
		name string
		v    int
	}{{"MetaCapacity", g.metaCapacity}, {"ProcessCapacity", g.processCapacity}, {"SlotSize", g.slotSize}} {
		if c.v < 0 || c.v%v2Align != 0 || c.v > maxU32 {
			return g, fmt.Errorf("%s %d: a multiple of %d from 0 to %d", c.name, c.v, v2Align, maxU32)
		}
	}
	if g.slotCount < 1 || g.slotCount > maxU32 {
		return g, fmt.Errorf("SlotCount %d: at least 1 (slot 0 is the shared slot)", g.slotCount)
	}
	g.metaOffset = v2HeaderSize
	g.processOffset = g.metaOffset + g.metaCapacity
	g.slotsOffset = (g.processOffset + g.processCapacity + v2SlotAlign - 1) / v2SlotAlign * v2SlotAlign
	if g.slotsOffset > maxU32 || (g.slotSize > 0 && g.slotCount > MaxFileSize/g.slotSize) {
		return g, fmt.Errorf("%w: the capacities need more than %d bytes", ErrFileTooLarge, MaxFileSize)
	}
	end := g.slotsOffset + g.slotSize*g.slotCount
	g.size = (end + v2PageSize - 1) / v2PageSize * v2PageSize
	if g.size > MaxFileSize {
		return g, fmt.Errorf("%w: the capacities need %d bytes, the limit is %d", ErrFileTooLarge, g.size, MaxFileSize)
	}
	return g, nil
}

// header is the file's first bytes with state 0 (creating), slots_used 1, no fields.
func header(g v2Geometry, proc processInfo, now time.Time, heartbeat time.Duration) []byte {
	le := binary.LittleEndian
	h := make([]byte, v2HeaderSize)
	h[hVersion] = v2FormatVersion
	copy(h[hMagic:], v2Magic)
	le.PutUint16(h[hMinor:], v2Minor)
	le.PutUint16(h[hHeaderSize:], uint16(v2HeaderSize))
	le.PutUint32(h[hState:], stateCreating)
	le.PutUint64(h[hPid:], uint64(proc.pid))
	le.PutUint64(h[hStartTicks:], proc.startTicks)
	le.PutUint64(h[hCreatedUnixNs:], uint64(now.UnixNano()))
	le.PutUint32(h[hHeartbeatIntervalMs:], uint32(heartbeat.Milliseconds()))
	le.PutUint16(h[hEntryFixedSize:], uint16(v2EntryFixedSize))
	le.PutUint32(h[hMetaOffset:], uint32(g.metaOffset))
	le.PutUint32(h[hMetaCapacity:], uint32(g.metaCapacity))
	le.PutUint32(h[hProcessOffset:], uint32(g.processOffset))
	le.PutUint32(h[hProcessCapacity:], uint32(g.processCapacity))
	le.PutUint32(h[hSlotsOffset:], uint32(g.slotsOffset))
	le.PutUint32(h[hSlotSize:], uint32(g.slotSize))
	le.PutUint32(h[hSlotCount:], uint32(g.slotCount))
	le.PutUint32(h[hSlotsUsed:], 1)
	return h
}

// create is Create for version 2: an empty file, published.
func (v2Format) create(opts Options, path string, proc processInfo, fields []Field) (*Stats, error) {
	if len(fields) > 0 {
		return nil, fmt.Errorf("%s: %w: version 2 adds fields with the Stats methods (Counter, Gauge, ...); "+
			"declared fields (NewCounter, ...) are version 1's", path, ErrBadVersion)
	}
	if !littleEndianHost {
		return nil, fmt.Errorf("%s: %w: the version 2 writer stores native words and needs a little-endian CPU", path, ErrBadVersion)
	}
	if opts.HeartbeatInterval < 0 || opts.HeartbeatInterval.Milliseconds() > maxU32 {
		return nil, fmt.Errorf("%s: cannot create: HeartbeatInterval %v out of range", path, opts.HeartbeatInterval)
	}
	g, err := geometry(opts)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot create: %w", path, err)
	}
	f, err := createV2File(path, opts.Mode, g, header(g, proc, time.Now(), opts.HeartbeatInterval), !opts.KeepStale)
	if err != nil {
		return nil, err
	}
	f.keep, f.prefix = opts.Keep, opts.Prefix
	f.slotsUsed = 1
	f.fields = map[string]registration{}
	if raceEnabled {
		f.owners = make([]int, g.slotCount)
	}
	storeRelease32(word32(f.base, hState), stateReady) // step 7: published last
	return &Stats{path: path, dev: f.dev, ino: f.ino, size: g.size, v2: f}, nil
}

// v2File is the writer of one version 2 file.
type v2File struct {
	path     string
	fd       int // holds the flock; closed last
	dev, ino uint64
	m        []byte
	base     unsafe.Pointer // &m[0]
	g        v2Geometry
	keep     bool
	prefix   string

	mu          sync.Mutex // registration, the slot free list, close
	metaUsed    int
	processUsed int
	slotUsed    int // bytes of each slot given to fields
	fieldCount  uint32
	slotsUsed   uint32
	free        []int // slots given back, their values kept
	fields      map[string]registration
	full        error // the first field refused for want of room
	closed      bool
	owners      []int // race builds: one word per slot that the race detector watches (slot.go)
}

// registration remembers a published field: the same declaration again returns its handle.
type registration struct {
	decl   string // entry bytes and initial value
	handle any
}

// place says where a new field's value is: in the file, or in private memory when the file
// had no room for it.
type place struct {
	value unsafe.Pointer // process kinds: the value; slotted kinds: its copy in slot 0
	off   int            // slotted kinds: the value's offset in every slot; -1: not in the file
}

// declare checks spec, then returns the handle of an earlier identical declaration, or adds the
// field (spec "Adding a field at run time") and makes its handle. A bad declaration panics with
// an error wrapping ErrBadField, as regexp.MustCompile does: declarations are program text.
func declare[H any](s *Stats, spec *fieldSpec, init func(*fieldSpec) []byte, mk func(place, *fieldSpec) H) H {
	f := s.v2
	if f == nil {
		panic(fmt.Errorf("%s: %w: a version 1 file's fields are declared before Create (NewCounter, ...)", s.path, ErrBadVersion))
	}
	spec.name = f.prefix + spec.name
	if err := spec.check(); err != nil {
		panic(err)
	}
	entry := spec.entry()
	var value []byte
	if init != nil {
		value = init(spec)
	}
	decl := string(entry) + string(value)
	f.mu.Lock()
	defer f.mu.Unlock()
	id := spec.identity()
	if r, ok := f.fields[id]; ok {
		h, same := r.handle.(H)
		if !same || r.decl != decl {
			panic(spec.fail("declared before with the same attributes and another kind, type, unit, help, shape or value"))
		}
		return h
	}
	h := mk(f.add(spec, entry, value), spec)
	f.fields[id] = registration{decl: decl, handle: h}
	return h
}

// add stores the entry and the initial value, then release-stores field_count + 1. A field that
// does not fit (or comes after Close) lives in private memory: its handle works, readers never
// see it, overflow_count counts it (spec "Adding a field at run time", step 1, the SHOULD).
func (f *v2File) add(spec *fieldSpec, entry, value []byte) place {
	size := spec.valueSize()
	used, capacity := &f.processUsed, f.g.processCapacity
	if slotted(spec.kind) {
		used, capacity = &f.slotUsed, f.g.slotSize
	}
	if f.closed || f.metaUsed+len(entry) > f.g.metaCapacity || *used+size > capacity {
		if !f.closed {
			f.overflow(spec)
		}
		private := make([]uint64, size/scalarSize)
		p := unsafe.Pointer(unsafe.SliceData(private))
		copy(bytesAt(p, 0, size), value)
		return place{value: p, off: -1}
	}
	off := *used
	setValueOffset(entry, off)
	copy(f.m[f.g.metaOffset+f.metaUsed:], entry) // step 2: plain stores after the published entries
	at := f.g.processOffset + off
	if slotted(spec.kind) {
		at = f.g.slotsOffset + off
	}
	copy(f.m[at:], value) // step 3: the value's bytes were zero, never used
	f.metaUsed += len(entry)
	*used += size
	f.fieldCount++
	storeRelease32(word32(f.base, hFieldCount), f.fieldCount) // step 4: published
	return place{value: unsafe.Add(f.base, at), off: off}
}

// overflow counts a refused field; the first one is logged and kept for Stats.Err.
func (f *v2File) overflow(spec *fieldSpec) {
	p := word32(f.base, hOverflowCount)
	n := atomic.LoadUint32(p) + 1
	atomic.StoreUint32(p, n) // only this writer, under f.mu, stores it
	if f.full == nil {
		f.full = fmt.Errorf("%s: %w: field %q is not published (metadata %d of %d bytes used, process area %d of %d, slots %d of %d)",
			f.path, ErrFull, spec.name, f.metaUsed, f.g.metaCapacity, f.processUsed, f.g.processCapacity, f.slotUsed, f.g.slotSize)
		log.Printf("mmstats: %v; later fields that do not fit are counted in overflow_count", f.full)
	}
}

// Err is the first field the file had no room for (wrapping ErrFull), or nil. Such a field
// works but is not in the file; the header's overflow_count says how many there were.
func (s *Stats) Err() error {
	if s.v2 == nil {
		return nil
	}
	s.v2.mu.Lock()
	defer s.v2.mu.Unlock()
	return s.v2.full
}

// Heartbeat stores the current time as the file's heartbeat (spec "Heartbeat"). Call it at
// least every Options.HeartbeatInterval from the loop whose progress it vouches for.
func (s *Stats) Heartbeat() {
	if s.v2 != nil {
		storeRelease(word(s.v2.base, hHeartbeatUnixNs), uint64(time.Now().UnixNano()))
	}
}
