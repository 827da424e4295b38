package mmstats

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Format version 2 (spec/v2.md, mmstats_format/schema_v2.py): a 128-byte
// header, append-only metadata entries, a process area (one copy of each
// gauge, constant, string) and slots (one copy of each counter, up-down
// counter, histogram per slot; the value is the sum over the used slots).
// Every word is aligned and little-endian.
const (
	v2Version        = 2
	v2Magic          = "MMSTATS"
	v2Align          = 8
	v2HeaderSize     = 128 // minor 0; a later minor may say more
	v2EntryFixedSize = 32  // minor 0
	v2UnitMax        = 63
	v2ValueHeader    = 16 // seq u64 before a string's length or a histogram's sum
	v2Word           = 8
)

// Header offsets.
const (
	h2Magic             = 1
	h2Minor             = 8
	h2HeaderSize        = 10
	h2State             = 12
	h2Pid               = 16
	h2StartTicks        = 24
	h2CreatedUnixNs     = 32
	h2HeartbeatUnixNs   = 40
	h2HeartbeatInterval = 48
	h2EntryFixedSize    = 52
	h2MetaOffset        = 56
	h2MetaCapacity      = 60
	h2ProcessOffset     = 64
	h2ProcessCapacity   = 68
	h2SlotsOffset       = 72
	h2SlotSize          = 76
	h2SlotCount         = 80
	h2SlotsUsed         = 84
	h2FieldCount        = 88
	h2OverflowCount     = 92
)

// Offsets within an entry's fixed part.
const (
	e2EntrySize      = 0
	e2Kind           = 4
	e2ValueType      = 5
	e2ValueOffset    = 8
	e2ValueSize      = 12
	e2NameSize       = 16
	e2UnitSize       = 18
	e2HelpSize       = 20
	e2AttributesSize = 22
	e2ExtraSize      = 24
)

// Offsets within a multi-word value, and within an attribute pair.
const (
	v2Seq          = 0
	v2StringLength = 8  // u32
	v2StringText   = 16 // after length and a reserved u32
	v2HistSum      = 8
	v2HistBuckets  = 16
	v2AttrSizeSize = 2 // key_size and value_size are u16
)

// Lifecycle states.
const (
	v2StateCreating = 0
	v2StateReady    = 1
	v2StateClosed   = 2
)

var v2StateNames = map[uint32]string{v2StateReady: "ready", v2StateClosed: "closed"}

// Value types.
const (
	vtU64  = 1
	vtI64  = 2
	vtF64  = 3
	vtUTF8 = 4
)

var v2TypeNames = map[byte]string{vtU64: "u64", vtI64: "i64", vtF64: "f64", vtUTF8: "utf8"}

const kindHistogram = 6

// v2Kind is one row of the kinds table.
type v2Kind struct {
	name    string
	slotted bool // a copy per slot, else one copy in the process area
	types   []byte
}

var v2Kinds = map[byte]v2Kind{
	1:             {"counter", true, []byte{vtU64, vtF64}},
	2:             {"gauge", false, []byte{vtU64, vtI64, vtF64}},
	3:             {"updown_counter", true, []byte{vtI64, vtF64}},
	4:             {"constant", false, []byte{vtU64, vtI64, vtF64, vtUTF8}},
	5:             {"string", false, []byte{vtUTF8}},
	kindHistogram: {"histogram", true, []byte{vtF64}},
}

// Version 2 error codes (spec/v2.md, "Error codes"); not_ready, bad_version,
// bad_file_size and file_too_large are shared with version 1.
const (
	CodeBadHeaderSize   = "bad_header_size"
	CodeBadState        = "bad_state"
	CodeBadRegion       = "bad_region"
	CodeBadCount        = "bad_count"
	CodeBadEntrySize    = "bad_entry_size"
	CodeBadLengths      = "bad_lengths"
	CodeBadName         = "bad_name"
	CodeBadUTF8         = "bad_utf8"
	CodeBadUnit         = "bad_unit"
	CodeBadAttributes   = "bad_attributes"
	CodeBadValueType    = "bad_value_type"
	CodeBadValueOffset  = "bad_value_offset"
	CodeBadValueSize    = "bad_value_size"
	CodeBadHistogram    = "bad_histogram"
	CodeBadStringLength = "bad_string_length"
)

