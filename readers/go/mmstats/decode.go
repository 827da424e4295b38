package mmstats

import (
	"encoding/binary"
	"math"
)

// Field is one decoded field, as every reader returns it.
type Field struct {
	Label    string
	Type     string
	Buffered bool
	Value    Value
}

// ValueAt decodes one value of spec starting at data[off]. The caller
// guarantees off+spec.Size <= len(data) (Scan's layouts do).
func ValueAt(data []byte, spec TypeSpec, off int) Value {
	p := data[off : off+spec.Size]
	le := binary.LittleEndian
	switch spec.Kind {
	case KindInt:
		switch spec.Size {
		case 1:
			return IntValue(int64(int8(p[0])))
		case 2:
			return IntValue(int64(int16(le.Uint16(p))))
		case 4:
			return IntValue(int64(int32(le.Uint32(p))))
		case 8:
			return IntValue(int64(le.Uint64(p)))
		}
	case KindUint:
		switch spec.Size {
		case 1:
			return UintValue(uint64(p[0]))
		case 2:
			return UintValue(uint64(le.Uint16(p)))
		case 4:
			return UintValue(uint64(le.Uint32(p)))
		case 8:
			return UintValue(le.Uint64(p))
		}
	case KindFloat:
		switch spec.Size {
		case 4: // widened exactly; NaN stays NaN
			return FloatValue(float64(math.Float32frombits(le.Uint32(p))))
		case 8:
			return FloatValue(math.Float64frombits(le.Uint64(p)))
		}
	case KindBool:
		return BoolValue(p[0] != 0)
	case KindString:
		return StringValue(DecodeString(p))
	}
	panic("mmstats: no decoder for type " + spec.Code)
}

// FieldValue is the value a reader returns for f: value[wb^1] when buffered.
func FieldValue(data []byte, f FieldLayout) Value {
	off := f.ValueOffset
	if f.Buffered {
		off = f.ReadOffset(data[f.WriteBufferOffset])
	}
	return ValueAt(data, f.Spec, off)
}

// Decode returns every field of a version 1 file held in memory, in file
// order, or the first problem (lowest offset) Scan finds; ErrVersion2 for a
// version 2 file (see DecodeFile).
func Decode(data []byte) ([]Field, error) {
	f, err := DecodeFile(data)
	if err != nil {
		return nil, err
	}
	if f.V2 != nil {
		return nil, ErrVersion2
	}
	return f.Fields, nil
}

func fieldsOf(data []byte, layouts []FieldLayout) []Field {
	fields := make([]Field, len(layouts))
	for i, f := range layouts {
		fields[i] = Field{Label: f.Label, Type: f.Type, Buffered: f.Buffered, Value: FieldValue(data, f)}
	}
	return fields
}
