package mmstats

import (
	"os"
	"strings"
	"testing"
)

// Every file the original 0.8 library wrote decodes to the JSON its reader returned.
func TestInteropCorpusDecodesToItsJSON(t *testing.T) {
	files := interopFiles(t)
	for _, path := range files {
		t.Run(strings.TrimPrefix(path, interopDir(t)+"/"), func(t *testing.T) {
			want, err := os.ReadFile(strings.TrimSuffix(path, ".mmstats") + ".json")
			if err != nil {
				t.Fatal(err)
			}
			fields, err := Read(path, DefaultMaxSize)
			if err != nil {
				t.Fatal(err)
			}
			got := AppendCanonical(nil, path, fields)
			if diff := canonicalDiff(want, got); len(diff) > 0 {
				t.Fatalf("%d differences:\n%s", len(diff), strings.Join(diff, "\n"))
			}
		})
	}
	if len(files) < 40 {
		t.Errorf("expected both folders of the corpus (40 files), found %d", len(files))
	}
}

func TestCanonicalDiffFindsWrongValues(t *testing.T) {
	want := []byte(`{"path": "a", "format_version": 1, "fields": [
		{"label": "i", "type": "Q", "buffered": true, "value": 18446744073709551615},
		{"label": "z", "type": "d", "buffered": false, "value": -0.0},
		{"label": "n", "type": "f", "buffered": false, "value": "NaN"},
		{"label": "s", "type": "3s", "buffered": false, "value": "abc"}]}`)
	same := []byte(`{"path": "b", "format_version": 1, "fields": [
		{"label": "i", "type": "Q", "buffered": true, "value": 18446744073709551615},
		{"label": "z", "type": "d", "buffered": false, "value": -0.000},
		{"label": "n", "type": "f", "buffered": false, "value": "NaN"},
		{"label": "s", "type": "3s", "buffered": false, "value": "abc"}]}`)
	if d := canonicalDiff(want, same); len(d) != 0 {
		t.Fatalf("equal objects differ: %v", d)
	}
	wrong := []byte(`{"path": "a", "format_version": 1, "fields": [
		{"label": "i", "type": "Q", "buffered": false, "value": 18446744073709551614},
		{"label": "z", "type": "d", "buffered": false, "value": 0.0},
		{"label": "n", "type": "f", "buffered": false, "value": 0},
		{"label": "s", "type": "3s", "buffered": false, "value": "abd"}]}`)
	if d := canonicalDiff(want, wrong); len(d) != 5 {
		t.Fatalf("want 5 differences (buffered, 4 values), got %d: %v", len(d), d)
	}
	intAsFloat := []byte(`{"format_version": 1, "fields": [{"label": "i", "type": "Q", "buffered": true, "value": 1.8446744073709552e19}]}`)
	if d := canonicalDiff(want, intAsFloat); len(d) < 2 {
		t.Fatalf("an integer written as a float must differ: %v", d)
	}
}