// HeaderV2 is the header of a version 2 file, as the canonical form shows it.
type HeaderV2 struct {
	Minor               uint16
	State               string // "ready" or "closed"
	Pid                 uint64
	StartTicks          uint64
	CreatedUnixNs       uint64
	HeartbeatUnixNs     uint64
	HeartbeatIntervalMs uint32
	OverflowCount       uint32
}

// Attribute is one key=value pair of an entry, in stored order.
type Attribute struct{ Key, Value string }

// Histogram is a histogram's value summed over the used slots; Counts are per
// bucket (not cumulative), the last one counting observations above every bound.
type Histogram struct {
	Sum    float64
	Bounds []float64
	Counts []uint64
}

// FieldV2 is one decoded field of a version 2 file. Value holds numbers and
// text; Histogram a histogram; Null is set when a multi-word value had no
// consistent copy (a sequence left odd).
type FieldV2 struct {
	Label, Kind, Type, Unit, Help string
	Attributes                    []Attribute
	Value                         Value
	Histogram                     *Histogram
	Null                          bool
}

// FileV2 is a decoded version 2 file.
type FileV2 struct {
	Header HeaderV2
	Fields []FieldV2
}

// v2Layout is what the walk learned about one field it can decode.
type v2Layout struct {
	meta   FieldV2 // without its value
	kind   byte
	vtype  byte
	at     int // the value in the process area, or in slot 0
	stride int // slot_size for slotted values, 0 for process values
	size   int
	bounds []float64
}

// multiWord reports whether the value sits behind a sequence.
func (l *v2Layout) multiWord() bool { return l.kind == kindHistogram || l.vtype == vtUTF8 }

// v2Scan is the result of the version 2 walk.
type v2Scan struct {
	header    HeaderV2
	state     uint32
	slotsUsed int
	fields    []v2Layout
	parsed    int // entries walked (field_count when the walk was made)
	next      int // offset of the entry after them: a polling reader's cursor
}

var le = binary.LittleEndian

func get16(data []byte, off int) int    { return int(le.Uint16(data[off:])) }
func get32(data []byte, off int) int    { return int(le.Uint32(data[off:])) }
func get64(data []byte, off int) uint64 { return le.Uint64(data[off:]) }

// walkV2 is the spec's problem-finding walk ("Finding problems", steps 2 to
// 7; step 1 is Scan's). Problems are kept in the order found, which is the
// order the spec gives; the first is the one a reader reports.
func walkV2(data []byte, sc *scanState) {
	sc.walkOrdered = true
	size := len(data)
	// The magic before the size, as far as the file has it: a file that is not
	// version 2 gets a version 1 reader's answer, a cut version 2 file is
	// bad_file_size.
	magic := data[h2Magic:min(size, h2Magic+len(v2Magic))]
	if string(magic) != v2Magic[:len(magic)] {
		sc.add(CodeBadVersion, 0, "version byte 0x02, but bytes 1 to 7 are %q, not %q: not a version 2 file",
			magic, v2Magic)
		if size%PageSize != 0 { // as for any version byte this reader does not know
			sc.add(CodeBadFileSize, size, "file size %d is not a positive multiple of %d", size, PageSize)
		}
		return
	}
	if size%PageSize != 0 {
		sc.add(CodeBadFileSize, size, "file size %d is not a positive multiple of %d", size, PageSize)
		return
	}
	state := uint32(get32(data, h2State))
	if state == v2StateCreating {
		sc.add(CodeNotReady, h2State, "state is 0 (creating): the writer has not published the file")
		return
	}
	if _, ok := v2StateNames[state]; !ok {
		sc.add(CodeBadState, h2State, "state is %d; allowed: 0, 1, 2", state)
		return
	}
	if hs := get16(data, h2HeaderSize); hs < v2HeaderSize || hs%v2Align != 0 {
		sc.add(CodeBadHeaderSize, h2HeaderSize, "header_size is %d; want at least %d, a multiple of %d", hs, v2HeaderSize, v2Align)
		return
	}
	if fixed := get16(data, h2EntryFixedSize); fixed < v2EntryFixedSize || fixed%v2Align != 0 {
		sc.add(CodeBadCount, h2EntryFixedSize, "entry_fixed_size is %d; want at least %d, a multiple of %d", fixed, v2EntryFixedSize, v2Align)
		return
	}
	if !v2Regions(data, sc) {
		return
	}
	slotCount, slotsUsed := get32(data, h2SlotCount), get32(data, h2SlotsUsed)
	if slotsUsed < 1 || slotsUsed > slotCount {
		sc.add(CodeBadCount, h2SlotsUsed, "slots_used is %d; want 1 to %d", slotsUsed, slotCount)
		return
	}
	sc.v2 = &v2Scan{
		header: HeaderV2{
			Minor: uint16(get16(data, h2Minor)), State: v2StateNames[state],
			Pid: get64(data, h2Pid), StartTicks: get64(data, h2StartTicks),
			CreatedUnixNs: get64(data, h2CreatedUnixNs), HeartbeatUnixNs: get64(data, h2HeartbeatUnixNs),
			HeartbeatIntervalMs: uint32(get32(data, h2HeartbeatInterval)), OverflowCount: uint32(get32(data, h2OverflowCount)),
		},
		state: state, slotsUsed: slotsUsed,
	}
	sc.v2.parsed = get32(data, h2FieldCount)
	sc.v2.fields, sc.v2.next = v2Entries(data, sc, get32(data, h2MetaOffset), sc.v2.parsed)
}

