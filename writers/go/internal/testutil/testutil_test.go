package testutil

import "testing"

// The rows of the spec's "Comparing canonical forms" table.
func TestSameCanonicalFollowsTheSpecTable(t *testing.T) {
	rows := []struct {
		typ, want, got string
		equal          bool
	}{
		{"d", `0.1`, `0.1000`, true},
		{"d", `100`, `1e2`, true},
		{"d", `1`, `1.0`, true},
		{"d", `-0.0`, `0.0`, false},
		{"f", `"NaN"`, `"NaN"`, true},
		{"f", `0.10000000149011612`, `0.1`, false},
		{"d", `"NaN"`, `null`, false},
		{"Q", `18446744073709551615`, `18446744073709551615`, true},
		{"Q", `1`, `1.0`, false},
		{"i", `-5`, `-5`, true},
		{"?", `true`, `1`, false},
		{"8s", `"abc"`, `"abc\u0000"`, false},
		{"8s", `"é"`, `"\u00e9"`, true},
	}
	doc := func(typ, value string) []byte {
		return []byte(`{"path": "x", "format_version": 1, "fields": [{"label": "a", "type": "` + typ +
			`", "buffered": false, "value": ` + value + `}]}`)
	}
	for _, r := range rows {
		err := SameCanonical(doc(r.typ, r.want), doc(r.typ, r.got))
		if (err == nil) != r.equal {
			t.Errorf("%s %s vs %s: equal=%v, want %v (%v)", r.typ, r.want, r.got, err == nil, r.equal, err)
		}
	}
	base := `{"path": "x", "format_version": 1, "fields": [{"label": "a", "type": "B", "buffered": false, "value": 1}]}`
	for _, other := range []string{
		`{"path": "y", "format_version": 2, "fields": [{"label": "a", "type": "B", "buffered": false, "value": 1}]}`,
		`{"path": "y", "format_version": 1, "fields": [{"label": "b", "type": "B", "buffered": false, "value": 1}]}`,
		`{"path": "y", "format_version": 1, "fields": [{"label": "a", "type": "B", "buffered": true, "value": 1}]}`,
		`{"path": "y", "format_version": 1, "fields": []}`,
	} {
		if SameCanonical([]byte(base), []byte(other)) == nil {
			t.Errorf("%s equals %s", base, other)
		}
	}
	if err := SameCanonical([]byte(base), []byte(base)); err != nil {
		t.Error(err)
	}
}
