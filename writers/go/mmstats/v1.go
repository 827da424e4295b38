package mmstats

// Everything of format version 1 (spec/v1.md): the type table, the record layout, the image,
// publication, the update protocol, the default fields and the walk that finds a stale file's
// sys.pid. A new version is a new file like this one plus one entry in codecs (format.go).

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"unicode/utf8"
)

const (
	v1FormatVersion = 1    // version byte of a ready file
	v1NotReady      = 0    // version byte while the writer creates the file
	v1PageSize      = 4096 // the file size is a positive multiple of this
	v1Unbuffered    = 0xff // write_buffer of a record holding one value
	v1BufferCount   = 2    // values of a buffered record
	v1MaxLabel      = 65535
	v1MaxTextSize   = 999999999 // N of <N>s: at most 9 digits
)

// v1Codes is the closed type table, minus <N>s.
var v1Codes = map[string]Type{
	"b": {KindInt8, 1}, "B": {KindUint8, 1},
	"h": {KindInt16, 2}, "H": {KindUint16, 2},
	"i": {KindInt32, 4}, "I": {KindUint32, 4},
	"q": {KindInt64, 8}, "Q": {KindUint64, 8},
	"f": {KindFloat32, 4}, "d": {KindFloat64, 8},
	"?": {KindBool, 1},
}

type v1Codec struct{}

func (v1Codec) parseType(sig string) (Type, error) {
	if t, ok := v1Codes[sig]; ok {
		return t, nil
	}
	digits := len(sig) - 1
	if digits >= 1 && digits <= 9 && sig[digits] == 's' && (sig[0] != '0' || digits == 1) {
		n, err := strconv.ParseUint(sig[:digits], 10, 32)
		if err == nil {
			return Type{KindText, int(n)}, nil
		}
	}
	return Type{}, fmt.Errorf("%w in format version 1: %q", ErrUnknownType, sig)
}

func (v1Codec) signature(t Type) (string, error) {
	if t.Kind == KindText {
		if t.Size < 0 || t.Size > v1MaxTextSize {
			return "", fmt.Errorf("%w: text of %d bytes (version 1 allows 0 to %d)", ErrUnknownType, t.Size, v1MaxTextSize)
		}
		return strconv.Itoa(t.Size) + "s", nil
	}
	for code, u := range v1Codes {
		if u == t {
			return code, nil
		}
	}
	return "", fmt.Errorf("%w: version 1 has no type for %v of %d bytes", ErrUnknownType, t.Kind, t.Size)
}

// v1RecordSize is the size of one record: 5 + L + T + S, or 5 + L + T + 2 x S when buffered.
func v1RecordSize(label, sig string, t Type, buffered bool) int {
	values := 1
	if buffered {
		values = v1BufferCount
	}
	return 2 + len(label) + 2 + len(sig) + 1 + values*t.Size
}

// layout checks the fields and returns their signatures and the file size: the version byte
// and the records rounded up to the next multiple of 4096, at most MaxFileSize.
func (c v1Codec) layout(fields []decl) ([]string, int, error) {
	sigs := make([]string, len(fields))
	used := 1 // the version byte
	for i, f := range fields {
		if len(f.label) == 0 || len(f.label) > v1MaxLabel {
			return nil, 0, fmt.Errorf("%w %q: %d bytes (1 to %d allowed)", ErrBadLabel, f.label, len(f.label), v1MaxLabel)
		}
		if !utf8.ValidString(f.label) {
			return nil, 0, fmt.Errorf("%w %q: not well-formed UTF-8", ErrBadLabel, f.label)
		}
		sig, err := c.signature(f.typ)
		if err != nil {
			return nil, 0, fmt.Errorf("field %q: %w", f.label, err)
		}
		sigs[i] = sig
		used += v1RecordSize(f.label, sig, f.typ, f.buffered)
		if used > MaxFileSize { // checked per field, so the sum cannot overflow
			return nil, 0, fmt.Errorf("%w: the fields up to %q need more than %d bytes", ErrFileTooLarge, f.label, MaxFileSize)
		}
	}
	// MaxFileSize is a multiple of the page size: rounding up cannot pass it.
	return sigs, (used + v1PageSize - 1) / v1PageSize * v1PageSize, nil
}