// v2Regions checks the region rules in the spec's order; false after the first problem.
func v2Regions(data []byte, sc *scanState) bool {
	g := func(off int) uint64 { return uint64(le.Uint32(data[off:])) }
	metaEnd := g(h2MetaOffset) + g(h2MetaCapacity)
	processEnd := g(h2ProcessOffset) + g(h2ProcessCapacity)
	slotsEnd := g(h2SlotsOffset) + g(h2SlotCount)*g(h2SlotSize)
	rules := []struct {
		ok   bool
		at   int
		what string
	}{
		{g(h2MetaOffset)%v2Align == 0 && g(h2MetaOffset) >= uint64(get16(data, h2HeaderSize)), h2MetaOffset,
			fmt.Sprintf("meta_offset %d is not a multiple of %d at or after the header (%d)", g(h2MetaOffset), v2Align, get16(data, h2HeaderSize))},
		{g(h2MetaCapacity)%v2Align == 0, h2MetaCapacity,
			fmt.Sprintf("meta_capacity %d is not a multiple of %d", g(h2MetaCapacity), v2Align)},
		{g(h2ProcessOffset)%v2Align == 0 && g(h2ProcessOffset) >= metaEnd, h2ProcessOffset,
			fmt.Sprintf("process_offset %d is not a multiple of %d at or after the metadata end (%d)", g(h2ProcessOffset), v2Align, metaEnd)},
		{g(h2ProcessCapacity)%v2Align == 0, h2ProcessCapacity,
			fmt.Sprintf("process_capacity %d is not a multiple of %d", g(h2ProcessCapacity), v2Align)},
		{g(h2SlotsOffset)%v2Align == 0 && g(h2SlotsOffset) >= processEnd, h2SlotsOffset,
			fmt.Sprintf("slots_offset %d is not a multiple of %d at or after the process area end (%d)", g(h2SlotsOffset), v2Align, processEnd)},
		{g(h2SlotSize)%v2Align == 0, h2SlotSize,
			fmt.Sprintf("slot_size %d is not a multiple of %d", g(h2SlotSize), v2Align)},
		{g(h2SlotCount) >= 1 && slotsEnd <= uint64(len(data)), h2SlotCount,
			fmt.Sprintf("%d slots of %d bytes from %d end at %d; want at least 1 slot, ending at or before the file size %d",
				g(h2SlotCount), g(h2SlotSize), g(h2SlotsOffset), slotsEnd, len(data))},
	}
	for _, r := range rules {
		if !r.ok {
			sc.add(CodeBadRegion, r.at, "%s", r.what)
			return false
		}
	}
	return true
}

