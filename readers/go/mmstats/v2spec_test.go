package mmstats

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// specTable returns the rows of the generated table NAME of spec/v2.md (the
// schema's own rendering), each as its trimmed cells with backquotes removed.
func specTable(t testing.TB, name string) [][]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "spec", "v2.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	begin := strings.Index(text, "<!-- BEGIN GENERATED "+name+" -->")
	end := strings.Index(text, "<!-- END GENERATED "+name+" -->")
	if begin < 0 || end < begin {
		t.Fatalf("spec/v2.md has no generated table %s", name)
	}
	var rows [][]string
	for i, line := range strings.Split(text[begin:end], "\n") {
		if !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "|---") || i <= 1 {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for j := range cells {
			cells[j] = strings.ReplaceAll(strings.TrimSpace(cells[j]), "`", "")
		}
		rows = append(rows, cells)
	}
	if len(rows) == 0 {
		t.Fatalf("table %s is empty", name)
	}
	return rows
}

// offsetsOf maps the name column to the numeric offset column, for rows with one.
func offsetsOf(t *testing.T, rows [][]string) map[string]int {
	out := map[string]int{}
	for _, r := range rows {
		if off, err := strconv.Atoi(r[0]); err == nil {
			out[r[2]] = off
		}
	}
	return out
}

// The Go offsets are the spec's: each constant against the generated tables.
func TestV2OffsetsMatchTheSpec(t *testing.T) {
	cases := []struct {
		table string
		want  map[string]int
	}{
		{"v2-header", map[string]int{
			"magic": h2Magic, "minor": h2Minor, "header_size": h2HeaderSize, "state": h2State, "pid": h2Pid,
			"start_ticks": h2StartTicks, "created_unix_ns": h2CreatedUnixNs, "heartbeat_unix_ns": h2HeartbeatUnixNs,
			"heartbeat_interval_ms": h2HeartbeatInterval, "entry_fixed_size": h2EntryFixedSize,
			"meta_offset": h2MetaOffset, "meta_capacity": h2MetaCapacity, "process_offset": h2ProcessOffset,
			"process_capacity": h2ProcessCapacity, "slots_offset": h2SlotsOffset, "slot_size": h2SlotSize,
			"slot_count": h2SlotCount, "slots_used": h2SlotsUsed, "field_count": h2FieldCount,
			"overflow_count": h2OverflowCount,
		}},
		{"v2-entry", map[string]int{
			"entry_size": e2EntrySize, "kind": e2Kind, "value_type": e2ValueType, "value_offset": e2ValueOffset,
			"value_size": e2ValueSize, "name_size": e2NameSize, "unit_size": e2UnitSize, "help_size": e2HelpSize,
			"attributes_size": e2AttributesSize, "extra_size": e2ExtraSize,
		}},
		{"v2-string", map[string]int{"seq": v2Seq, "length": v2StringLength, "text": v2StringText}},
		{"v2-histogram", map[string]int{"seq": v2Seq, "sum": v2HistSum, "buckets": v2HistBuckets}},
	}
	for _, c := range cases {
		got := offsetsOf(t, specTable(t, c.table))
		for name, off := range c.want {
			if spec, ok := got[name]; !ok || spec != off {
				t.Errorf("%s.%s: Go says %d, the spec %d (present %v)", c.table, name, off, spec, ok)
			}
		}
	}
	constants := map[string]int{"HEADER_SIZE": v2HeaderSize, "ENTRY_FIXED_SIZE": v2EntryFixedSize,
		"UNIT_MAX": v2UnitMax, "ALIGN": v2Align, "PAGE_SIZE": PageSize, "FORMAT_VERSION": v2Version}
	for _, r := range specTable(t, "v2-constants") {
		want, ok := constants[r[0]]
		if !ok {
			continue
		}
		if n, err := strconv.Atoi(strings.Fields(r[1])[0]); err != nil || n != want {
			t.Errorf("%s: Go says %d, the spec %q", r[0], want, r[1])
		}
		delete(constants, r[0])
	}
	if len(constants) > 0 {
		t.Errorf("not in the spec's constants: %v", constants)
	}
}

// The kinds and value types tables are the spec's.
func TestV2KindsMatchTheSpec(t *testing.T) {
	for _, r := range specTable(t, "v2-value-types") {
		code, err := strconv.Atoi(r[0])
		if err != nil {
			continue // "any other"
		}
		if v2TypeNames[byte(code)] != r[1] {
			t.Errorf("value type %d: Go says %q, the spec %q", code, v2TypeNames[byte(code)], r[1])
		}
	}
	seen := 0
	for _, r := range specTable(t, "v2-kinds") {
		code, err := strconv.Atoi(r[0])
		if err != nil {
			continue
		}
		seen++
		k, ok := v2Kinds[byte(code)]
		var types []string
		for _, x := range k.types {
			types = append(types, v2TypeNames[x])
		}
		if !ok || k.name != r[1] || k.slotted != (r[2] == "slots") || strings.Join(types, ", ") != r[3] {
			t.Errorf("kind %d: Go says %+v, the spec %v", code, k, r[:4])
		}
	}
	if seen != len(v2Kinds) {
		t.Errorf("the spec has %d kinds, Go %d", seen, len(v2Kinds))
	}
}

// Every error code of the spec's table is one this package can report.
func TestV2ErrorCodesMatchTheSpec(t *testing.T) {
	ours := []string{CodeNotReady, CodeBadVersion, CodeFileTooLarge, CodeBadFileSize, CodeBadHeaderSize,
		CodeBadState, CodeBadRegion, CodeBadCount, CodeBadEntrySize, CodeBadLengths, CodeBadName, CodeBadUTF8,
		CodeBadUnit, CodeBadAttributes, CodeBadValueType, CodeBadValueOffset, CodeBadValueSize, CodeBadHistogram,
		CodeBadStringLength}
	var spec []string
	for _, r := range specTable(t, "v2-errors") {
		spec = append(spec, r[0])
	}
	sort.Strings(ours)
	sort.Strings(spec)
	if strings.Join(ours, " ") != strings.Join(spec, " ") {
		t.Fatalf("Go codes %v, spec codes %v", ours, spec)
	}
}
