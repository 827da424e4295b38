package mmstats

import (
	"encoding/binary"
	"fmt"
)

// Format version 1: what mmstats 0.8 wrote (spec/v1.md, mmstats_format/schema.py).
//
//	version u8 | record* | zero fill to a multiple of PageSize
//	record: label_size u16 | label | type_size u16 | type | write_buffer u8 | value area
//
// Little-endian. Each offset below is the previous one plus the previous size.
const (
	v1Version         = 1
	v1Unbuffered      = 0xFF // write_buffer of a record holding one value
	v1BufferCount     = 2    // values of a buffered record
	v1VersionOffset   = 0
	v1VersionSize     = 1
	v1FirstRecord     = v1VersionOffset + v1VersionSize
	v1LabelSizeOffset = 0 // within a record
	v1LabelSizeSize   = 2
	v1LabelOffset     = v1LabelSizeOffset + v1LabelSizeSize
	v1TypeSizeSize    = 2
	v1WriteBufferSize = 1
)

func v1TypeSizeOffset(labelSize int) int { return v1LabelOffset + labelSize }
func v1TypeOffset(labelSize int) int     { return v1TypeSizeOffset(labelSize) + v1TypeSizeSize }
func v1WriteBufferOffset(labelSize, typeSize int) int {
	return v1TypeOffset(labelSize) + typeSize
}
func v1ValueOffset(labelSize, typeSize int) int {
	return v1WriteBufferOffset(labelSize, typeSize) + v1WriteBufferSize
}

// v1Numeric is the type-signature table of version 1 (mmstats_format/types.py).
var v1Numeric = map[string]TypeSpec{
	"b": {"b", KindInt, 1},
	"B": {"B", KindUint, 1},
	"h": {"h", KindInt, 2},
	"H": {"H", KindUint, 2},
	"i": {"i", KindInt, 4},
	"I": {"I", KindUint, 4},
	"q": {"q", KindInt, 8},
	"Q": {"Q", KindUint, 8},
	"f": {"f", KindFloat, 4},
	"d": {"d", KindFloat, 8},
	"?": {"?", KindBool, 1},
}

// v1MaxStringDigits bounds N of "<N>s": decimal, no sign, no leading zero, at most 9 digits.
const v1MaxStringDigits = 9

// LookupV1 returns the spec of a stored version 1 type signature.
func LookupV1(raw []byte) (TypeSpec, bool) {
	if spec, ok := v1Numeric[string(raw)]; ok {
		return spec, true
	}
	digits := len(raw) - 1
	if digits < 1 || digits > v1MaxStringDigits || raw[digits] != 's' || (raw[0] == '0' && digits > 1) {
		return TypeSpec{}, false
	}
	n := 0
	for _, c := range raw[:digits] {
		if c < '0' || c > '9' {
			return TypeSpec{}, false
		}
		n = n*10 + int(c-'0')
	}
	return TypeSpec{Code: string(raw), Kind: KindString, Size: n}, true
}

func walkV1(data []byte, sc *scanState) {
	size := len(data)
	// pastEOF reports that length bytes from offset do not fit.
	pastEOF := func(offset, length int, what string) {
		sc.add(CodePastEOF, offset, "%s needs %d bytes, %d left before end of file at %d",
			what, length, max(size-offset, 0), size)
	}
	pos := v1FirstRecord
	for {
		left := size - pos
		if left < v1LabelSizeSize {
			// A lone zero byte is zero fill too short to hold a label size.
			if left > 0 && data[pos] != 0 {
				sc.add(CodeTruncatedRecord, pos, "record label size cut by end of file: %d of %d bytes", left, v1LabelSizeSize)
			}
			return
		}
		labelSize := int(binary.LittleEndian.Uint16(data[pos+v1LabelSizeOffset:]))
		if labelSize == 0 {
			v1CheckZeroFill(data, pos, sc)
			return
		}
		labelOff := pos + v1LabelOffset
		if labelOff+labelSize > size {
			pastEOF(labelOff, labelSize, "label")
			return
		}
		rawLabel := data[labelOff : labelOff+labelSize]
		if bad := firstInvalidUTF8(rawLabel); bad >= 0 {
			// Not structural: the sizes still say where the record goes on.
			sc.add(CodeBadLabelUTF8, labelOff+bad, "label byte 0x%02x is not well-formed UTF-8", rawLabel[bad])
		}
		label := DecodeUTF8(rawLabel)

		tsOff := pos + v1TypeSizeOffset(labelSize)
		if tsOff+v1TypeSizeSize > size {
			sc.add(CodeTruncatedRecord, tsOff, "type size of %q cut by end of file: %d of %d bytes",
				label, size-tsOff, v1TypeSizeSize)
			return
		}
		typeSize := int(binary.LittleEndian.Uint16(data[tsOff:]))
		tOff := pos + v1TypeOffset(labelSize)
		if tOff+typeSize > size {
			pastEOF(tOff, typeSize, fmt.Sprintf("type of %q", label))
			return
		}
		rawType := data[tOff : tOff+typeSize]
		spec, ok := LookupV1(rawType)
		if !ok {
			sc.add(CodeUnknownType, tOff, "type signature %q of %q is not in the type table", rawType, label)
			return
		}
		wbOff := pos + v1WriteBufferOffset(labelSize, typeSize)
		if wbOff >= size {
			sc.add(CodeTruncatedRecord, wbOff, "write buffer of %q cut by end of file", label)
			return
		}
		wb := data[wbOff]
		if wb != 0 && wb != 1 && wb != v1Unbuffered {
			sc.add(CodeBadWriteBuffer, wbOff, "write buffer of %q is 0x%02x; allowed: 0x00, 0x01, 0xff", label, wb)
			return
		}
		buffered := wb != v1Unbuffered
		vOff := pos + v1ValueOffset(labelSize, typeSize)
		area, what := spec.Size, "1 value"
		if buffered {
			area, what = v1BufferCount*spec.Size, "2 buffers"
		}
		if vOff+area > size {
			pastEOF(vOff, area, fmt.Sprintf("value of %q (%s, %s)", label, spec.Code, what))
			return
		}
		sc.fields = append(sc.fields, FieldLayout{
			Label: label, Type: spec.Code, Buffered: buffered, Spec: spec,
			Offset: pos, WriteBufferOffset: wbOff, ValueOffset: vOff, Version: v1Version,
		})
		pos = vOff + area
	}
}

// v1CheckZeroFill reports the first non-zero byte after the terminating label size at pos.
func v1CheckZeroFill(data []byte, pos int, sc *scanState) {
	for i := pos; i < len(data); i++ {
		if data[i] != 0 {
			sc.add(CodeTrailingGarbage, i, "byte 0x%02x after the terminating label size at %d; the zero fill must be all zeros", data[i], pos)
			return
		}
	}
}
