package mmstats

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Option describes a version 2 field: its help text, unit, attributes, and for text values
// the capacity and the initial text.
type Option func(*fieldSpec)

// Help is one line of text describing the field.
func Help(text string) Option { return func(f *fieldSpec) { f.help = text } }

// Unit is the field's UCUM unit, as OpenTelemetry uses it: "s", "ms", "By", "1",
// "{request}". At most 63 printable ASCII bytes, no spaces.
func Unit(ucum string) Option { return func(f *fieldSpec) { f.unit = ucum } }

// Attr adds the attribute key=value. Fields with the same name and different attributes are
// different fields (http.requests with status=2xx and with status=5xx).
func Attr(key, value string) Option {
	return func(f *fieldSpec) { f.attrs = append(f.attrs, [2]string{key, value}) }
}

// Capacity is the room for text of a String or a text constant, in bytes, rounded up to a
// multiple of 8. Longer text is cut on a character boundary. Default: 64 for a String, the
// text's own length for a constant.
func Capacity(bytes int) Option {
	return func(f *fieldSpec) { f.capacity, f.capacityGiven = bytes, true }
}

// InitialText is a String's text when it is published.
func InitialText(text string) Option { return func(f *fieldSpec) { f.initial = text } }

// ErrBadField is wrapped by the panic of a field declaration the format cannot hold (an empty
// name, a bad unit, ill-formed UTF-8, a repeated attribute key, bad histogram bounds) or that
// contradicts an earlier declaration of the same name and attributes.
var ErrBadField = errors.New("bad field declaration")

// ErrFull is wrapped by Stats.Err when a field did not fit in the file.
var ErrFull = errors.New("the file is full")

// fieldSpec is one declaration, checked and encoded into its metadata entry by entry().
type fieldSpec struct {
	name, help, unit string
	attrs            [][2]string
	capacity         int // text values
	capacityGiven    bool
	initial          string
	kind, vtype      uint8
	bounds           []float64 // histograms
}

func newSpec(name string, kind, vtype uint8, opts []Option) *fieldSpec {
	f := &fieldSpec{name: name, kind: kind, vtype: vtype}
	for _, o := range opts {
		o(f)
	}
	return f
}

func (f *fieldSpec) fail(format string, args ...any) error {
	return fmt.Errorf("%w: field %q: %s", ErrBadField, f.name, fmt.Sprintf(format, args...))
}

// valueSize is the bytes of one copy of the value (spec "Kinds and value types").
func (f *fieldSpec) valueSize() int {
	switch {
	case f.kind == kindHistogram:
		return histogramHeaderSize + scalarSize*(len(f.bounds)+1)
	case f.vtype == typeUTF8:
		return stringHeaderSize + f.capacity
	}
	return scalarSize
}

// check applies the spec's per-entry rules (the checks a validator makes, "Metadata entries").
func (f *fieldSpec) check() error {
	if len(f.name) == 0 || len(f.name) > maxU16 {
		return f.fail("a name is 1 to %d bytes, this one %d", maxU16, len(f.name))
	}
	if !utf8.ValidString(f.name) {
		return f.fail("the name is not well-formed UTF-8")
	}
	if len(f.unit) > v2UnitMax {
		return f.fail("unit %q is %d bytes, at most %d allowed", f.unit, len(f.unit), v2UnitMax)
	}
	for i := 0; i < len(f.unit); i++ {
		if c := f.unit[i]; c < 0x21 || c > 0x7e {
			return f.fail("unit %q: byte %d (%#02x) is not printable ASCII without space", f.unit, i, c)
		}
	}
	if len(f.help) > maxU16 || !utf8.ValidString(f.help) {
		return f.fail("help is at most %d bytes of well-formed UTF-8", maxU16)
	}
	// Order carries no meaning (spec "Attributes"): sorted, equal declarations encode equally.
	slices.SortStableFunc(f.attrs, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	seen := make(map[string]bool, len(f.attrs))
	for _, kv := range f.attrs {
		k, v := kv[0], kv[1]
		if len(k) == 0 || len(k) > maxU16 || len(v) > maxU16 {
			return f.fail("attribute %q=%q: a key is 1 to %d bytes, a value at most %d", k, v, maxU16, maxU16)
		}
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return f.fail("attribute %q=%q is not well-formed UTF-8", k, v)
		}
		if seen[k] {
			return f.fail("attribute key %q given twice", k)
		}
		seen[k] = true
	}
	if n := f.attributesSize(); n > maxU16 {
		return f.fail("attributes take %d bytes, at most %d allowed", n, maxU16)
	}
	for i, b := range f.bounds {
		if math.IsNaN(b) || math.IsInf(b, 0) || (i > 0 && b <= f.bounds[i-1]) {
			return f.fail("histogram bound %d (%v): bounds are finite and strictly increasing", i, b)
		}
	}
	if f.vtype == typeUTF8 {
		if f.capacity < 0 || f.capacity > maxU32-stringHeaderSize-v2Align {
			return f.fail("text capacity %d out of range", f.capacity)
		}
		f.capacity = round8(f.capacity)
	}
	if len(f.bounds) > (maxU32-histogramHeaderSize)/scalarSize-1 {
		return f.fail("%d histogram bounds are too many", len(f.bounds))
	}
	return nil
}

