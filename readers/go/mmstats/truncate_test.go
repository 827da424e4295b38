package mmstats

import (
	"os"
	"testing"
)

// Every valid file cut at every byte gives a clean error (never a panic, never
// a silent success), and the fields found before the cut are a prefix of the
// whole file's fields.
func TestEveryTruncationOfAValidFileIsACleanError(t *testing.T) {
	allowed := map[string]bool{CodeNotReady: true, CodeTruncatedRecord: true, CodePastEOF: true, CodeBadFileSize: true}
	for _, path := range interopFiles(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		full, errs := Scan(data)
		if len(errs) != 0 {
			t.Fatalf("%s: %v", path, errs)
		}
		for n := 0; n < len(data); n++ {
			fields, errs := Scan(data[:n:n]) // capacity n: reading past the cut would panic
			if len(errs) == 0 {
				t.Fatalf("%s cut at %d: no problem reported", path, n)
			}
			for _, e := range errs {
				if !allowed[e.Code] || e.Offset < 0 || e.Offset > int64(n) {
					t.Fatalf("%s cut at %d: unexpected %v", path, n, e)
				}
			}
			if n == 0 && errs[0].Code != CodeNotReady {
				t.Fatalf("%s: empty prefix gives %v", path, errs)
			}
			if n%PageSize != 0 && errs[len(errs)-1] != (FormatError{Code: CodeBadFileSize, Offset: int64(n), Message: errs[len(errs)-1].Message}) {
				t.Fatalf("%s cut at %d: last problem should be bad_file_size at %d: %v", path, n, n, errs)
			}
			if len(fields) > len(full) {
				t.Fatalf("%s cut at %d: more fields than the whole file", path, n)
			}
			for i := range fields {
				if fields[i] != full[i] {
					t.Fatalf("%s cut at %d: field %d is %+v, in the whole file %+v", path, n, i, fields[i], full[i])
				}
			}
			if n%512 == 511 { // Decode reports what Scan found; sampled to keep the test fast
				if _, err := Decode(data[:n:n]); err == nil {
					t.Fatalf("%s cut at %d: Decode succeeded", path, n)
				}
			}
		}
		// The same file with one more byte is never valid either (not a page multiple).
		for _, extra := range []byte{0, 1, 0xff} {
			if _, errs := Scan(append(data[:len(data):len(data)], extra)); len(errs) == 0 {
				t.Fatalf("%s plus byte %#x: no problem reported", path, extra)
			}
		}
	}
}

// A record cut inside its fields names the field that is cut.
func TestTruncationCodesPointAtTheCutField(t *testing.T) {
	whole := cat([]byte{1}, rec("ab", "Q", 0, cat(u64(1), u64(2))))
	// version 0 | label_size 1..2 | label 3..4 | type_size 5..6 | type 7 | wb 8 | value 9..24
	want := map[int]codeAt{
		1: {}, // nothing after the version byte: an empty record list
		2: {CodeTruncatedRecord, 1}, 3: {CodePastEOF, 3}, 4: {CodePastEOF, 3},
		5: {CodeTruncatedRecord, 5}, 6: {CodeTruncatedRecord, 5}, 7: {CodePastEOF, 7},
		8: {CodeTruncatedRecord, 8}, 9: {CodePastEOF, 9}, 24: {CodePastEOF, 9}, 25: {},
	}
	for n, w := range want {
		_, errs := Scan(whole[:n])
		got := codesOf(errs)
		if w == (codeAt{}) {
			if len(got) != 1 || got[0].Code != CodeBadFileSize {
				t.Errorf("cut at %d: want only bad_file_size, got %v", n, got)
			}
			continue
		}
		if len(got) != 2 || got[0] != w || got[1] != (codeAt{CodeBadFileSize, int64(n)}) {
			t.Errorf("cut at %d: want %v then bad_file_size, got %v", n, w, got)
		}
	}
}
