package mmstats

import (
	"bytes"
	"testing"
)

// Each byte of a word is changed alone: the neighbours (other records' bytes) stay as they were.
func TestByteCellTouchesOnlyItsByte(t *testing.T) {
	m := make([]byte, 4096)
	for off := 0; off < 12; off++ {
		for i := range m[:16] {
			m[i] = byte(0xa0 + i)
		}
		m[off] = 0
		want := append([]byte(nil), m[:16]...)
		b := newByteCell(m, off)
		if b.load() != 0 {
			t.Fatalf("offset %d: load %#x, want 0", off, b.load())
		}
		b.or(1)
		want[off] = 1
		if !bytes.Equal(m[:16], want) || b.load() != 1 {
			t.Fatalf("offset %d: after or(1): % x, want % x", off, m[:16], want)
		}
		b.andNot(1)
		want[off] = 0
		if !bytes.Equal(m[:16], want) || b.load() != 0 {
			t.Fatalf("offset %d: after andNot(1): % x, want % x", off, m[:16], want)
		}
	}
}

// Creating a file, steps 2 and 4: the image is built with version byte 00, and publish is what
// makes it 01.
func TestImageIsPublishedLast(t *testing.T) {
	image, cells, err := v1Codec{}.build([]decl{{label: "c", typ: Type{KindUint64, 8}, buffered: true, bits: 7}})
	if err != nil {
		t.Fatal(err)
	}
	if image[0] != 0 || len(image) != 4096 {
		t.Fatalf("image: version byte %#x, %d bytes", image[0], len(image))
	}
	m := make([]byte, len(image))
	copy(m, image)
	s := v1Codec{}.bind(m, cells[0])
	s.setBits(9) // an update before publication stays invisible: the version byte is still 00
	if m[0] != 0 {
		t.Fatal("an update published the file")
	}
	v1Codec{}.publish(m)
	want := append([]byte(nil), image...)
	want[0] = 1 // version
	want[7] = 1 // write_buffer after one update
	want[8] = 9 // value[0]; value[1] (offset 16) keeps the initial 7
	if image[16] != 7 || !bytes.Equal(m, want) {
		t.Fatalf("published: % x, want % x", m[:24], want[:24])
	}
}
