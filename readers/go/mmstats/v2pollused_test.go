package mmstats

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// bigV2 writes conformance/v2/writer-scenarios/every-kind.json with the Go
// writer, at capacities as large as a default file's, and returns its bytes:
// most of the file is unused capacity.
func bigV2(t testing.TB) []byte {
	root := repoRoot(t)
	raw, err := os.ReadFile(filepath.Join(root, "conformance", "v2", "writer-scenarios", "every-kind.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sc map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // numbers past 2^53 kept exactly
	if err := dec.Decode(&sc); err != nil {
		t.Fatal(err)
	}
	sc["capacities"] = map[string]int{"meta_capacity": 64 << 10, "process_capacity": 16 << 10,
		"slot_size": 4 << 10, "slot_count": 64}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "big.json"), filepath.Join(dir, "big.mmstats")
	raw, _ = json.Marshal(sc)
	if err := os.WriteFile(in, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", "./cmd/mmstats-go-write", in, out)
	cmd.Dir = filepath.Join(root, "writers", "go")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the Go writer: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// usedStep changes a file the way writers and readers may meet it: values set
// in place (in every slot, used or not), a published entry more, a slot more
// taking part, header words a writer changes, or garbage written where no value, entry or header lies.
type usedStep struct {
	rng    *rand.Rand
	data   []byte
	all    []v2Layout // every entry the writer wrote; field_count publishes a prefix
	unused [][2]int   // ranges holding nothing a reader decodes at any field_count and slots_used
}

func (s *usedStep) setValues(l *v2Layout, slot int) {
	at := l.at + slot*l.stride
	if l.stride == 0 && slot > 0 {
		return
	}
	switch {
	case l.kind == kindHistogram:
		le.PutUint64(s.data[at+v2HistSum:], math.Float64bits(float64(s.rng.Intn(1000))/4))
		for i := 0; i <= len(l.bounds); i++ {
			le.PutUint64(s.data[at+v2HistBuckets+v2Word*i:], s.rng.Uint64())
		}
		le.PutUint64(s.data[at+v2Seq:], 2*uint64(s.rng.Intn(100)))
	case l.vtype == vtUTF8:
		n := s.rng.Intn(l.size - v2ValueHeader + 1)
		for i := 0; i < n; i++ {
			s.data[at+v2StringText+i] = byte('a' + s.rng.Intn(26))
		}
		le.PutUint32(s.data[at+v2StringLength:], uint32(n))
		le.PutUint64(s.data[at+v2Seq:], 2*uint64(s.rng.Intn(100)))
	case l.vtype == vtF64:
		le.PutUint64(s.data[at:], math.Float64bits(float64(s.rng.Intn(1<<20))/8))
	default:
		le.PutUint64(s.data[at:], s.rng.Uint64())
	}
}

func (s *usedStep) step() {
	slots := get32(s.data, h2SlotCount)
	switch s.rng.Intn(6) {
	case 5:
		le.PutUint64(s.data[h2HeartbeatUnixNs:], s.rng.Uint64())
		le.PutUint32(s.data[h2OverflowCount:], s.rng.Uint32())
	case 0, 1:
		l := &s.all[s.rng.Intn(len(s.all))]
		s.setValues(l, s.rng.Intn(slots))
	case 2:
		if n := get32(s.data, h2FieldCount); n < len(s.all) {
			le.PutUint32(s.data[h2FieldCount:], uint32(n+1))
		}
	case 3:
		if n := get32(s.data, h2SlotsUsed); n < slots {
			le.PutUint32(s.data[h2SlotsUsed:], uint32(n+1))
		}
	case 4:
		r := s.unused[s.rng.Intn(len(s.unused))]
		at := r[0] + s.rng.Intn(r[1]-r[0])
		s.data[at] = byte(s.rng.Intn(256))
	}
}

// unusedRanges: the metadata capacity after the last entry, the process area
// after its last value, and in every slot the bytes after its last value.
func unusedRanges(data []byte, all []v2Layout, entriesEnd int) [][2]int {
	meta, metaCap := get32(data, h2MetaOffset), get32(data, h2MetaCapacity)
	proc, procCap := get32(data, h2ProcessOffset), get32(data, h2ProcessCapacity)
	slotsAt, slotSize, slots := get32(data, h2SlotsOffset), get32(data, h2SlotSize), get32(data, h2SlotCount)
	procEnd, slotEnd := proc, slotsAt
	for _, l := range all {
		if l.stride == 0 {
			procEnd = max(procEnd, l.at+l.size)
		} else {
			slotEnd = max(slotEnd, l.at+l.size)
		}
	}
	out := [][2]int{{entriesEnd, meta + metaCap}, {procEnd, proc + procCap}}
	for k := 0; k < slots; k++ {
		out = append(out, [2]int{slotEnd + k*slotSize, slotsAt + (k+1)*slotSize})
	}
	return out
}

// Over many random steps a poll that copies only the used bytes gives what a
// decode of the whole file gives; garbage in unused capacity changes nothing
// and never reaches copy B (the poll did not copy it).
func TestPollerV2CopiesOnlyUsedBytes(t *testing.T) {
	data := bigV2(t)
	sc := scan(data)
	if len(sc.errs) > 0 || sc.v2 == nil {
		t.Fatalf("the writer's file: %v", sc.errs)
	}
	if len(data) < 300<<10 {
		t.Fatalf("want a file of mostly unused capacity, got %d bytes", len(data))
	}
	all, entriesEnd := sc.v2.fields, sc.v2.next
	le.PutUint32(data[h2State:], v2StateReady) // a live writer: sequences are followed
	le.PutUint32(data[h2FieldCount:], 2)       // the rest are published as the steps go
	s := &usedStep{rng: rand.New(rand.NewSource(1)), data: data, all: all,
		unused: unusedRanges(data, all, entriesEnd)}
	path := filepath.Join(t.TempDir(), "big.mmstats")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	p := NewPollerV2(path, DefaultMaxSize)
	defer p.Close()
	garbage := 0
	for i := 0; i < 3000; i++ {
		if i > 0 {
			for k := s.rng.Intn(4); k >= 0; k-- {
				s.step()
			}
			rewrite(t, path, data)
		}
		got := pollOK(t, p)
		want, err := DecodeFile(data)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, want.V2) {
			t.Fatalf("step %d: the poll differs from a whole-file decode\npoll: %+v\nfile: %+v", i, got, want.V2)
		}
		for _, r := range s.unused {
			for at := r[0]; at < r[1]; at++ {
				if data[at] != 0 && p.b[at] != data[at] {
					garbage++
				}
			}
		}
	}
	if garbage == 0 {
		t.Fatal("no garbage byte was left uncopied: the poll copies the whole file")
	}
	if got := get32(data, h2FieldCount); got != len(all) {
		t.Fatalf("the steps published %d of %d fields; take more steps", got, len(all))
	}
}
