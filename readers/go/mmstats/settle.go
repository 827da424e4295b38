package mmstats

import (
	"fmt"
	"io"
)

// MaxRetries bounds how often a buffered value is copied again after its
// write_buffer byte changed during the copy (spec: "Reading a buffered value").
const MaxRetries = 3

// settleWriteBuffers applies steps 3 and 4 of the spec's "Reading a buffered
// value" to a whole-file copy. One read() copies every write_buffer byte
// before its values (they sit at lower offsets), so data already holds
// steps 1 and 2 for every record. Here the buffered records are read again
// from r; a record whose write_buffer byte differs from the copy's was
// flipped during the copy, so its write_buffer and values are taken from the
// newer read (which also copied that byte first). At most MaxRetries times;
// after that the last copy is used as a possibly torn sample.
//
// scratch is reused storage; the (possibly grown) scratch is returned. A
// re-read that comes back short (the file shrank) leaves data as it was: it
// is still one consistent copy of the layout that was checked.
func settleWriteBuffers(r io.ReaderAt, data []byte, fields []FieldLayout, scratch []byte) ([]byte, error) {
	start, end := -1, 0
	for _, f := range fields {
		if f.Buffered {
			if start < 0 {
				start = f.WriteBufferOffset
			}
			end = f.End()
		}
	}
	if start < 0 {
		return scratch, nil
	}
	if cap(scratch) < end-start {
		scratch = make([]byte, end-start)
	}
	again := scratch[:end-start]
	for check := 0; check <= MaxRetries; check++ {
		if n, _ := r.ReadAt(again, int64(start)); n != len(again) {
			return scratch, nil
		}
		changed := false
		for _, f := range fields {
			if !f.Buffered || again[f.WriteBufferOffset-start] == data[f.WriteBufferOffset] {
				continue
			}
			changed = true
			if check == MaxRetries {
				break
			}
			if wb := again[f.WriteBufferOffset-start]; wb > 1 {
				return scratch, &FormatError{Code: CodeBadWriteBuffer, Offset: int64(f.WriteBufferOffset),
					Message: fmt.Sprintf("write buffer of %q changed to 0x%02x while being read", f.Label, wb)}
			}
			copy(data[f.WriteBufferOffset:f.End()], again[f.WriteBufferOffset-start:f.End()-start])
		}
		if !changed || check == MaxRetries {
			break
		}
	}
	return scratch, nil
}
