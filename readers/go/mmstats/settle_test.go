package mmstats

import (
	"errors"
	"io"
	"testing"
)

// scriptedFile answers each ReadAt from the next of its images, as if a
// writer changed the file between the reader's reads (the last image repeats).
type scriptedFile struct {
	images [][]byte
	reads  int
}

func (s *scriptedFile) ReadAt(p []byte, off int64) (int, error) {
	img := s.images[min(s.reads, len(s.images)-1)]
	s.reads++
	if off >= int64(len(img)) {
		return 0, io.EOF
	}
	n := copy(p, img[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// counter "n": value[0]=a, value[1]=b, write buffer wb; record at 1, wb at 7, values at 8 and 16.
func counterFile(wb byte, a, b uint64) []byte {
	return page(cat([]byte{1}, rec("n", "Q", wb, cat(u64(a), u64(b))), rec("s", "?", 0xff, []byte{1})))
}

func readSettled(t *testing.T, first []byte, later ...[]byte) (uint64, int, error) {
	t.Helper()
	data := append([]byte{}, first...)
	layouts, errs := Scan(data)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	f := &scriptedFile{images: later}
	_, err := settleWriteBuffers(f, data, layouts, nil)
	return FieldValue(data, layouts[0]).Uint(), f.reads, err
}

func TestUnchangedWriteBufferKeepsTheFirstCopy(t *testing.T) {
	img := counterFile(0, 11, 22)
	got, reads, err := readSettled(t, img, img)
	if err != nil || got != 22 || reads != 1 {
		t.Fatalf("value %d after %d re-reads (%v); want 22 after 1", got, reads, err)
	}
}

func TestFlippedWriteBufferTakesTheNewerCopy(t *testing.T) {
	// During the copy the writer stored 33 into value[0] and flipped the write buffer to 1.
	got, reads, err := readSettled(t, counterFile(0, 11, 22), counterFile(1, 33, 22))
	if err != nil || got != 33 || reads != 2 {
		t.Fatalf("value %d after %d re-reads (%v); want 33 after 2", got, reads, err)
	}
}

func TestAWriterFlippingForeverEndsAfterThreeRetries(t *testing.T) {
	imgs := [][]byte{counterFile(1, 1, 0), counterFile(0, 1, 2), counterFile(1, 3, 2), counterFile(0, 3, 4), counterFile(1, 5, 4)}
	got, reads, err := readSettled(t, counterFile(0, 0, 0), imgs...)
	// copies taken from re-reads 1, 2 and 3; re-read 4 still differs, and its copy is not taken
	if err != nil || reads != MaxRetries+1 || got != 3 {
		t.Fatalf("value %d after %d re-reads (%v); want 3 after %d", got, reads, err, MaxRetries+1)
	}
}

func TestAWriteBufferTurnedInvalidIsReported(t *testing.T) {
	bad := counterFile(0, 11, 22)
	bad[7] = 9
	_, _, err := readSettled(t, counterFile(0, 11, 22), bad)
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Code != CodeBadWriteBuffer || fe.Offset != 7 {
		t.Fatalf("want bad_write_buffer at 7, got %v", err)
	}
}

func TestAShortReReadKeepsTheFirstCopy(t *testing.T) {
	got, reads, err := readSettled(t, counterFile(0, 11, 22), []byte{1, 1})
	if err != nil || got != 22 || reads != 1 {
		t.Fatalf("value %d after %d re-reads (%v)", got, reads, err)
	}
}
