package mmstats

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// v2Manifest returns the version 2 cases of conformance/manifest.json by id.
func v2Manifest(t *testing.T) map[string]manifestCaseV2 {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "conformance", "manifest.json"))
	if err != nil {
		t.Fatalf("no conformance manifest: %v", err)
	}
	var m struct {
		Cases []manifestCaseV2 `json:"cases"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]manifestCaseV2{}
	for _, c := range m.Cases {
		if c.FormatVersion == 2 && c.Kind != "writer" {
			out[c.ID] = c
		}
	}
	return out
}

type manifestCaseV2 struct {
	manifestCase
	FormatVersion int `json:"format_version"`
}

// v2CorpusFiles lists conformance/v2/<kind>/<dir>/*.mmstats; none is a failure.
func v2CorpusFiles(t *testing.T, kind string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "conformance", "v2", kind, "*", "*.mmstats"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no version 2 %s corpus files (%v)", kind, err)
	}
	return files
}

func v2CaseID(t *testing.T, path string) string {
	rel, err := filepath.Rel(filepath.Join(repoRoot(t), "conformance"), path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(filepath.ToSlash(rel), ".mmstats")
}

// Every valid version 2 file decodes, from bytes and from the path, to its
// .json by value, and the validator finds nothing in it.
func TestV2ValidCorpus(t *testing.T) {
	manifest := v2Manifest(t)
	topics := map[string]bool{}
	for _, path := range v2CorpusFiles(t, "valid") {
		id := v2CaseID(t, path)
		topics[filepath.Base(filepath.Dir(path))] = true
		t.Run(id, func(t *testing.T) {
			if _, ok := manifest[id]; !ok {
				t.Fatalf("%s is not in the manifest", id)
			}
			want, err := os.ReadFile(strings.TrimSuffix(path, ".mmstats") + ".json")
			if err != nil {
				t.Fatalf("missing expectation: %v", err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			fromBytes, err := DecodeFile(data)
			if err != nil {
				t.Fatalf("DecodeFile: %v", err)
			}
			fromPath, err := ReadFile(path, DefaultMaxSize)
			if err != nil {
				t.Fatalf("ReadFile: %v", err)
			}
			for _, f := range []*File{fromBytes, fromPath} {
				if f.Version != 2 || f.V2 == nil {
					t.Fatalf("decoded as version %d", f.Version)
				}
				if d := canonicalDiff(want, AppendCanonicalFile(nil, path, f)); len(d) > 0 {
					t.Fatalf("%s", strings.Join(d, "\n"))
				}
			}
			problems, err := Validate(path, DefaultMaxSize)
			if err != nil || len(problems) != 0 {
				t.Fatalf("Validate: %v %v", problems, err)
			}
		})
	}
	for _, topic := range []string{"spec", "kinds", "numbers", "units", "attributes", "text", "slots", "runtime",
		"capacity", "seqlock", "skip", "lifecycle"} {
		if !topics[topic] {
			t.Errorf("no valid version 2 case of topic %s", topic)
		}
	}
}

// Every invalid version 2 file gives its directory's code at the manifest's
// offset, as the reader's error and as the validator's first problem.
func TestV2InvalidCorpus(t *testing.T) {
	manifest := v2Manifest(t)
	for _, path := range v2CorpusFiles(t, "invalid") {
		id := v2CaseID(t, path)
		code := filepath.Base(filepath.Dir(path))
		t.Run(id, func(t *testing.T) {
			c, ok := manifest[id]
			if !ok {
				t.Fatalf("%s is not in the manifest", id)
			}
			var want codeAt
			if err := json.Unmarshal(c.Expect, &want); err != nil {
				t.Fatal(err)
			}
			if want.Code != code {
				t.Fatalf("manifest says %s, the directory %s", want.Code, code)
			}
			maxSize := int64(DefaultMaxSize)
			if c.Options.MaxSize > 0 {
				maxSize = c.Options.MaxSize
			}
			_, err := ReadFile(path, maxSize)
			var fe *FormatError
			if !errors.As(err, &fe) || (codeAt{fe.Code, fe.Offset}) != want {
				t.Fatalf("reader: want %s at %d, got %v", want.Code, want.Offset, err)
			}
			if fe.Path != path {
				t.Fatalf("the error names %q, not the file", fe.Path)
			}
			problems, err := Validate(path, maxSize)
			if err != nil || len(problems) == 0 || (codeAt{problems[0].Code, problems[0].Offset}) != want {
				t.Fatalf("validator: want %s at %d first, got %v %v", want.Code, want.Offset, problems, err)
			}
		})
	}
	// Every case the manifest lists has its file: a missing fixture fails.
	for id, c := range manifest {
		if _, err := os.Stat(filepath.Join(repoRoot(t), "conformance", c.Path)); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
}

// Every valid version 2 file cut at every byte gives a clean error: not_ready
// for nothing, bad_file_size at the cut otherwise (every corpus file is one
// page, so no cut leaves a whole page).
func TestV2EveryTruncationIsACleanError(t *testing.T) {
	for _, path := range v2CorpusFiles(t, "valid") {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) != PageSize {
			t.Fatalf("%s: %d bytes; this test expects one page", path, len(data))
		}
		for n := 0; n < len(data); n++ {
			cut := data[:n:n] // capacity n: reading past the cut would panic
			_, err := DecodeFile(cut)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("%s cut at %d: %v", path, n, err)
			}
			want := codeAt{CodeBadFileSize, int64(n)}
			if n == 0 {
				want = codeAt{CodeNotReady, 0}
			}
			if (codeAt{fe.Code, fe.Offset}) != want {
				t.Fatalf("%s cut at %d: want %v, got %v", path, n, want, fe)
			}
		}
	}
}

// basicV2 is the spec's first example (conformance/v2/valid/spec/basic): entry 0
// at 128 (a u64 counter, name at 160), entry 2 a string whose length word is at 400.
func basicV2(t *testing.T) []byte {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "conformance", "v2", "valid", "spec", "basic.mmstats"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The validator keeps the spec's walk order (here not the offset order), goes
// on after a problem that is not structural, and the reader reports the first.
func TestV2ProblemsInWalkOrder(t *testing.T) {
	data := basicV2(t)
	data[160] = 0xff // first byte of the name "http.requests"
	data[133] = vtUTF8
	data[400] = 100 // the string's length, over its capacity of 16
	_, errs := Scan(data)
	want := []codeAt{{CodeBadUTF8, 160}, {CodeBadValueType, 133}, {CodeBadStringLength, 400}}
	if len(errs) != len(want) {
		t.Fatalf("want %v, got %v", want, errs)
	}
	for i := range want {
		if (codeAt{errs[i].Code, errs[i].Offset}) != want[i] {
			t.Fatalf("problem %d: want %v, got %v", i, want[i], errs[i])
		}
	}
	_, err := DecodeFile(data)
	var fe *FormatError
	if !errors.As(err, &fe) || (codeAt{fe.Code, fe.Offset}) != want[0] {
		t.Fatalf("reader: want %v, got %v", want[0], err)
	}
}

// The version 1 entry points refuse a version 2 file instead of returning nothing.
func TestV2ThroughVersion1EntryPoints(t *testing.T) {
	if _, err := Decode(basicV2(t)); !errors.Is(err, ErrVersion2) {
		t.Fatalf("Decode: %v", err)
	}
	path := filepath.Join(repoRoot(t), "conformance", "v2", "valid", "spec", "basic.mmstats")
	if _, err := Read(path, DefaultMaxSize); !errors.Is(err, ErrVersion2) {
		t.Fatalf("Read: %v", err)
	}
}

// A version 2 byte with another magic is what a version 1 reader says of it.
func TestV2WrongMagicIsBadVersion(t *testing.T) {
	data := basicV2(t)
	data[7] = 'X'
	_, err := DecodeFile(data)
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Code != CodeBadVersion || fe.Offset != 0 {
		t.Fatalf("got %v", err)
	}
}
