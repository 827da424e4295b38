package mmstats

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// CompiledLayout is a file's layout parsed once, so that values can be read
// again and again from fresh bytes of the same file with precomputed offsets
// only: no walk of the record list, no allocation except for strings.
type CompiledLayout struct {
	Fields  []FieldLayout
	Version byte
	Size    int // bytes a buffer must hold: end of the last record
	slots   []slot
}

type slot struct {
	spec     TypeSpec
	wbOff    int // -1 when unbuffered
	valueOff int // value[0]
}

// Compile precomputes where each field's value is. fields come from Scan of
// a file without errors whose version byte is version.
func Compile(version byte, fields []FieldLayout) *CompiledLayout {
	c := &CompiledLayout{Fields: fields, Version: version, slots: make([]slot, len(fields))}
	for i, f := range fields {
		wb := -1
		if f.Buffered {
			wb = f.WriteBufferOffset
		}
		c.slots[i] = slot{spec: f.Spec, wbOff: wb, valueOff: f.ValueOffset}
		c.Size = max(c.Size, f.End())
	}
	return c
}

// Values decodes every field from buf (the file's current bytes) into dst,
// reusing its storage, and returns it. A write-buffer byte that is no longer
// 0 or 1 gives bad_write_buffer; a buffer shorter than the layout gives past_eof.
func (c *CompiledLayout) Values(buf []byte, dst []Value) ([]Value, error) {
	if len(buf) < c.Size {
		return dst[:0], &FormatError{Code: CodePastEOF, Offset: int64(len(buf)),
			Message: fmt.Sprintf("%d bytes hold less than the %d bytes of the layout", len(buf), c.Size)}
	}
	if cap(dst) < len(c.slots) {
		dst = make([]Value, len(c.slots))
	}
	dst = dst[:len(c.slots)]
	for i, s := range c.slots {
		off := s.valueOff
		if s.wbOff >= 0 {
			wb := buf[s.wbOff]
			if wb > 1 {
				return dst[:0], &FormatError{Code: CodeBadWriteBuffer, Offset: int64(s.wbOff),
					Message: fmt.Sprintf("write buffer of %q changed to 0x%02x after the layout was read", c.Fields[i].Label, wb)}
			}
			off += int(wb^1) * s.spec.Size
		}
		dst[i] = ValueAt(buf, s.spec, off)
	}
	return dst, nil
}

// skeletonOf returns the byte ranges of a file that are not values: the version
// byte, each record's header (with the 0xff write buffer of an unbuffered
// record), the terminator and the zero fill. A file rewritten in place keeps
// its inode and maybe its size; these bytes tell its layout apart.
func skeletonOf(fields []FieldLayout, size int) [][2]int {
	var out [][2]int
	pos := 0
	for _, f := range fields {
		varies := f.ValueOffset
		if f.Buffered {
			varies = f.WriteBufferOffset
		}
		if varies > pos {
			out = append(out, [2]int{pos, varies})
		}
		pos = f.End()
	}
	if size > pos {
		out = append(out, [2]int{pos, size})
	}
	return out
}

// StatsReader polls one path. The layout is parsed again only when the file
// at the path is another one (other device/inode, or other size), or when a
// byte outside the values changed (the file was rewritten in place). Values are
// read with ReadAt into a reused buffer, never through a map, so a writer
// truncating its file cannot crash the reader; buffered values flipped during
// that read are read again (settleWriteBuffers).
type StatsReader struct {
	Path    string
	MaxSize int64
	file    *os.File
	info    os.FileInfo // identity of the loaded file; nil when none
	buf     []byte
	scratch []byte // re-reads of the buffered records
	layout  *CompiledLayout
	values  []Value
	skel    [][2]int // skeletonOf the loaded file
	seen    []byte   // its skeleton bytes, one range after the other
}

// NewStatsReader returns a reader of path; nothing is opened until Read.
func NewStatsReader(path string, maxSize int64) *StatsReader {
	return &StatsReader{Path: path, MaxSize: maxSize}
}

