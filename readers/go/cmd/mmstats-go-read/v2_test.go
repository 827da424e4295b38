package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// A version 2 file: the spec's first example, whose values the spec's hex dump
// states (a u64 counter 5 + 12 in two slots, an i64 gauge -3, a string "idle").
func TestVersion2FilePrintsItsCanonicalJSON(t *testing.T) {
	p := filepath.Join("..", "..", "..", "..", "conformance", "v2", "valid", "spec", "basic.mmstats")
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{p}, &out, &errOut); code != 0 || errOut.Len() != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	var got struct {
		FormatVersion int    `json:"format_version"`
		State         string `json:"state"`
		Pid           uint64 `json:"pid"`
		Fields        []struct {
			Label, Kind, Type, Unit string
			Attributes              map[string]string
			Value                   any
		}
	}
	d := json.NewDecoder(&out)
	d.UseNumber()
	if err := d.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.FormatVersion != 2 || got.State != "ready" || got.Pid != 31337 || len(got.Fields) != 3 {
		t.Fatalf("got %+v", got)
	}
	f0, f1, f2 := got.Fields[0], got.Fields[1], got.Fields[2]
	if f0.Label != "http.requests" || f0.Kind != "counter" || f0.Type != "u64" || f0.Unit != "{request}" ||
		f0.Attributes["status"] != "2xx" || f0.Value != json.Number("17") {
		t.Fatalf("field 0: %+v", f0)
	}
	if f1.Kind != "gauge" || f1.Value != json.Number("-3") || f2.Kind != "string" || f2.Value != "idle" {
		t.Fatalf("fields 1 and 2: %+v %+v", f1, f2)
	}
}