func (c v1Codec) build(fields []decl) ([]byte, []cell, error) {
	sigs, size, err := c.layout(fields)
	if err != nil {
		return nil, nil, err
	}

	// Creating a file, step 2: version byte 00, records from offset 1, every buffered
	// write_buffer 00 with the initial value in value[1] (the one readers read), zero fill.
	image := make([]byte, size)
	image[0] = v1NotReady
	cells := make([]cell, len(fields))
	le := binary.LittleEndian
	pos := 1
	for i, f := range fields {
		sig := sigs[i]
		le.PutUint16(image[pos:], uint16(len(f.label)))
		pos += 2 + copy(image[pos+2:], f.label)
		le.PutUint16(image[pos:], uint16(len(sig)))
		pos += 2 + copy(image[pos+2:], sig)
		c := cell{control: pos, value: pos + 1, areaSize: f.typ.Size, buffered: f.buffered}
		initial := c.value
		if f.buffered {
			image[pos] = 0
			c.areaSize = v1BufferCount * f.typ.Size
			initial += f.typ.Size
		} else {
			image[pos] = v1Unbuffered
		}
		v1Encode(image[initial:initial+f.typ.Size], f.typ, f.bits, f.text)
		cells[i] = c
		pos = c.value + c.areaSize
	}
	// The terminator is the first two bytes of the zero fill (or absent when the records
	// fill the pages exactly).
	return image, cells, nil
}

// v1Encode stores one value into dst (exactly one value's bytes): a number's low bytes,
// little-endian, or text followed by one 00 when it is shorter than dst.
func v1Encode(dst []byte, t Type, bits uint64, text []byte) {
	if t.Kind == KindText {
		n := copy(dst, text)
		if n < len(dst) {
			dst[n] = 0
		}
		return
	}
	le := binary.LittleEndian
	switch len(dst) {
	case 1:
		dst[0] = byte(bits)
	case 2:
		le.PutUint16(dst, uint16(bits))
	case 4:
		le.PutUint32(dst, uint32(bits))
	case 8:
		le.PutUint64(dst, bits)
	}
}

func (v1Codec) bind(m []byte, c cell) slot {
	area := m[c.value : c.value+c.areaSize : c.value+c.areaSize]
	if !c.buffered {
		return &v1UnbufferedSlot{area: area}
	}
	return &v1BufferedSlot{wb: newByteCell(m, c.control), area: area, size: c.areaSize / v1BufferCount}
}

// publish is Creating a file, step 4: the version byte goes from 00 to 01, stored last with a
// sequentially consistent (so at least release) atomic OR: a reader that loads 01 with an
// acquire load sees every byte of the image.
func (v1Codec) publish(m []byte) {
	newByteCell(m, 0).or(v1FormatVersion)
}

// v1UnbufferedSlot: Updating an unbuffered value is one plain store of the value.
type v1UnbufferedSlot struct {
	area []byte
}

func (s *v1UnbufferedSlot) setBits(bits uint64) { v1Encode(s.area, Type{}, bits, nil) }
func (s *v1UnbufferedSlot) setText(text []byte) { v1Encode(s.area, Type{Kind: KindText}, 0, text) }

// v1BufferedSlot follows "Updating a buffered value".
type v1BufferedSlot struct {
	wb   byteCell // write_buffer in the mapping
	area []byte   // value[0] then value[1]
	size int      // S, the size of one value
}

// target runs steps 1 and 2 and returns value[wb] and wb.
//
// Step 1 loads write_buffer. Step 2 needs a release fence, which Go does not offer; the load is
// made with sync/atomic instead. It is sequentially consistent, so it is ordered after the
// previous update's atomic flip (step 4), and every later store is ordered after it (acquire).
// Together these keep the previous flip before this update's value bytes, which is what the
// fence is for. On amd64 the load is a plain MOV and costs nothing; on arm64 it is an LDAR
// after the previous flip's atomic. When another goroutine made the previous update, the
// handle's mutex orders its flip before this load (unlock, then lock). `& 1` keeps a byte scribbled by another process from
// sending the store outside the record.
func (s *v1BufferedSlot) target() ([]byte, uint8) {
	wb := s.wb.load() & 1
	off := int(wb) * s.size
	return s.area[off : off+s.size], wb
}

func (s *v1BufferedSlot) setBits(bits uint64) {
	dst, wb := s.target()
	v1Encode(dst, Type{}, bits, nil) // step 3: plain stores into value[wb], which readers do not read
	s.flip(wb)                       // step 4
}

// flip is step 4: write_buffer becomes wb ^ 1 with a release (here: sequentially consistent)
// atomic. The byte holds 0 or 1, so setting or clearing bit 0 is the store.
func (s *v1BufferedSlot) flip(wb uint8) {
	if wb == 0 {
		s.wb.or(1)
	} else {
		s.wb.andNot(1)
	}
}

func (s *v1BufferedSlot) setText(text []byte) {
	dst, wb := s.target()
	v1Encode(dst, Type{Kind: KindText}, 0, text) // step 3
	s.flip(wb)                                   // step 4
}