func (f *fieldSpec) attributesSize() int {
	n := 0
	for _, kv := range f.attrs {
		n += attrSizeSize + len(kv[0]) + attrSizeSize + len(kv[1])
	}
	return n
}

// entry is the metadata entry's bytes, with value_offset left 0 (see setValueOffset).
func (f *fieldSpec) entry() []byte {
	le := binary.LittleEndian
	strs := len(f.name) + len(f.unit) + len(f.help) + f.attributesSize()
	padded := round8(v2EntryFixedSize + strs)
	extra := scalarSize * len(f.bounds)
	e := make([]byte, padded+extra)
	le.PutUint32(e[eEntrySize:], uint32(len(e)))
	e[eKind], e[eValueType] = f.kind, f.vtype
	le.PutUint32(e[eValueSize:], uint32(f.valueSize()))
	le.PutUint16(e[eNameSize:], uint16(len(f.name)))
	le.PutUint16(e[eUnitSize:], uint16(len(f.unit)))
	le.PutUint16(e[eHelpSize:], uint16(len(f.help)))
	le.PutUint16(e[eAttributesSize:], uint16(f.attributesSize()))
	le.PutUint32(e[eExtraSize:], uint32(extra))
	p := v2EntryFixedSize
	p += copy(e[p:], f.name)
	p += copy(e[p:], f.unit)
	p += copy(e[p:], f.help)
	for _, kv := range f.attrs {
		le.PutUint16(e[p:], uint16(len(kv[0])))
		p += attrSizeSize + copy(e[p+attrSizeSize:], kv[0])
		le.PutUint16(e[p:], uint16(len(kv[1])))
		p += attrSizeSize + copy(e[p+attrSizeSize:], kv[1])
	}
	for i, b := range f.bounds {
		le.PutUint64(e[padded+scalarSize*i:], math.Float64bits(b))
	}
	return e
}

func setValueOffset(entry []byte, off int) {
	binary.LittleEndian.PutUint32(entry[eValueOffset:], uint32(off))
}

// identity is what makes two declarations the same field: name and attributes (sorted by
// check).
func (f *fieldSpec) identity() string {
	id := fmt.Sprintf("%d:%s", len(f.name), f.name)
	for _, kv := range f.attrs {
		id += fmt.Sprintf("|%d:%s=%d:%s", len(kv[0]), kv[0], len(kv[1]), kv[1])
	}
	return id
}

// encodeText is a string value's initial bytes: seq 0, length, reserved 0, text.
func encodeText(text string, capacity int) []byte {
	t := cutText(validText(text), capacity)
	v := make([]byte, stringHeaderSize+len(t))
	binary.LittleEndian.PutUint32(v[sLength:], uint32(len(t)))
	copy(v[stringHeaderSize:], t)
	return v
}
