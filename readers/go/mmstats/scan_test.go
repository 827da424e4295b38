package mmstats

import (
	"bytes"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// good is one buffered Q record, 26 bytes: label_size(2) "hits"(4) type_size(2) "Q"(1) wb(1) 2x8.
var good = rec("hits", "Q", 1, cat(u64(5), u64(4)))

// Offsets below are counted by hand from the record layout, not computed by the code under test.
var errorCases = []struct {
	name string
	data []byte
	want []codeAt // every problem, in order
}{
	{"empty file", nil, []codeAt{{CodeNotReady, 0}}},
	{"version still zero", page(nil), []codeAt{{CodeNotReady, 0}}},
	{"version zero and odd size: still only not_ready", []byte{0, 1, 2}, []codeAt{{CodeNotReady, 0}}},
	{"version 2", page(cat([]byte{2}, good)), []codeAt{{CodeBadVersion, 0}}},
	{"version 0xff and odd size", []byte{0xff, 0}, []codeAt{{CodeBadVersion, 0}, {CodeBadFileSize, 2}}},
	// a 4092-byte label ends at byte 4094; one byte is left for the 2-byte type size
	{"type size cut", cat([]byte{1}, u16(4092), bytes.Repeat([]byte("a"), 4092), []byte{1}),
		[]codeAt{{CodeTruncatedRecord, 4095}}},
	// a record fills bytes 1..4094; the last byte is a non-zero half of a label size
	{"label size cut", cat([]byte{1}, rec("x", "4083s", 0xff, bytes.Repeat([]byte("z"), 4083)), []byte{7}),
		[]codeAt{{CodeTruncatedRecord, 4095}}},
	{"lone zero byte at the end is fill", cat([]byte{1}, rec("x", "4083s", 0xff, bytes.Repeat([]byte("z"), 4083)), []byte{0}),
		nil},
	// the type ends exactly at byte 4095: no room for the write buffer
	{"write buffer cut", cat([]byte{1}, u16(4090), bytes.Repeat([]byte("a"), 4090), u16(1), []byte("Q")),
		[]codeAt{{CodeTruncatedRecord, 4096}}},
	{"label past end", page(cat([]byte{1}, u16(5000))), []codeAt{{CodePastEOF, 3}}},
	{"type past end", page(cat([]byte{1}, u16(1), []byte("a"), u16(9000))), []codeAt{{CodePastEOF, 6}}},
	{"value past end", cat([]byte{1}, rec(strings.Repeat("a", 4080), "Q", 0, nil)),
		[]codeAt{{CodePastEOF, 1 + 2 + 4080 + 2 + 1 + 1}, {CodeBadFileSize, 4087}}},
	// 12 bytes precede the value (see TestRecordsFillingTheFileExactlyNeedNoTerminator); one value byte is missing
	{"unbuffered value past end by one byte", cat([]byte{1}, rec("v", "4084s", 0xff, bytes.Repeat([]byte("v"), 4083))),
		[]codeAt{{CodePastEOF, 12}, {CodeBadFileSize, 4095}}},
	{"huge string type past end", page(cat([]byte{1}, rec("s", "999999999s", 0xff, nil))),
		[]codeAt{{CodePastEOF, 17}}}, // type at 6..15, write buffer 16, value 17
	{"label not utf-8", page(cat([]byte{1}, rec("a\xffb", "B", 0xff, []byte{1}))), []codeAt{{CodeBadLabelUTF8, 4}}},
	{"label with a surrogate", page(cat([]byte{1}, rec("ok\xed\xa0\x80", "B", 0xff, []byte{1}))), []codeAt{{CodeBadLabelUTF8, 5}}},
	{"label ends in half a character", page(cat([]byte{1}, rec("ab\xe2\x82", "B", 0xff, []byte{1}))), []codeAt{{CodeBadLabelUTF8, 5}}},
	{"type l", page(cat([]byte{1}, rec("a", "l", 0xff, make([]byte, 8)))), []codeAt{{CodeUnknownType, 6}}},
	{"type 01s", page(cat([]byte{1}, rec("a", "01s", 0xff, []byte("x")))), []codeAt{{CodeUnknownType, 6}}},
	{"type s without size", page(cat([]byte{1}, rec("a", "s", 0xff, nil))), []codeAt{{CodeUnknownType, 6}}},
	{"type with 10 digits", page(cat([]byte{1}, rec("a", "1000000000s", 0xff, nil))), []codeAt{{CodeUnknownType, 6}}},
	{"type +5s", page(cat([]byte{1}, rec("a", "+5s", 0xff, nil))), []codeAt{{CodeUnknownType, 6}}},
	{"type 5S", page(cat([]byte{1}, rec("a", "5S", 0xff, nil))), []codeAt{{CodeUnknownType, 6}}},
	{"type Q with NUL", page(cat([]byte{1}, rec("a", "Q\x00", 0xff, nil))), []codeAt{{CodeUnknownType, 6}}},
	{"empty type", page(cat([]byte{1}, rec("a", "", 0xff, nil))), []codeAt{{CodeUnknownType, 6}}},
	{"type not ascii", page(cat([]byte{1}, rec("a", "é", 0xff, []byte("x")))), []codeAt{{CodeUnknownType, 6}}},
	{"type with a non-ascii digit", page(cat([]byte{1}, rec("a", "٣s", 0xff, []byte("x")))), []codeAt{{CodeUnknownType, 6}}},
	{"write buffer 2", page(cat([]byte{1}, good[:9], []byte{2}, good[10:])), []codeAt{{CodeBadWriteBuffer, 10}}},
	{"write buffer 0xfe", page(cat([]byte{1}, good[:9], []byte{0xfe}, good[10:])), []codeAt{{CodeBadWriteBuffer, 10}}},
	{"garbage after terminator", page(cat([]byte{1}, good, []byte{0, 0, 0, 9})), []codeAt{{CodeTrailingGarbage, 1 + 26 + 3}}},
	{"garbage at the last byte", cat([]byte{1}, good, make([]byte, 4068), []byte{1}), []codeAt{{CodeTrailingGarbage, 4095}}},
	{"only the first garbage byte is reported", page(cat([]byte{1}, good, []byte{0, 0, 5, 6, 7})), []codeAt{{CodeTrailingGarbage, 29}}},
	{"size not a page multiple", cat([]byte{1}, good, []byte{0, 0}), []codeAt{{CodeBadFileSize, 29}}},
	{"size just over a page", page(cat([]byte{1}, good), 4097), []codeAt{{CodeBadFileSize, 4097}}},
	{"one byte: version only", []byte{1}, []codeAt{{CodeBadFileSize, 1}}},
	// a bad label does not stop the walk: the unknown type of the next record is found too
	{"every independent problem", cat([]byte{1}, rec("\xc0\xafx", "B", 0xff, []byte{1}), rec("ok", "Z", 0xff, nil), []byte{0}),
		[]codeAt{{CodeBadLabelUTF8, 3}, {CodeUnknownType, 17}, {CodeBadFileSize, 20}}},
	{"two bad labels and garbage", page(cat([]byte{1}, rec("\x80", "B", 0xff, []byte{0}), rec("a\xff", "?", 0xff, []byte{1}), u16(0), []byte{3})),
		[]codeAt{{CodeBadLabelUTF8, 3}, {CodeBadLabelUTF8, 12}, {CodeTrailingGarbage, 20}}},
	// after a structural problem nothing further is looked at, not even later bad labels
	{"walk stops at a bad write buffer", page(cat([]byte{1}, rec("a", "B", 7, []byte{0, 0}), rec("\xff", "B", 0xff, []byte{0}))),
		[]codeAt{{CodeBadWriteBuffer, 7}}},
	// past_eof at the very end and bad_file_size share offset 8: walk order is kept
	{"past_eof and bad_file_size at one offset", cat([]byte{1}, rec("a", "B", 0xff, nil)),
		[]codeAt{{CodePastEOF, 8}, {CodeBadFileSize, 8}}},
}

func TestScanReportsEveryCodeAtItsOffset(t *testing.T) {
	for _, c := range errorCases {
		t.Run(c.name, func(t *testing.T) {
			fields, errs := Scan(c.data)
			got := codesOf(errs)
			want := c.want
			if want == nil {
				want = []codeAt{}
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("problems: want %v, got %v\n%v", want, got, errs)
			}
			for _, e := range errs {
				if e.Message == "" {
					t.Errorf("%s at %d has no message", e.Code, e.Offset)
				}
			}
			_, err := Decode(c.data)
			if len(want) == 0 {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			fe, ok := err.(*FormatError)
			if !ok || fe.Code != want[0].Code || fe.Offset != want[0].Offset {
				t.Fatalf("Decode: want first problem %v, got %v", want[0], err)
			}
			_ = fields
		})
	}
}

func TestEveryCodeHasATableCase(t *testing.T) {
	seen := map[string]bool{CodeFileTooLarge: true} // a reader's limit: see TestReadRefusesAFileOverTheLimit
	for _, c := range errorCases {
		for _, w := range c.want {
			seen[w.Code] = true
		}
	}
	for _, code := range Codes {
		if !seen[code] {
			t.Errorf("no case for %s", code)
		}
	}
	if len(seen) != len(Codes) {
		t.Errorf("cases use codes outside the vocabulary: %v", seen)
	}
}

func TestScanLayoutsOfAHandBuiltFile(t *testing.T) {
	data := page(cat([]byte{1},
		rec("hits", "Q", 1, cat(u64(5), u64(4))), // record at 1, wb at 10, value at 11, ends 27
		rec("name", "3s", 0xff, []byte("abc")),   // record at 27, wb at 37, value at 38, ends 41
		rec("z", "?", 0xff, []byte{2}),           // record at 41, wb at 47, value at 48, ends 49
	))
	fields, errs := Scan(data)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	want := []FieldLayout{
		{Label: "hits", Type: "Q", Buffered: true, Spec: TypeSpec{"Q", KindUint, 8}, Offset: 1, WriteBufferOffset: 10, ValueOffset: 11, Version: 1},
		{Label: "name", Type: "3s", Buffered: false, Spec: TypeSpec{"3s", KindString, 3}, Offset: 27, WriteBufferOffset: 37, ValueOffset: 38, Version: 1},
		{Label: "z", Type: "?", Buffered: false, Spec: TypeSpec{"?", KindBool, 1}, Offset: 41, WriteBufferOffset: 47, ValueOffset: 48, Version: 1},
	}
	if !reflect.DeepEqual(fields, want) {
		t.Fatalf("layouts:\nwant %+v\ngot  %+v", want, fields)
	}
	if fields[0].End() != 27 || fields[1].End() != 41 || fields[2].End() != 49 {
		t.Fatalf("ends: %d %d %d", fields[0].End(), fields[1].End(), fields[2].End())
	}
}

func TestRecordsFillingTheFileExactlyNeedNoTerminator(t *testing.T) {
	// version 1 + label_size 2 + "x" 1 + type_size 2 + "4084s" 5 + write_buffer 1 = 12 bytes before the value.
	n := 4096 - 12
	data := cat([]byte{1}, rec("x", "4084s", 0xff, bytes.Repeat([]byte("y"), n)))
	if len(data) != 4096 {
		t.Fatalf("test arithmetic: n=%d len=%d", n, len(data))
	}
	fields, errs := Scan(data)
	if len(errs) != 0 || len(fields) != 1 {
		t.Fatalf("fields %v, problems %v", fields, errs)
	}
}

func TestLabelSizeWithAZeroLowByteIsNotATerminator(t *testing.T) {
	label := strings.Repeat("L", 256) // label size bytes 00 01
	data := page(cat([]byte{1}, rec(label, "B", 0xff, []byte{9})))
	if data[1] != 0 || data[2] != 1 {
		t.Fatal("test setup: label size bytes")
	}
	got, err := Decode(data)
	if err != nil || len(got) != 1 || got[0].Label != label || got[0].Value.Uint() != 9 {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestTypeTable(t *testing.T) {
	valid := map[string]TypeSpec{
		"b": {"b", KindInt, 1}, "B": {"B", KindUint, 1}, "h": {"h", KindInt, 2}, "H": {"H", KindUint, 2},
		"i": {"i", KindInt, 4}, "I": {"I", KindUint, 4}, "q": {"q", KindInt, 8}, "Q": {"Q", KindUint, 8},
		"f": {"f", KindFloat, 4}, "d": {"d", KindFloat, 8}, "?": {"?", KindBool, 1},
		"0s": {"0s", KindString, 0}, "1s": {"1s", KindString, 1}, "255s": {"255s", KindString, 255},
		"999999999s": {"999999999s", KindString, 999999999},
	}
	for code, want := range valid {
		got, ok := LookupV1([]byte(code))
		if !ok || got != want {
			t.Errorf("%q: want %v, got %v %v", code, want, got, ok)
		}
	}
	for _, code := range []string{"", "l", "L", "c", "e", "x", "s", "00s", "01s", "-1s", "1", "1ss", "s1", " 1s", "1s ",
		"1000000000s", "qq", "Q ", "?\x00", "\xff", "1 s", "١s"} {
		if got, ok := LookupV1([]byte(code)); ok {
			t.Errorf("%q: want unknown, got %v", code, got)
		}
	}
}

func TestProblemsAreSortedByOffset(t *testing.T) {
	for _, c := range errorCases {
		_, errs := Scan(c.data)
		if !sort.SliceIsSorted(errs, func(i, j int) bool { return errs[i].Offset < errs[j].Offset }) {
			t.Errorf("%s: not sorted: %v", c.name, errs)
		}
	}
}
