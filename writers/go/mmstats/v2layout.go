package mmstats

// The byte layout of format version 2 (spec/v2.md), named as in the spec's tables. Each offset
// is the previous one plus the previous field's size; v2layout_test.go proves every one equal to
// the schema (mmstats_format/schema_v2.py, through mmstats_format.v2.derived).

const (
	v2FormatVersion = 2
	v2Magic         = "MMSTATS"
	v2Minor         = 0
	v2PageSize      = 4096
	v2Align         = 8
	v2UnitMax       = 63
	// v2SlotAlign: slots_offset is a multiple of this, so that two slots never share the pair of
	// cache lines the x86 adjacent-line prefetcher fetches together (spec "Regions", a SHOULD).
	v2SlotAlign = 128
)

// Header.
const (
	hVersion             = 0
	hMagic               = hVersion + 1
	hMinor               = hMagic + len(v2Magic)
	hHeaderSize          = hMinor + 2
	hState               = hHeaderSize + 2
	hPid                 = hState + 4
	hStartTicks          = hPid + 8
	hCreatedUnixNs       = hStartTicks + 8
	hHeartbeatUnixNs     = hCreatedUnixNs + 8
	hHeartbeatIntervalMs = hHeartbeatUnixNs + 8
	hEntryFixedSize      = hHeartbeatIntervalMs + 4
	hFlags               = hEntryFixedSize + 2
	hMetaOffset          = hFlags + 2
	hMetaCapacity        = hMetaOffset + 4
	hProcessOffset       = hMetaCapacity + 4
	hProcessCapacity     = hProcessOffset + 4
	hSlotsOffset         = hProcessCapacity + 4
	hSlotSize            = hSlotsOffset + 4
	hSlotCount           = hSlotSize + 4
	hSlotsUsed           = hSlotCount + 4
	hFieldCount          = hSlotsUsed + 4
	hOverflowCount       = hFieldCount + 4
	hReserved            = hOverflowCount + 4
	v2HeaderSize         = hReserved + 32
)

// States (the header's state word).
const (
	stateCreating = 0
	stateReady    = 1
	stateClosed   = 2
)

// Metadata entry, fixed part.
const (
	eEntrySize       = 0
	eKind            = eEntrySize + 4
	eValueType       = eKind + 1
	eFlags           = eValueType + 1
	eValueOffset     = eFlags + 2
	eValueSize       = eValueOffset + 4
	eNameSize        = eValueSize + 4
	eUnitSize        = eNameSize + 2
	eHelpSize        = eUnitSize + 2
	eAttributesSize  = eHelpSize + 2
	eExtraSize       = eAttributesSize + 2
	eReserved        = eExtraSize + 4
	v2EntryFixedSize = eReserved + 4
)

// An attribute pair: key_size, key, value_size, value.
const attrSizeSize = 2

// String value: seq, length, reserved, text.
const (
	sSeq             = 0
	sLength          = sSeq + 8
	sReserved        = sLength + 4
	stringHeaderSize = sReserved + 4
)

// Histogram value: seq, sum, buckets.
const (
	hgSeq               = 0
	hgSum               = hgSeq + 8
	hgBuckets           = hgSum + 8
	histogramHeaderSize = hgBuckets
)

// scalarSize is the size of a u64, i64 or f64 value.
const scalarSize = 8

// Kind codes.
const (
	kindCounter       = 1
	kindGauge         = 2
	kindUpDownCounter = 3
	kindConstant      = 4
	kindString        = 5
	kindHistogram     = 6
)

// Value type codes.
const (
	typeU64  = 1
	typeI64  = 2
	typeF64  = 3
	typeUTF8 = 4
)

// slotted says whether a kind keeps a copy in every slot (else one copy in the process area).
func slotted(kind uint8) bool {
	return kind == kindCounter || kind == kindUpDownCounter || kind == kindHistogram
}

// Limits of the u16 and u32 size fields.
const (
	maxU16 = 1<<16 - 1
	maxU32 = 1<<32 - 1
)

// Recommended capacities (spec "Creating a file", step 1).
const (
	DefaultMetaCapacity    = 64 << 10
	DefaultProcessCapacity = 64 << 10
	DefaultSlotSize        = 1 << 10
	DefaultSlotCount       = 64
)

func round8(n int) int { return (n + v2Align - 1) &^ (v2Align - 1) }