// Layout returns the current layout, loading it if needed.
func (r *StatsReader) Layout() (*CompiledLayout, error) {
	if r.layout == nil {
		if _, err := r.Read(); err != nil {
			return nil, err
		}
	}
	return r.layout, nil
}

// Read returns the current values of all fields, in file order. The slice is
// reused by the next Read.
func (r *StatsReader) Read() ([]Value, error) {
	st, err := os.Stat(r.Path) // never blocks, whatever the path names; load refuses what is not a regular file
	if err != nil {
		r.Close()
		return nil, ioError(r.Path, "stat", err)
	}
	if r.info == nil || !os.SameFile(r.info, st) || st.Size() != int64(len(r.buf)) {
		if err := r.load(); err != nil {
			return nil, err
		}
	}
	n, err := r.file.ReadAt(r.buf, 0)
	if n != len(r.buf) {
		r.info = nil // shrank under us: parse afresh next time
		if err != nil && err != io.EOF {
			return nil, ioError(r.Path, "read", err)
		}
		return nil, &FormatError{Code: CodePastEOF, Offset: int64(n), Path: r.Path,
			Message: fmt.Sprintf("file shrank to %d bytes while being read", n)}
	}
	if !r.sameSkeleton() {
		// rewritten in place: parse it again (Scan names any problem); values come from that copy
		if err := r.load(); err != nil {
			return nil, err
		}
	}
	if r.scratch, err = settleWriteBuffers(r.file, r.buf, r.layout.Fields, r.scratch); err != nil {
		r.info = nil
		return nil, err.(*FormatError).WithPath(r.Path)
	}
	if r.buf[0] != r.layout.Version {
		r.info = nil
		return nil, &FormatError{Code: CodeBadVersion, Offset: 0, Path: r.Path,
			Message: fmt.Sprintf("version byte changed to 0x%02x", r.buf[0])}
	}
	r.values, err = r.layout.Values(r.buf, r.values)
	if fe, ok := err.(*FormatError); ok {
		r.info = nil
		return nil, fe.WithPath(r.Path)
	}
	return r.values, err
}

func (r *StatsReader) load() error {
	r.Close()
	f, st, err := openRegular(r.Path)
	if err != nil {
		return err
	}
	if st.Size() > r.MaxSize {
		f.Close()
		return &FormatError{Code: CodeFileTooLarge, Offset: r.MaxSize, Path: r.Path,
			Message: fmt.Sprintf("file is %d bytes, over the limit of %d", st.Size(), r.MaxSize)}
	}
	buf := make([]byte, st.Size())
	n, err := f.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		f.Close()
		return ioError(r.Path, "read", err)
	}
	buf = buf[:n]
	fields, errs := Scan(buf)
	if len(errs) > 0 {
		f.Close()
		return errs[0].WithPath(r.Path)
	}
	if buf[0] == v2Version {
		f.Close()
		return &IOError{Path: r.Path, Err: ErrVersion2}
	}
	r.file, r.info, r.buf, r.layout = f, st, buf, Compile(buf[0], fields)
	r.skel, r.seen = skeletonOf(fields, len(buf)), r.seen[:0]
	for _, s := range r.skel {
		r.seen = append(r.seen, buf[s[0]:s[1]]...)
	}
	return nil
}

// sameSkeleton reports whether r.buf has the skeleton bytes the layout was parsed from.
func (r *StatsReader) sameSkeleton() bool {
	at := 0
	for _, s := range r.skel {
		n := s[1] - s[0]
		if !bytes.Equal(r.buf[s[0]:s[1]], r.seen[at:at+n]) {
			return false
		}
		at += n
	}
	return true
}

// Close releases the open file; the next Read opens the path again.
func (r *StatsReader) Close() error {
	r.info = nil
	if r.file == nil {
		return nil
	}
	err := r.file.Close()
	r.file = nil
	return err
}
