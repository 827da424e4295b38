package mmstats

import (
	"math"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// Field is a declared field: a handle made by NewCounter, NewInt, NewString, ... or a static
// value. Create lays out the fields it is given and binds their handles to the new file.
type Field interface {
	base() *field
}

// FieldOption changes a declaration.
type FieldOption func(*field)

// Buffered makes a field double-buffered: readers always read a whole value (the default for
// numbers and text).
func Buffered() FieldOption { return func(f *field) { f.buffered = true } }

// Unbuffered stores a single value in place: the spec suits it to single bytes and to values
// set before Create; a wider value changed later can be read torn.
func Unbuffered() FieldOption { return func(f *field) { f.buffered = false } }

// field is what every handle shares. mu serialises the updates of this one field, which is
// all the version 1 update protocol needs: records do not share bytes, so different fields
// never contend.
type field struct {
	label    string
	typ      Type
	buffered bool

	mu    sync.Mutex
	bits  uint64 // the current number, as stored (two's complement or IEEE bits)
	text  []byte // the current text, cut to typ.Size
	slot  slot   // nil while the field belongs to no open file
	owner *Stats
}

func (f *field) base() *field { return f }

func (f *field) init(label string, t Type, buffered bool, opts []FieldOption) {
	f.label, f.typ, f.buffered = label, t, buffered
	for _, o := range opts {
		o(f)
	}
}

func (f *field) storeBits(bits uint64) {
	f.mu.Lock()
	f.bits = bits
	if f.slot != nil {
		f.slot.setBits(bits)
	}
	f.mu.Unlock()
}

func (f *field) storeText(text []byte) {
	f.mu.Lock()
	f.text = text
	if f.slot != nil {
		f.slot.setText(text)
	}
	f.mu.Unlock()
}

// Label is the field's label as declared (without Options.Prefix).
func (f *field) Label() string { return f.label }

// Type is the field's kind and value size.
func (f *field) Type() Type { return f.typ }

// Integer is the Go type of an integer field: its size and signedness choose the type code
// (int16 is `h`, uint64 is `Q` in version 1; int is `q` or `i`, as wide as it is).
type Integer interface {
	~int | ~uint | ~int8 | ~uint8 | ~int16 | ~uint16 | ~int32 | ~uint32 | ~int64 | ~uint64
}

// Float is the Go type of a floating-point field: float32 (`f`) or float64 (`d`).
type Float interface{ ~float32 | ~float64 }

// Int is an integer field. Values wrap modulo 2^bits, as the format stores them. Safe for use
// by any number of goroutines.
type Int[T Integer] struct{ field }

// NewInt declares an integer field of T's size and signedness, buffered unless Unbuffered()
// is given.
func NewInt[T Integer](label string, opts ...FieldOption) *Int[T] {
	c := &Int[T]{}
	c.init(label, Type{integerKind[T](), sizeOf[T]()}, true, opts)
	return c
}

// NewCounter declares an unsigned 64-bit integer field (type `Q`), buffered, as 0.8's
// CounterField.
func NewCounter(label string, opts ...FieldOption) *Int[uint64] {
	return NewInt[uint64](label, opts...)
}

// Set stores v: one update.
func (c *Int[T]) Set(v T) { c.storeBits(uint64(v)) }

// Add adds d (wrapping) and stores the sum: one update.
func (c *Int[T]) Add(d T) {
	c.mu.Lock()
	c.bits = uint64(T(c.bits) + d)
	if c.slot != nil {
		c.slot.setBits(c.bits)
	}
	c.mu.Unlock()
}

// Sub subtracts d (wrapping): one update.
func (c *Int[T]) Sub(d T) { c.Add(-d) }

// Inc adds 1.
func (c *Int[T]) Inc() { c.Add(1) }

// Load returns the value last stored through this handle.
func (c *Int[T]) Load() T {
	c.mu.Lock()
	defer c.mu.Unlock()
	return T(c.bits)
}

// FloatField is a binary32 or binary64 field. Safe for use by any number of goroutines.
type FloatField[T Float] struct{ field }

// NewFloat declares a float32 or float64 field, buffered unless Unbuffered() is given.
func NewFloat[T Float](label string, opts ...FieldOption) *FloatField[T] {
	g := &FloatField[T]{}
	g.init(label, floatType[T](), true, opts)
	return g
}

// NewGauge declares a float64 field (type `d`), buffered.
func NewGauge(label string, opts ...FieldOption) *FloatField[float64] {
	return NewFloat[float64](label, opts...)
}

// Set stores v: one update.
func (g *FloatField[T]) Set(v T) { g.storeBits(floatBits(v)) }

// Add adds d and stores the sum: one update.
func (g *FloatField[T]) Add(d T) {
	g.mu.Lock()
	g.bits = floatBits(floatFrom[T](g.bits) + d)
	if g.slot != nil {
		g.slot.setBits(g.bits)
	}
	g.mu.Unlock()
}

// Load returns the value last stored through this handle.
func (g *FloatField[T]) Load() T {
	g.mu.Lock()
	defer g.mu.Unlock()
	return floatFrom[T](g.bits)
}

// Bool is a boolean field (`?`), unbuffered unless Buffered() is given: one byte is never
// read torn.
type Bool struct{ field }

// NewBool declares a Bool.
func NewBool(label string, opts ...FieldOption) *Bool {
	b := &Bool{}
	b.init(label, Type{KindBool, 1}, false, opts)
	return b
}

// Set stores 01 for true and 00 for false: one update.
func (b *Bool) Set(v bool) {
	var bits uint64
	if v {
		bits = 1
	}
	b.storeBits(bits)
}

// Load returns the value last stored through this handle.
func (b *Bool) Load() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.bits != 0
}

