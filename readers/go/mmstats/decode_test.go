package mmstats

import (
	"math"
	"testing"
)

func TestValueAtDecodesEveryTypeLittleEndian(t *testing.T) {
	cases := []struct {
		code string
		raw  string // hex
		want Value
	}{
		{"b", "9C", IntValue(-100)},
		{"B", "FF", UintValue(255)},
		{"h", "2E FB", IntValue(-1234)},
		{"H", "FF FF", UintValue(65535)},
		{"i", "C0 1D FE FF", IntValue(-123456)},
		{"I", "00 28 6B EE", UintValue(4000000000)},
		{"q", "00 00 00 00 00 00 00 80", IntValue(math.MinInt64)},
		{"Q", "FF FF FF FF FF FF FF FF", UintValue(math.MaxUint64)},
		{"Q", "D2 0A 1F EB 8C A9 54 AB", UintValue(12345678901234567890)},
		{"f", "CD CC CC 3D", FloatValue(0.10000000149011612)}, // float32 0.1, widened
		{"f", "01 00 00 00", FloatValue(1.401298464324817e-45)},
		{"f", "00 00 C0 FF", FloatValue(math.NaN())},
		{"f", "00 00 80 FF", FloatValue(math.Inf(-1))},
		{"d", "9A 99 99 99 99 99 B9 3F", FloatValue(0.1)},
		{"d", "00 00 00 00 00 00 00 80", FloatValue(math.Copysign(0, -1))},
		{"?", "00", BoolValue(false)},
		{"?", "01", BoolValue(true)},
		{"?", "80", BoolValue(true)}, // any non-zero byte is true
		{"5s", "31 32 33 34 35", StringValue("12345")},
		{"8s", "73 68 6F 72 74 00 65 72", StringValue("short")},
		{"0s", "", StringValue("")},
	}
	for _, c := range cases {
		spec, ok := LookupV1([]byte(c.code))
		if !ok {
			t.Fatalf("type %q unknown", c.code)
		}
		raw := append([]byte{0xAA}, unhex(t, c.raw)...) // value at offset 1
		got := ValueAt(raw, spec, 1)
		if !got.Equal(c.want) {
			t.Errorf("%s % X: want %v, got %v", c.code, raw[1:], c.want.Interface(), got.Interface())
		}
	}
	if FloatValue(0).Equal(FloatValue(math.Copysign(0, -1))) {
		t.Error("0.0 and -0.0 must differ")
	}
}

func TestReaderReadsTheBufferOppositeTheWriteBuffer(t *testing.T) {
	for _, c := range []struct {
		wb   byte
		want uint64
	}{{0, 22}, {1, 11}} {
		// value[0] = 11, value[1] = 22: write buffer 0 means the writer writes value[0] next.
		data := page(cat([]byte{1}, rec("n", "Q", c.wb, cat(u64(11), u64(22)))))
		fields, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if got := fields[0].Value.Uint(); got != c.want || !fields[0].Buffered {
			t.Errorf("write buffer %d: want %d, got %d", c.wb, c.want, got)
		}
	}
	data := page(cat([]byte{1}, rec("u", "H", 0xff, u16(7)), rec("s", "3s", 0xff, []byte("abc"))))
	fields, err := Decode(data)
	if err != nil || fields[0].Buffered || fields[0].Value.Uint() != 7 || fields[1].Value.Str() != "abc" {
		t.Fatalf("unbuffered: %v %v", fields, err)
	}
}

func TestValueInterfaceTypes(t *testing.T) {
	if _, ok := IntValue(-1).Interface().(int64); !ok {
		t.Error("int")
	}
	if _, ok := UintValue(1).Interface().(uint64); !ok {
		t.Error("uint")
	}
	if _, ok := FloatValue(1).Interface().(float64); !ok {
		t.Error("float")
	}
	if v, ok := BoolValue(true).Interface().(bool); !ok || !v {
		t.Error("bool")
	}
	if v, ok := StringValue("x").Interface().(string); !ok || v != "x" {
		t.Error("string")
	}
}
