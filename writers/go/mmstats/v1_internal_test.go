package mmstats

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// A file of exactly MaxFileSize bytes is allowed; one byte more of records is not. Checked on
// the layout, which allocates nothing.
func TestLayoutSizeLimit(t *testing.T) {
	const fixed = 1 + 2 + 3 + 2 + 10 + 1 // version byte, label_size, "big", type_size, "268435437s", write_buffer
	n := MaxFileSize - fixed
	_, size, err := v1Codec{}.layout([]decl{{label: "big", typ: Type{KindText, n}}})
	if err != nil || size != MaxFileSize {
		t.Fatalf("%d-byte text: size %d, %v; want exactly %d", n, size, err, MaxFileSize)
	}
	_, _, err = v1Codec{}.layout([]decl{{label: "big", typ: Type{KindText, n + 1}}})
	if !errors.Is(err, ErrFileTooLarge) {
		t.Fatalf("one byte over: want ErrFileTooLarge, got %v", err)
	}
	// Many fields: the sum is checked as it grows, so it cannot overflow.
	many := make([]decl, 300)
	for i := range many {
		many[i] = decl{label: strings.Repeat("x", 1+i), typ: Type{KindText, 999999999}}
	}
	if _, _, err := (v1Codec{}).layout(many); !errors.Is(err, ErrFileTooLarge) {
		t.Fatalf("want ErrFileTooLarge, got %v", err)
	}
}

func TestLayoutRefusesBadFields(t *testing.T) {
	for name, d := range map[string]decl{
		"empty label":      {label: "", typ: Type{KindUint8, 1}},
		"65536-byte label": {label: strings.Repeat("a", 65536), typ: Type{KindUint8, 1}},
		"ill-formed label": {label: "a\xc3\x28", typ: Type{KindUint8, 1}},
		"surrogate label":  {label: "\xed\xa0\x80", typ: Type{KindUint8, 1}},
		"text too long":    {label: "t", typ: Type{KindText, 1000000000}},
		"no such type":     {label: "t", typ: Type{KindUint8, 3}},
	} {
		if _, _, err := (v1Codec{}).layout([]decl{d}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, _, err := (v1Codec{}).layout([]decl{{label: strings.Repeat("a", 65535), typ: Type{KindUint8, 1}}}); err != nil {
		t.Errorf("65535-byte label: %v", err)
	}
}

func TestParseTypeV1(t *testing.T) {
	good := map[string]Type{
		"b": {KindInt8, 1}, "B": {KindUint8, 1}, "h": {KindInt16, 2}, "H": {KindUint16, 2},
		"i": {KindInt32, 4}, "I": {KindUint32, 4}, "q": {KindInt64, 8}, "Q": {KindUint64, 8},
		"f": {KindFloat32, 4}, "d": {KindFloat64, 8}, "?": {KindBool, 1},
		"0s": {KindText, 0}, "255s": {KindText, 255}, "999999999s": {KindText, 999999999},
	}
	for sig, want := range good {
		got, err := V1.ParseType(sig)
		if err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", sig, got, err, want)
		}
		back, err := V1.Signature(want)
		if err != nil || back != sig {
			t.Errorf("Signature(%v) = %q %v, want %q", want, back, err, sig)
		}
	}
	for _, sig := range []string{"", "l", "L", "c", "e", "<Q", "=Q", "2Q", "q ", "05s", "00s", "s", "-1s", "+1s",
		"1000000000s", "1_0s", "3S", "\xffs"} {
		if _, err := V1.ParseType(sig); !errors.Is(err, ErrUnknownType) {
			t.Errorf("%q: want ErrUnknownType, got %v", sig, err)
		}
	}
	if _, err := Version(2).ParseType("Q"); !errors.Is(err, ErrBadVersion) {
		t.Errorf("version 2: %v", err)
	}
}

type myInt16 int16
type myCount uint

func TestKindsOfGoTypes(t *testing.T) {
	for _, c := range []struct {
		got, want Type
	}{
		{NewInt[int8]("").typ, Type{KindInt8, 1}},
		{NewInt[uint16]("").typ, Type{KindUint16, 2}},
		{NewInt[int32]("").typ, Type{KindInt32, 4}},
		{NewInt[int64]("").typ, Type{KindInt64, 8}},
		{NewInt[myInt16]("").typ, Type{KindInt16, 2}},
		{NewInt[myCount]("").typ, Type{map[int]Kind{32: KindUint32, 64: KindUint64}[strconv.IntSize], strconv.IntSize / 8}},
		{NewFloat[float32]("").typ, Type{KindFloat32, 4}},
		{NewGauge("").typ, Type{KindFloat64, 8}},
		{NewCounter("").typ, Type{KindUint64, 8}},
	} {
		if c.got != c.want {
			t.Errorf("got %v, want %v", c.got, c.want)
		}
	}
}
