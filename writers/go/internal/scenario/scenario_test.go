package scenario_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mmstats.dev/writers/go/internal/scenario"
	"mmstats.dev/writers/go/internal/testutil"
	"mmstats.dev/writers/go/mmstats"
)

// Every writer scenario of the corpus: the image byte for byte where the corpus has one, and
// the decoded form, read by the Go reader and by the Python reader, equal to its expect.
func TestEveryWriterScenario(t *testing.T) {
	dir := testutil.Conformance(t, "writer-scenarios")
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(paths) < 15 {
		t.Fatalf("want the corpus's 15 or more scenarios in %s, found %d (%v)", dir, len(paths), err)
	}
	images := 0
	for _, p := range paths {
		sc, err := scenario.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(sc.ID, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), sc.ID+".mmstats")
			if err := sc.Write(out); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if sc.ExpectImage != "" {
				want, err := os.ReadFile(filepath.Join(dir, sc.ExpectImage))
				if err != nil {
					t.Fatalf("missing fixture: %v", err)
				}
				if at := testutil.FirstDifference(want, got); at >= 0 {
					t.Fatalf("image differs from %s at offset %d (%d and %d bytes)", sc.ExpectImage, at, len(want), len(got))
				}
				images++
			}
			if err := testutil.SameCanonical(sc.Expect, testutil.ReadGo(t, out)); err != nil {
				t.Errorf("Go reader: %v", err)
			}
			if err := testutil.SameCanonical(sc.Expect, testutil.ReadPython(t, out)); err != nil {
				t.Errorf("Python reader: %v", err)
			}
		})
	}
	if images < 14 {
		t.Errorf("compared %d images, want the corpus's 14", images)
	}
}

// A scenario with a bad field or update is refused before anything is created.
func TestBadScenarioCreatesNothing(t *testing.T) {
	cases := map[string]string{
		"unknown type":    `{"fields": [{"label": "a", "type": "l", "buffered": false}], "updates": []}`,
		"leading zero":    `{"fields": [{"label": "a", "type": "05s", "buffered": false}], "updates": []}`,
		"no such field":   `{"fields": [{"label": "a", "type": "B", "buffered": false}], "updates": [{"field": "b", "value": 1}]}`,
		"float into int":  `{"fields": [{"label": "a", "type": "B", "buffered": false}], "updates": [{"field": "a", "value": 1.5}]}`,
		"text into float": `{"fields": [{"label": "a", "type": "d", "buffered": false}], "updates": [{"field": "a", "value": "1"}]}`,
		"int into bool":   `{"fields": [{"label": "a", "type": "?", "buffered": false}], "updates": [{"field": "a", "value": 1}]}`,
		"number as text":  `{"fields": [{"label": "a", "type": "4s", "buffered": false}], "updates": [{"field": "a", "value": 4}]}`,
		"label twice":     `{"fields": [{"label": "a", "type": "B", "buffered": false}, {"label": "a", "type": "B", "buffered": false}], "updates": []}`,
		"empty label":     `{"fields": [{"label": "", "type": "B", "buffered": false}], "updates": []}`,
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "s.json")
			out := filepath.Join(dir, "out.mmstats")
			if err := os.WriteFile(in, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			sc, err := scenario.Load(in)
			if err != nil {
				t.Fatal(err)
			}
			if err := sc.Write(out); err == nil {
				t.Fatal("accepted")
			}
			if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("left %s behind (%v)", out, err)
			}
		})
	}
}

// OUT that exists is never touched, even when it is not an mmstats file.
func TestExistingOutputIsKept(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.mmstats")
	if err := os.WriteFile(out, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	sc := &scenario.Scenario{Fields: []scenario.FieldSpec{{Label: "a", Type: "B"}}}
	err := sc.Write(out)
	if !errors.Is(err, mmstats.ErrExists) {
		t.Fatalf("want ErrExists, got %v", err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, []byte("precious")) {
		t.Fatalf("OUT changed: %q", got)
	}
}

// A scenario that is not JSON, or not of the right shape, is refused with the byte offset.
func TestMalformedScenarioNamesTheOffset(t *testing.T) {
	for text, offset := range map[string]string{
		`{"fields": [}`:               "offset 12",
		`{"fields": {"a": 1}}`:        "offset 11",
		`{"updates": [{"field": 3}]}`: "offset 23",
	} {
		in := filepath.Join(t.TempDir(), "s.json")
		if err := os.WriteFile(in, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := scenario.Load(in)
		if err == nil || !strings.Contains(err.Error(), offset) {
			t.Errorf("%s: want %q in the error, got %v", text, offset, err)
		}
	}
}

// Every version 2 writer scenario through the command's code path, read back by the Go reader
// and by the Python reader and compared with the scenario's expect (identity keys aside).
func TestEveryV2WriterScenario(t *testing.T) {
	dir := testutil.Conformance(t, filepath.Join("v2", "writer-scenarios"))
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(paths) < 7 {
		t.Fatalf("want the corpus's 7 or more version 2 scenarios in %s, found %d (%v)", dir, len(paths), err)
	}
	for _, p := range paths {
		sc, err := scenario.LoadV2(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(sc.ID, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), sc.ID+".mmstats")
			if err := scenario.Run(p, out); err != nil {
				t.Fatal(err)
			}
			want := testutil.DecodeJSON(t, sc.Expect)
			if err := testutil.SameJSON(want, testutil.DecodeJSON(t, testutil.ReadGoV2(t, out))); err != nil {
				t.Errorf("Go reader: %v", err)
			}
			if err := testutil.SameJSON(want, testutil.DecodeJSON(t, testutil.ReadPython(t, out))); err != nil {
				t.Errorf("Python reader: %v", err)
			}
		})
	}
}

// A bad version 2 scenario leaves no file behind.
func TestBadV2ScenarioCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"unknown kind": `{"format_version": 2, "capacities": {}, "fields": [{"label": "a", "kind": "meter", "type": "u64"}], "updates": []}`,
		"bad value":    `{"format_version": 2, "capacities": {}, "fields": [{"label": "a", "kind": "counter", "type": "u64"}], "updates": [{"field": 0, "op": "add", "value": -1}]}`,
		"wrong op":     `{"format_version": 2, "capacities": {}, "fields": [{"label": "a", "kind": "counter", "type": "u64"}], "updates": [{"field": 0, "op": "set", "value": 1}]}`,
		"bad unit":     `{"format_version": 2, "capacities": {}, "fields": [{"label": "a", "kind": "counter", "type": "u64", "unit": "a b"}], "updates": []}`,
	} {
		t.Run(name, func(t *testing.T) {
			sc := filepath.Join(dir, "s.json")
			if err := os.WriteFile(sc, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out.mmstats")
			if err := scenario.Run(sc, out); err == nil {
				t.Fatal("no error")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Fatalf("left behind: %v", entries)
			}
		})
	}
}
