package mmstats

import "math"

// Kind is what a type signature stores, independent of the format version.
type Kind uint8

const (
	KindInt    Kind = iota + 1 // signed two's-complement integer
	KindUint                   // unsigned integer
	KindFloat                  // IEEE 754 binary32 or binary64
	KindBool                   // one byte: 0 is false, anything else true
	KindString                 // N bytes of UTF-8, ends at the first NUL
)

func (k Kind) String() string {
	switch k {
	case KindInt:
		return "int"
	case KindUint:
		return "uint"
	case KindFloat:
		return "float"
	case KindBool:
		return "bool"
	case KindString:
		return "string"
	}
	return "invalid"
}

// TypeSpec is one row of a version's type-signature table.
type TypeSpec struct {
	Code string // the signature as stored, e.g. "Q" or "16s"
	Kind Kind
	Size int // bytes of one value (one buffer)
}

// Value is one decoded value. Numbers and bools are held without allocation
// so the re-reader can refill a slice of them cheaply.
type Value struct {
	Kind Kind
	bits uint64 // int64, uint64, float64 bits, or 0/1 for bool
	str  string
}

func IntValue(v int64) Value     { return Value{Kind: KindInt, bits: uint64(v)} }
func UintValue(v uint64) Value   { return Value{Kind: KindUint, bits: v} }
func FloatValue(v float64) Value { return Value{Kind: KindFloat, bits: math.Float64bits(v)} }
func StringValue(s string) Value { return Value{Kind: KindString, str: s} }
func BoolValue(b bool) Value {
	if b {
		return Value{Kind: KindBool, bits: 1}
	}
	return Value{Kind: KindBool}
}

func (v Value) Int() int64     { return int64(v.bits) }
func (v Value) Uint() uint64   { return v.bits }
func (v Value) Float() float64 { return math.Float64frombits(v.bits) }
func (v Value) Bool() bool     { return v.bits != 0 }
func (v Value) Str() string    { return v.str }

// Interface returns the value as int64, uint64, float64 (float32 already
// widened), bool or string.
func (v Value) Interface() any {
	switch v.Kind {
	case KindInt:
		return v.Int()
	case KindUint:
		return v.Uint()
	case KindFloat:
		return v.Float()
	case KindBool:
		return v.Bool()
	case KindString:
		return v.str
	}
	return nil
}

// Equal compares by value the way the canonical comparison does: floats by
// their binary64 bits (so -0.0 != 0.0), except that every NaN equals every NaN.
func (v Value) Equal(w Value) bool {
	if v.Kind != w.Kind {
		return false
	}
	if v.Kind == KindFloat && math.IsNaN(v.Float()) && math.IsNaN(w.Float()) {
		return true
	}
	return v.bits == w.bits && v.str == w.str
}