// v2Entries checks n entries from offset e (meta_offset, or a polling
// reader's cursor) and returns the fields it can decode and the offset after
// the last entry it got through. A structural problem (bad_entry_size,
// bad_lengths) ends the walk; others skip the entry.
func v2Entries(data []byte, sc *scanState, e, n int) ([]v2Layout, int) {
	fixed := get16(data, h2EntryFixedSize)
	metaEnd := get32(data, h2MetaOffset) + get32(data, h2MetaCapacity)
	var out []v2Layout
	for ; n > 0; n-- {
		if metaEnd-e < fixed {
			sc.add(CodeBadEntrySize, e, "entry at %d: only %d bytes left in the metadata region, the fixed part needs %d",
				e, metaEnd-e, fixed)
			return out, e
		}
		size := get32(data, e+e2EntrySize)
		if size < fixed || size%v2Align != 0 || e+size > metaEnd {
			sc.add(CodeBadEntrySize, e, "entry_size is %d; want at least %d, a multiple of %d, ending by %d",
				size, fixed, v2Align, metaEnd)
			return out, e
		}
		texts := get16(data, e+e2NameSize) + get16(data, e+e2UnitSize) + get16(data, e+e2HelpSize) + get16(data, e+e2AttributesSize)
		extraAt := alignUp(fixed+texts, v2Align)
		extraSize := get32(data, e+e2ExtraSize)
		if extraAt+extraSize > size {
			sc.add(CodeBadLengths, e+e2NameSize, "name, unit, help, attributes and extra need %d bytes; entry_size is %d",
				extraAt+extraSize, size)
			return out, e
		}
		if l, ok := v2Entry(data, sc, e, fixed, e+extraAt); ok {
			out = append(out, l)
		}
		e += size
	}
	return out, e
}

func alignUp(n, a int) int { return (n + a - 1) / a * a }

// v2Entry checks one entry whose sizes fit; ok is false when it has a problem
// or is of a kind or value type this reader does not know (skipped silently).
func v2Entry(data []byte, sc *scanState, e, fixed, extraAt int) (v2Layout, bool) {
	nameSize, unitSize := get16(data, e+e2NameSize), get16(data, e+e2UnitSize)
	helpSize, attrsSize := get16(data, e+e2HelpSize), get16(data, e+e2AttributesSize)
	nameAt := e + fixed
	unitAt := nameAt + nameSize
	helpAt := unitAt + unitSize
	attrsAt := helpAt + helpSize
	name, unit, help := data[nameAt:unitAt], data[unitAt:helpAt], data[helpAt:attrsAt]
	bad := false
	if nameSize == 0 {
		bad = true
		sc.add(CodeBadName, e+e2NameSize, "name_size is 0: a field needs a name")
	}
	if at := firstInvalidUTF8(name); at >= 0 {
		bad = true
		sc.add(CodeBadUTF8, nameAt+at, "the name is not well-formed UTF-8 at byte %d", at)
	}
	if unitSize > v2UnitMax {
		bad = true
		sc.add(CodeBadUnit, e+e2UnitSize, "unit_size is %d; at most %d", unitSize, v2UnitMax)
	} else {
		for i, c := range unit {
			if c < 0x21 || c > 0x7e {
				bad = true
				sc.add(CodeBadUnit, unitAt+i, "unit byte 0x%02x; allowed 0x21 to 0x7e", c)
				break
			}
		}
	}
	if at := firstInvalidUTF8(help); at >= 0 {
		bad = true
		sc.add(CodeBadUTF8, helpAt+at, "the help text is not well-formed UTF-8 at byte %d", at)
	}
	attrs, ok := v2Attributes(data[attrsAt:attrsAt+attrsSize], attrsAt, sc)
	bad = bad || !ok

	kind, vtype := data[e+e2Kind], data[e+e2ValueType]
	k, knownKind := v2Kinds[kind]
	typeName, knownType := v2TypeNames[vtype]
	if !knownKind || !knownType {
		return v2Layout{}, false // a later minor's kind or value type: skipped, never a problem
	}
	if !allows(k.types, vtype) {
		sc.add(CodeBadValueType, e+e2ValueType, "a %s of %s is not allowed", k.name, typeName)
		return v2Layout{}, false
	}
	valueOffset, valueSize := get32(data, e+e2ValueOffset), get32(data, e+e2ValueSize)
	extraSize := get32(data, e+e2ExtraSize)
	nBounds := extraSize / v2Word
	var sizeOK bool
	switch {
	case kind == kindHistogram:
		sizeOK = valueSize == v2ValueHeader+v2Word*(nBounds+1)
	case vtype == vtUTF8:
		sizeOK = valueSize >= v2ValueHeader && valueSize%v2Align == 0
	default:
		sizeOK = valueSize == v2Word
	}
	if !sizeOK {
		sc.add(CodeBadValueSize, e+e2ValueSize, "value_size %d does not fit a %s of %s", valueSize, k.name, typeName)
		return v2Layout{}, false
	}
	area, base, stride := get32(data, h2ProcessCapacity), get32(data, h2ProcessOffset), 0
	if k.slotted {
		area, base, stride = get32(data, h2SlotSize), get32(data, h2SlotsOffset), get32(data, h2SlotSize)
	}
	if valueOffset%v2Align != 0 || valueOffset+valueSize > area {
		bad = true
		sc.add(CodeBadValueOffset, e+e2ValueOffset, "value_offset %d + value_size %d in an area of %d bytes; the offset must be a multiple of %d",
			valueOffset, valueSize, area, v2Align)
	}
	var bounds []float64
	if kind == kindHistogram {
		if bounds, ok = v2Bounds(data, e, extraAt, extraSize, sc); !ok {
			return v2Layout{}, false
		}
	}
	if bad {
		return v2Layout{}, false
	}
	at := base + valueOffset
	if vtype == vtUTF8 && get64(data, at+v2Seq)%2 == 0 {
		if length := get32(data, at+v2StringLength); length > valueSize-v2ValueHeader {
			sc.add(CodeBadStringLength, at+v2StringLength, "length %d exceeds the capacity %d", length, valueSize-v2ValueHeader)
			return v2Layout{}, false
		}
	}
	return v2Layout{
		meta: FieldV2{Label: string(name), Kind: k.name, Type: typeName, Unit: string(unit), Help: string(help),
			Attributes: attrs},
		kind: kind, vtype: vtype, at: at, stride: stride, size: valueSize, bounds: bounds,
	}, true
}

