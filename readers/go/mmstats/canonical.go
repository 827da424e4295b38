package mmstats

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// The canonical decoded form every reader prints (mmstats_format/canonical.py):
//
//	{"path": P, "format_version": 1, "fields": [{"label", "type", "buffered", "value"}, ...]}
//
// Integers exact; floats the shortest text that reads back as the same
// binary64 (float32 widened first), laid out as Python's repr does, so -0.0
// stays "-0.0"; NaN and the infinities as the strings below.
const (
	NaNText     = "NaN"
	InfText     = "Infinity"
	NegInfText  = "-Infinity"
	jsonVersion = 1
)

// AppendCanonical appends the canonical JSON object of a file's fields to dst.
func AppendCanonical(dst []byte, path string, fields []Field) []byte {
	dst = append(dst, `{"path": `...)
	dst = AppendJSONString(dst, path)
	dst = append(dst, `, "format_version": `...)
	dst = strconv.AppendInt(dst, jsonVersion, 10)
	dst = append(dst, `, "fields": [`...)
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, `{"label": `...)
		dst = AppendJSONString(dst, f.Label)
		dst = append(dst, `, "type": `...)
		dst = AppendJSONString(dst, f.Type)
		dst = append(dst, `, "buffered": `...)
		dst = strconv.AppendBool(dst, f.Buffered)
		dst = append(dst, `, "value": `...)
		dst = AppendJSONValue(dst, f.Value)
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}

// AppendJSONValue appends the canonical JSON of one value.
func AppendJSONValue(dst []byte, v Value) []byte {
	switch v.Kind {
	case KindInt:
		return strconv.AppendInt(dst, v.Int(), 10)
	case KindUint:
		return strconv.AppendUint(dst, v.Uint(), 10)
	case KindFloat:
		f := v.Float()
		switch {
		case math.IsNaN(f):
			return AppendJSONString(dst, NaNText)
		case math.IsInf(f, 1):
			return AppendJSONString(dst, InfText)
		case math.IsInf(f, -1):
			return AppendJSONString(dst, NegInfText)
		}
		return AppendFloat(dst, f)
	case KindBool:
		return strconv.AppendBool(dst, v.Bool())
	case KindString:
		return AppendJSONString(dst, v.Str())
	}
	return append(dst, "null"...)
}

// AppendFloat appends a finite float as Python's repr writes it: the shortest
// digits that round-trip (strconv's), in positional notation with at least one
// fractional digit when the decimal exponent is in [-4, 16), else as
// d[.ddd]e±XX with at least two exponent digits. Both are valid JSON numbers.
func AppendFloat(dst []byte, f float64) []byte {
	// 'e' with precision -1 gives "-d.ddde±XX" with the shortest round-trip digits.
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	neg := e[0] == '-'
	if neg {
		e = e[1:]
		dst = append(dst, '-')
	}
	mark := 0
	for e[mark] != 'e' {
		mark++
	}
	digits := make([]byte, 0, 17)
	for _, c := range e[:mark] {
		if c != '.' {
			digits = append(digits, c)
		}
	}
	exp, _ := strconv.Atoi(string(e[mark+1:]))
	if exp < -4 || exp >= 16 {
		dst = append(dst, digits[0])
		if len(digits) > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'e')
		if exp < 0 {
			dst = append(dst, '-')
			exp = -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	}
	if exp < 0 { // 0.000ddd
		dst = append(dst, "0."...)
		for i := -1; i > exp; i-- {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	// exp+1 digits before the point, padded with zeros; at least one after it.
	for i := 0; i <= exp; i++ {
		if i < len(digits) {
			dst = append(dst, digits[i])
		} else {
			dst = append(dst, '0')
		}
	}
	dst = append(dst, '.')
	if len(digits) > exp+1 {
		return append(dst, digits[exp+1:]...)
	}
	return append(dst, '0')
}

// AppendJSONString appends s as a JSON string. Ill-formed UTF-8 (possible only
// in a path given on the command line) is replaced as DecodeUTF8 does; like
// Python's json.dumps(ensure_ascii=False), other text is written as is except
// for the quote, the backslash and control characters.
func AppendJSONString(dst []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = DecodeUTF8([]byte(s))
	}
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\b':
			dst = append(dst, '\\', 'b')
		case c == '\f':
			dst = append(dst, '\\', 'f')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
