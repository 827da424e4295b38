package mmstats

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzScan: no input makes Scan panic or read outside its slice, and what it
// returns is self-consistent. `go test` runs the seeds (the interop corpus
// and the table cases); `go test -fuzz=FuzzScan` explores.
func FuzzScan(f *testing.F) {
	paths := interopFiles(f)
	conf, _ := filepath.Glob(filepath.Join(repoRoot(f), "conformance", "*", "*", "*.mmstats"))
	if len(conf) == 0 {
		f.Fatal("no conformance corpus files to seed from")
	}
	for _, p := range append(paths, conf...) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, c := range errorCases {
		f.Add(c.data)
	}
	known := map[string]bool{}
	for _, c := range Codes {
		known[c] = true
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		data = data[:len(data):len(data)] // appending or reading past the end must not go unnoticed
		fields, errs := Scan(data)
		if !sort.SliceIsSorted(errs, func(i, j int) bool { return errs[i].Offset < errs[j].Offset }) {
			t.Fatalf("problems not sorted: %v", errs)
		}
		for _, e := range errs {
			if !known[e.Code] || e.Code == CodeFileTooLarge || e.Offset < 0 || e.Offset > int64(len(data)) || e.Message == "" {
				t.Fatalf("bad problem %+v for %d bytes", e, len(data))
			}
		}
		end := 1
		for _, fl := range fields {
			if fl.Offset != end || fl.ValueOffset <= fl.WriteBufferOffset || fl.End() > len(data) || !utf8.ValidString(fl.Label) {
				t.Fatalf("bad layout %+v (previous record ended at %d, %d bytes)", fl, end, len(data))
			}
			end = fl.End()
		}
		decoded, err := Decode(data)
		if (err == nil) != (len(errs) == 0) {
			t.Fatalf("Decode error %v but Scan found %v", err, errs)
		}
		if err != nil {
			if fe := err.(*FormatError); fe.Code != errs[0].Code || fe.Offset != errs[0].Offset {
				t.Fatalf("Decode gave %v, first problem is %v", fe, errs[0])
			}
			return
		}
		if len(data)%PageSize != 0 || data[0] != 1 {
			t.Fatalf("accepted a file of %d bytes with version %d", len(data), data[0])
		}
		out := AppendCanonical(nil, "fuzz", decoded)
		if !json.Valid(out) || !utf8.Valid(out) {
			t.Fatalf("invalid canonical JSON: %s", out)
		}
		vals, err := Compile(data[0], fields).Values(data, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range vals {
			if !vals[i].Equal(decoded[i].Value) {
				t.Fatalf("field %d: compiled %v, decoded %v", i, vals[i].Interface(), decoded[i].Value.Interface())
			}
		}
		if strings.Contains(string(out), "null") && len(decoded) > 0 {
			for _, d := range decoded {
				if d.Value.Kind == 0 {
					t.Fatalf("field %q has no value", d.Label)
				}
			}
		}
	})
}
