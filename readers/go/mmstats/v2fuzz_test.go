package mmstats

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzScanV2: no version 2 input makes the walk or the decoder panic or read
// outside its slice; problems carry version 2 codes at offsets inside the
// file; the reader's error is the walk's first problem; a file without
// problems gives valid canonical JSON. Seeds: the version 2 corpus.
func FuzzScanV2(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(repoRoot(f), "conformance", "v2", "*", "*", "*.mmstats"))
	if len(seeds) == 0 {
		f.Fatal("no version 2 corpus files to seed from")
	}
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	known := map[string]bool{}
	for _, r := range specTable(f, "v2-errors") {
		known[r[0]] = true
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		data = data[:len(data):len(data)]
		if len(data) > 0 && data[0] != v2Version {
			return // version 1 and unknown bytes: FuzzScan's job
		}
		_, errs := Scan(data)
		for _, e := range errs {
			if !known[e.Code] || e.Code == CodeFileTooLarge || e.Offset < 0 || e.Offset > int64(len(data)) || e.Message == "" {
				t.Fatalf("bad problem %+v for %d bytes", e, len(data))
			}
		}
		file, err := DecodeFile(data)
		if (err == nil) != (len(errs) == 0) {
			t.Fatalf("DecodeFile error %v but the walk found %v", err, errs)
		}
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Code != errs[0].Code || fe.Offset != errs[0].Offset {
				t.Fatalf("DecodeFile gave %v, first problem is %v", err, errs[0])
			}
			return
		}
		out := AppendCanonicalFile(nil, "fuzz", file)
		if !json.Valid(out) || !utf8.Valid(out) {
			t.Fatalf("invalid canonical JSON: %s", out)
		}
	})
}