func allows(types []byte, t byte) bool {
	for _, x := range types {
		if x == t {
			return true
		}
	}
	return false
}

// v2Attributes parses the pairs of raw (which starts at file offset at); the
// first problem ends the parse.
func v2Attributes(raw []byte, at int, sc *scanState) ([]Attribute, bool) {
	out := []Attribute{}
	for pos := 0; pos < len(raw); {
		start := pos
		if len(raw)-pos < v2AttrSizeSize {
			sc.add(CodeBadAttributes, at+start, "one byte left: too short for a key_size")
			return nil, false
		}
		klen := int(le.Uint16(raw[pos:]))
		pos += v2AttrSizeSize
		if klen == 0 {
			sc.add(CodeBadAttributes, at+start, "an attribute key is empty")
			return nil, false
		}
		if pos+klen+v2AttrSizeSize > len(raw) {
			sc.add(CodeBadAttributes, at+start, "the key or the value size runs past attributes_size")
			return nil, false
		}
		key := raw[pos : pos+klen]
		vlen := int(le.Uint16(raw[pos+klen:]))
		vpos := pos + klen + v2AttrSizeSize
		if vpos+vlen > len(raw) {
			sc.add(CodeBadAttributes, at+start, "the value runs past attributes_size")
			return nil, false
		}
		value := raw[vpos : vpos+vlen]
		if bad := firstInvalidUTF8(key); bad >= 0 {
			sc.add(CodeBadUTF8, at+pos+bad, "an attribute key is not well-formed UTF-8")
			return nil, false
		}
		if bad := firstInvalidUTF8(value); bad >= 0 {
			sc.add(CodeBadUTF8, at+vpos+bad, "an attribute value is not well-formed UTF-8")
			return nil, false
		}
		for _, a := range out {
			if a.Key == string(key) {
				sc.add(CodeBadAttributes, at+start, "the attribute key %q repeats", key)
				return nil, false
			}
		}
		out = append(out, Attribute{string(key), string(value)})
		pos = vpos + vlen
	}
	return out, true
}

// v2Bounds reads a histogram's bounds: finite and strictly increasing.
func v2Bounds(data []byte, e, extraAt, extraSize int, sc *scanState) ([]float64, bool) {
	if extraSize%v2Word != 0 {
		sc.add(CodeBadHistogram, e+e2ExtraSize, "extra_size %d is not a multiple of %d", extraSize, v2Word)
		return nil, false
	}
	bounds := make([]float64, extraSize/v2Word)
	for i := range bounds {
		off := extraAt + v2Word*i
		b := math.Float64frombits(get64(data, off))
		if math.IsNaN(b) || math.IsInf(b, 0) || (i > 0 && !(b > bounds[i-1])) {
			sc.add(CodeBadHistogram, off, "bound %d is %v; bounds are finite and strictly increasing", i, b)
			return nil, false
		}
		bounds[i] = b
	}
	return bounds, true
}