// defaults are the six default fields of spec "Default fields", unbuffered, after the
// user's fields as 0.8 under CPython 3 wrote them. The runtime version is published under
// Go's own label, not org.python.version.
func (v1Codec) defaults(p processInfo) []decl {
	version := []byte(p.runtime)
	if len(version) > 256 {
		version = []byte(cutText(p.runtime, 256))
	}
	return []decl{
		{label: "sys.pid", typ: Type{KindUint32, 4}, bits: uint64(p.pid)},
		{label: "sys.tid", typ: Type{KindInt64, 8}, bits: uint64(p.tid)},
		{label: "sys.uid", typ: Type{KindUint64, 8}, bits: uint64(p.uid)},
		{label: "sys.gid", typ: Type{KindUint64, 8}, bits: uint64(p.gid)},
		{label: RuntimeVersionLabel, typ: Type{KindText, 256}, text: version},
		{label: "sys.created", typ: Type{KindFloat64, 8}, bits: float64Bits(p.created)},
	}
}

func (v1Codec) defaultTemplate() string { return "{CMD}-{PID}-{TID}.mmstats" }

// stalePid walks a whole version 1 file as a validator does (spec "Finding problems") and
// returns the first integer sys.pid or *.sys.pid. Any problem means the file proves nothing.
func (c v1Codec) stalePid(data []byte) (int, error) {
	size := len(data)
	if size == 0 || data[0] == v1NotReady {
		return 0, fmt.Errorf("it is being created (not_ready)")
	}
	if data[0] != v1FormatVersion || size%v1PageSize != 0 {
		return 0, fmt.Errorf("it is not a valid version 1 file (version byte %#x, %d bytes)", data[0], size)
	}
	le := binary.LittleEndian
	pid, found := 0, false
	pos := 1
	for size-pos >= 2 {
		labelSize := int(le.Uint16(data[pos:]))
		if labelSize == 0 {
			for i := pos + 2; i < size; i++ {
				if data[i] != 0 {
					return 0, fmt.Errorf("offset %d: trailing_garbage", i)
				}
			}
			pos = size
			break
		}
		labelEnd := pos + 2 + labelSize
		if labelEnd+2 > size {
			return 0, fmt.Errorf("offset %d: record runs past the end of the file", pos)
		}
		label := string(data[pos+2 : labelEnd])
		if !utf8.ValidString(label) {
			return 0, fmt.Errorf("offset %d: bad_label_utf8", pos+2)
		}
		typeSize := int(le.Uint16(data[labelEnd:]))
		typeEnd := labelEnd + 2 + typeSize
		if typeEnd >= size {
			return 0, fmt.Errorf("offset %d: record runs past the end of the file", labelEnd)
		}
		t, err := c.parseType(string(data[labelEnd+2 : typeEnd]))
		if err != nil {
			return 0, fmt.Errorf("offset %d: %v", labelEnd+2, err)
		}
		wb := data[typeEnd]
		values := 1
		switch wb {
		case v1Unbuffered:
		case 0, 1:
			values = v1BufferCount
		default:
			return 0, fmt.Errorf("offset %d: bad_write_buffer %#x", typeEnd, wb)
		}
		value := typeEnd + 1
		if wb != v1Unbuffered {
			value += int(wb^1) * t.Size
		}
		end := typeEnd + 1 + values*t.Size
		if end > size {
			return 0, fmt.Errorf("offset %d: past_eof", typeEnd+1)
		}
		if !found && isPidLabel(label) && t.Kind != KindText && t.Kind != KindBool &&
			t.Kind != KindFloat32 && t.Kind != KindFloat64 {
			pid, found = v1DecodeInt(data[value:value+t.Size], t), true
		}
		pos = end
	}
	if size-pos == 1 && data[pos] != 0 {
		return 0, fmt.Errorf("offset %d: truncated_record", pos)
	}
	if !found {
		return 0, fmt.Errorf("it has no integer sys.pid field")
	}
	return pid, nil
}

// v1DecodeInt reads an integer of type t; values that are no process id come back as -1.
func v1DecodeInt(p []byte, t Type) int {
	le := binary.LittleEndian
	var v int64
	switch t.Kind {
	case KindInt8:
		v = int64(int8(p[0]))
	case KindUint8:
		v = int64(p[0])
	case KindInt16:
		v = int64(int16(le.Uint16(p)))
	case KindUint16:
		v = int64(le.Uint16(p))
	case KindInt32:
		v = int64(int32(le.Uint32(p)))
	case KindUint32:
		v = int64(le.Uint32(p))
	case KindInt64:
		v = int64(le.Uint64(p))
	case KindUint64:
		u := le.Uint64(p)
		if u > 1<<31 {
			return -1
		}
		v = int64(u)
	}
	if v <= 0 || v >= 1<<31 {
		return -1
	}
	return int(v)
}
