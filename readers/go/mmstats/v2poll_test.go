package mmstats

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// In basicV2 the metadata region ends at 384 and its three entries at 336;
// the process area starts at 384 and holds values up to 40; http.requests has
// its slot 1 copy at 576.
const (
	basicNextEntry   = 336
	basicProcess     = 384
	basicFreeValue   = 40
	basicSlot1Copy   = 576
	basicFirstName   = 160
	newGaugeEntrySz  = 40 // 32 fixed + "new" + padding
	newGaugeValueOff = basicProcess + basicFreeValue
)

// appendGauge publishes a u64 gauge "new" = v the way a writer adds a field at
// run time: the entry and the value first, then field_count + 1.
func appendGauge(data []byte, v uint64) {
	e := basicNextEntry
	le.PutUint32(data[e+e2EntrySize:], newGaugeEntrySz)
	data[e+e2Kind], data[e+e2ValueType] = 2, vtU64
	le.PutUint32(data[e+e2ValueOffset:], basicFreeValue)
	le.PutUint32(data[e+e2ValueSize:], v2Word)
	le.PutUint16(data[e+e2NameSize:], 3)
	copy(data[e+v2EntryFixedSize:], "new")
	le.PutUint64(data[newGaugeValueOff:], v)
	le.PutUint32(data[h2FieldCount:], uint32(get32(data, h2FieldCount)+1))
}

func pollOK(t *testing.T, p *PollerV2) *FileV2 {
	t.Helper()
	f, err := p.Read()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func rewrite(t *testing.T, path string, data []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0) // in place: same inode, same size
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(data, 0); err != nil {
		t.Fatal(err)
	}
}

// A field appended at run time is picked up, values follow the writer, and
// entries already parsed are never parsed again: an old entry spoiled after
// the first poll goes unnoticed until the file is parsed afresh.
func TestPollerV2PicksUpAppendedFieldsOnly(t *testing.T) {
	data := basicV2(t)
	path := filepath.Join(t.TempDir(), "basic.mmstats")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	p := NewPollerV2(path, DefaultMaxSize)
	defer p.Close()
	if f := pollOK(t, p); len(f.Fields) != 3 || f.Fields[0].Value.Uint() != 17 {
		t.Fatalf("first poll: %+v", f.Fields)
	}

	data[basicFirstName] = 0xff // a re-parse would report bad_utf8 here
	binary.LittleEndian.PutUint64(data[basicSlot1Copy:], 30)
	appendGauge(data, 99)
	rewrite(t, path, data)
	f := pollOK(t, p)
	if len(f.Fields) != 4 || f.Fields[3].Label != "new" || f.Fields[3].Value.Uint() != 99 {
		t.Fatalf("second poll: %+v", f.Fields)
	}
	if f.Fields[0].Label != "http.requests" || f.Fields[0].Value.Uint() != 5+30 {
		t.Fatalf("the old entry was parsed again or its value not re-read: %+v", f.Fields[0])
	}

	data[h2Pid]++ // another writer's file: parsed afresh, so the spoiled name is found
	rewrite(t, path, data)
	_, err := p.Read()
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Code != CodeBadUTF8 || fe.Offset != basicFirstName || fe.Path != path {
		t.Fatalf("want bad_utf8 at %d naming the file, got %v", basicFirstName, err)
	}
}

// A new entry with a problem is reported when it is published.
func TestPollerV2ReportsAProblemOfANewEntry(t *testing.T) {
	data := basicV2(t)
	path := filepath.Join(t.TempDir(), "basic.mmstats")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	p := NewPollerV2(path, DefaultMaxSize)
	defer p.Close()
	pollOK(t, p)
	appendGauge(data, 1)
	le.PutUint16(data[basicNextEntry+e2NameSize:], 0)
	rewrite(t, path, data)
	_, err := p.Read()
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Code != CodeBadName || fe.Offset != basicNextEntry+e2NameSize {
		t.Fatalf("want bad_name at %d, got %v", basicNextEntry+e2NameSize, err)
	}
}

// The version 1 poller refuses a version 2 file instead of returning no values.
func TestStatsReaderRefusesVersion2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "basic.mmstats")
	if err := os.WriteFile(path, basicV2(t), 0o644); err != nil {
		t.Fatal(err)
	}
	r := NewStatsReader(path, DefaultMaxSize)
	defer r.Close()
	if _, err := r.Read(); !errors.Is(err, ErrVersion2) {
		t.Fatalf("got %v", err)
	}
}
