package mmstats

import (
	"encoding/binary"
	"errors"
	"math/rand"
	"os"
	"testing"
)

// The compiled layout reads the same values as a fresh Decode, also after
// the values (and write buffers) change under it.
func TestCompiledLayoutAgreesWithDecode(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, path := range interopFiles(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		layouts, errs := Scan(data)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		c := Compile(data[0], layouts)
		var vals []Value
		for round := 0; round < 20; round++ {
			if round > 0 { // scribble over value areas and flip write buffers, as a writer would
				for _, f := range layouts {
					if f.Buffered {
						data[f.WriteBufferOffset] = byte(rng.Intn(2))
					}
					for i := f.ValueOffset; i < f.End(); i++ {
						data[i] = byte(rng.Intn(256))
					}
				}
			}
			want, err := Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			vals, err = c.Values(data, vals)
			if err != nil {
				t.Fatal(err)
			}
			if len(vals) != len(want) {
				t.Fatalf("%s: %d values, %d fields", path, len(vals), len(want))
			}
			for i := range want {
				if !vals[i].Equal(want[i].Value) {
					t.Fatalf("%s round %d field %s: compiled %v, decoded %v", path, round, want[i].Label, vals[i].Interface(), want[i].Value.Interface())
				}
			}
		}
	}
}

func TestCompiledLayoutRejectsABadWriteBufferAndAShortBuffer(t *testing.T) {
	data := page(cat([]byte{1}, good))
	layouts, _ := Scan(data)
	c := Compile(1, layouts)
	data[10] = 7
	var fe *FormatError
	if _, err := c.Values(data, nil); !errors.As(err, &fe) || fe.Code != CodeBadWriteBuffer || fe.Offset != 10 {
		t.Fatalf("want bad_write_buffer at 10, got %v", err)
	}
	data[10] = 0
	if _, err := c.Values(data[:26], nil); !errors.As(err, &fe) || fe.Code != CodePastEOF || fe.Offset != 26 {
		t.Fatalf("want past_eof at 26, got %v", err)
	}
	if c.Size != 27 {
		t.Fatalf("layout size %d, want 27", c.Size)
	}
}

func TestStatsReaderFollowsUpdatesAndReplacedFiles(t *testing.T) {
	data := page(cat([]byte{1}, rec("hits", "Q", 0, cat(u64(0), u64(0))), rec("name", "4s", 0xff, []byte("ab\x00\x00"))))
	p := writeTemp(t, data)
	r := NewStatsReader(p, DefaultMaxSize)
	defer r.Close()
	vals, err := r.Read()
	if err != nil || len(vals) != 2 || vals[0].Uint() != 0 || vals[1].Str() != "ab" {
		t.Fatalf("first read: %v %v", vals, err)
	}
	// A writer update: store value[wb] (value[0] at 11), then flip wb (byte 10) to 1.
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(binary.LittleEndian.AppendUint64(nil, 42), 11)
	f.WriteAt([]byte{1}, 10)
	f.Close()
	if vals, err = r.Read(); err != nil || vals[0].Uint() != 42 {
		t.Fatalf("after an update: %v %v", vals, err)
	}
	// Another file renamed over the path: the layout is parsed again.
	other := writeTemp(t, page(cat([]byte{1}, rec("x", "?", 0xff, []byte{1}))))
	if err := os.Rename(other, p); err != nil {
		t.Fatal(err)
	}
	if vals, err = r.Read(); err != nil || len(vals) != 1 || !vals[0].Bool() {
		t.Fatalf("after replacing the file: %v %v", vals, err)
	}
	if lay, err := r.Layout(); err != nil || lay.Fields[0].Label != "x" {
		t.Fatalf("layout: %v %v", lay, err)
	}
	// Truncated in place to a half-written state: a clean error, then recovery.
	if err := os.Truncate(p, 0); err != nil {
		t.Fatal(err)
	}
	var fe *FormatError
	if _, err = r.Read(); !errors.As(err, &fe) || fe.Code != CodeNotReady {
		t.Fatalf("after truncation: want not_ready, got %v", err)
	}
	os.WriteFile(p, data, 0o644)
	if vals, err = r.Read(); err != nil || len(vals) != 2 {
		t.Fatalf("after rewriting: %v %v", vals, err)
	}
	os.Remove(p)
	if _, err = r.Read(); err == nil {
		t.Fatal("a removed file must give an error")
	}
}