// Text is a version 1 text field of a fixed size in bytes (`<N>s`), buffered unless
// Unbuffered() is given. A shorter text gets one 00 after it; the rest of the area keeps its
// old bytes.
type Text struct{ field }

// NewString declares a version 1 text field of size bytes.
func NewString(label string, size int, opts ...FieldOption) *Text {
	s := &Text{}
	s.init(label, Type{KindText, size}, true, opts)
	return s
}

// Set stores text cut to the field's size on a character boundary; ill-formed UTF-8 in text
// is replaced by U+FFFD first. One update.
func (s *Text) Set(text string) {
	s.storeText([]byte(cutText(validText(text), s.typ.Size)))
}

// SetBytes stores raw bytes cut blindly to the field's size (they may end inside a
// character, as 0.8 could). One update.
func (s *Text) SetBytes(p []byte) {
	if len(p) > s.typ.Size {
		p = p[:s.typ.Size]
	}
	s.storeText(append([]byte(nil), p...))
}

// Load returns the text last stored through this handle.
func (s *Text) Load() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.text)
}

// static is a value fixed in the image; it has no handle.
type static struct{ field }

func newStatic(label string, t Type, bits uint64, text []byte) Field {
	f := &static{}
	f.init(label, t, false, nil)
	f.bits, f.text = bits, text
	return f
}

// StaticInt declares an unbuffered integer field that always holds v.
func StaticInt[T Integer](label string, v T) Field {
	return newStatic(label, Type{integerKind[T](), sizeOf[T]()}, uint64(v), nil)
}

// StaticFloat declares an unbuffered float32 or float64 field that always holds v.
func StaticFloat[T Float](label string, v T) Field {
	return newStatic(label, floatType[T](), floatBits(v), nil)
}

// StaticBool declares an unbuffered `?` field that always holds v.
func StaticBool(label string, v bool) Field {
	var bits uint64
	if v {
		bits = 1
	}
	return newStatic(label, Type{KindBool, 1}, bits, nil)
}

// StaticString declares an unbuffered text field of size bytes that always holds text, cut
// on a character boundary.
func StaticString(label string, size int, text string) Field {
	return newStatic(label, Type{KindText, size}, 0, []byte(cutText(validText(text), size)))
}

// validText replaces ill-formed UTF-8 by U+FFFD: a writer stores UTF-8 (spec "Strings").
func validText(text string) string {
	if utf8.ValidString(text) {
		return text
	}
	return strings.ToValidUTF8(text, "\uFFFD")
}

// cutText cuts UTF-8 text to at most n bytes without splitting a character.
func cutText(text string, n int) string {
	if len(text) <= n {
		return text
	}
	for n > 0 && !utf8.RuneStart(text[n]) {
		n--
	}
	return text[:n]
}

func sizeOf[T Integer | Float]() int {
	var z T
	return int(unsafe.Sizeof(z))
}

func isSigned[T Integer]() bool {
	var z T
	return z-1 < 0
}

// kindsBySize maps an integer size to its unsigned and signed kinds.
var kindsBySize = map[int][2]Kind{1: {KindUint8, KindInt8}, 2: {KindUint16, KindInt16},
	4: {KindUint32, KindInt32}, 8: {KindUint64, KindInt64}}

func integerKind[T Integer]() Kind {
	k := kindsBySize[sizeOf[T]()]
	if isSigned[T]() {
		return k[1]
	}
	return k[0]
}

func floatType[T Float]() Type {
	if sizeOf[T]() == 4 {
		return Type{KindFloat32, 4}
	}
	return Type{KindFloat64, 8}
}

func floatBits[T Float](v T) uint64 {
	if sizeOf[T]() == 4 {
		return uint64(math.Float32bits(float32(v)))
	}
	return math.Float64bits(float64(v))
}

func floatFrom[T Float](bits uint64) T {
	if sizeOf[T]() == 4 {
		return T(math.Float32frombits(uint32(bits)))
	}
	return T(math.Float64frombits(bits))
}

func float64Bits(v float64) uint64 { return math.Float64bits(v) }
