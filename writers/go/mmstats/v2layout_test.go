package mmstats

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// The offsets and codes of v2layout.go equal the schema's (mmstats_format.v2.derived, computed
// from mmstats_format/schema_v2.py by construct), so the hot paths never run the schema and
// cannot drift from it.
func TestV2LayoutEqualsTheSchema(t *testing.T) {
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	python := filepath.Join(root, ".venv", "bin", "python")
	if _, err := os.Stat(python); err != nil {
		t.Fatalf("no Python: %v (run `make setup` in the repository root)", err)
	}
	ours := map[string]int{
		"FORMAT_VERSION": v2FormatVersion, "MINOR": v2Minor, "PAGE_SIZE": v2PageSize, "ALIGN": v2Align,
		"UNIT_MAX": v2UnitMax, "HEADER_SIZE": v2HeaderSize, "ENTRY_FIXED_SIZE": v2EntryFixedSize,
		"H_VERSION": hVersion, "H_MAGIC": hMagic, "H_MINOR": hMinor, "H_HEADER_SIZE": hHeaderSize,
		"H_STATE": hState, "H_PID": hPid, "H_START_TICKS": hStartTicks, "H_CREATED_UNIX_NS": hCreatedUnixNs,
		"H_HEARTBEAT_UNIX_NS": hHeartbeatUnixNs, "H_HEARTBEAT_INTERVAL_MS": hHeartbeatIntervalMs,
		"H_ENTRY_FIXED_SIZE": hEntryFixedSize, "H_FLAGS": hFlags, "H_META_OFFSET": hMetaOffset,
		"H_META_CAPACITY": hMetaCapacity, "H_PROCESS_OFFSET": hProcessOffset,
		"H_PROCESS_CAPACITY": hProcessCapacity, "H_SLOTS_OFFSET": hSlotsOffset, "H_SLOT_SIZE": hSlotSize,
		"H_SLOT_COUNT": hSlotCount, "H_SLOTS_USED": hSlotsUsed, "H_FIELD_COUNT": hFieldCount,
		"H_OVERFLOW_COUNT": hOverflowCount, "H_RESERVED": hReserved,
		"E_ENTRY_SIZE": eEntrySize, "E_KIND": eKind, "E_VALUE_TYPE": eValueType, "E_FLAGS": eFlags,
		"E_VALUE_OFFSET": eValueOffset, "E_VALUE_SIZE": eValueSize, "E_NAME_SIZE": eNameSize,
		"E_UNIT_SIZE": eUnitSize, "E_HELP_SIZE": eHelpSize, "E_ATTRIBUTES_SIZE": eAttributesSize,
		"E_EXTRA_SIZE": eExtraSize, "E_RESERVED": eReserved, "ATTR_SIZE_SIZE": attrSizeSize,
		"S_SEQ": sSeq, "S_LENGTH": sLength, "S_RESERVED": sReserved, "STRING_HEADER_SIZE": stringHeaderSize,
		"HG_SEQ": hgSeq, "HG_SUM": hgSum, "HG_BUCKETS": hgBuckets, "HISTOGRAM_HEADER_SIZE": histogramHeaderSize,
		"SCALAR_SIZE": scalarSize, "STATE_CREATING": stateCreating, "STATE_READY": stateReady,
		"STATE_CLOSED": stateClosed, "KIND_COUNTER": kindCounter, "KIND_GAUGE": kindGauge,
		"KIND_UPDOWN_COUNTER": kindUpDownCounter, "KIND_CONSTANT": kindConstant, "KIND_STRING": kindString,
		"KIND_HISTOGRAM": kindHistogram, "VALUETYPE_U64": typeU64, "VALUETYPE_I64": typeI64,
		"VALUETYPE_F64": typeF64, "VALUETYPE_UTF8": typeUTF8,
	}
	script := `import json, sys
from mmstats_format.v2 import derived as d
names = json.load(sys.stdin)
out = {n: getattr(d, n) for n in names}
out["MAGIC"] = d.MAGIC.decode()
out["SLOTTED"] = sorted(k for k, v in d.KINDS.items() if v[1] == "slots")
print(json.dumps(out))`
	names, _ := json.Marshal(keys(ours))
	cmd := exec.Command(python, "-c", script)
	cmd.Dir = root
	cmd.Stdin = bytesReader(names)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	var theirs map[string]any
	if err := json.Unmarshal(out, &theirs); err != nil {
		t.Fatal(err)
	}
	for name, v := range ours {
		if got, ok := theirs[name].(float64); !ok || int(got) != v {
			t.Errorf("%s: schema %v, here %d", name, theirs[name], v)
		}
	}
	if theirs["MAGIC"] != v2Magic {
		t.Errorf("MAGIC: schema %v, here %q", theirs["MAGIC"], v2Magic)
	}
	var slottedKinds []any
	for k := 0; k < 256; k++ {
		if slotted(uint8(k)) {
			slottedKinds = append(slottedKinds, float64(k))
		}
	}
	if s, _ := json.Marshal(slottedKinds); string(s) != mustJSON(theirs["SLOTTED"]) {
		t.Errorf("slotted kinds: schema %v, here %s", theirs["SLOTTED"], s)
	}
}

func keys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
