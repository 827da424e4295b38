package mmstats

import "fmt"

// PageSize is the unit every file size must be a positive multiple of. The
// rule is checked whatever the version byte says, as mmstats_format/scan.py does.
const PageSize = 4096

// FieldLayout is where one field lives in its file.
type FieldLayout struct {
	Label             string // ill-formed UTF-8 shown as U+FFFD
	Type              string // the signature as stored
	Buffered          bool
	Spec              TypeSpec
	Offset            int // first byte of the record
	WriteBufferOffset int
	ValueOffset       int // first byte of the value area (value[0] when buffered)
	Version           byte
}

// End is one past the last byte of the record.
func (f FieldLayout) End() int {
	if f.Buffered {
		return f.ValueOffset + 2*f.Spec.Size
	}
	return f.ValueOffset + f.Spec.Size
}

// ReadOffset is where the value a reader returns starts, given the
// write-buffer byte wb of a buffered field (readers read value[wb^1]).
func (f FieldLayout) ReadOffset(wb byte) int {
	if !f.Buffered {
		return f.ValueOffset
	}
	return f.ValueOffset + int(wb^1)*f.Spec.Size
}

// walker follows the record list of one format version, appending layouts
// and problems to sc. Adding a version is a new file plus one entry here.
type walker func(data []byte, sc *scanState)

var walkers = map[byte]walker{
	v1Version: walkV1,
	v2Version: walkV2,
}

type scanState struct {
	fields []FieldLayout // version 1
	v2     *v2Scan       // version 2, when its header is sound
	errs   []FormatError
	// walkOrdered: the walker judged the file size itself and its problems
	// stay in the order found (version 2's rule), not sorted by offset.
	walkOrdered bool
}

func (sc *scanState) add(code string, offset int, format string, args ...any) {
	sc.errs = append(sc.errs, FormatError{Code: code, Offset: int64(offset), Message: fmt.Sprintf(format, args...)})
}

// Scan walks a file's bytes once and returns the layout of every field it
// could find and every problem, sorted by offset. A structural problem (one
// after which the record list cannot be followed) ends the walk; a bad label
// does not. Scan never reads outside data and never panics on any input.
func Scan(data []byte) ([]FieldLayout, []FormatError) {
	sc := scan(data)
	return sc.fields, sc.errs
}

func scan(data []byte) *scanState {
	sc := &scanState{}
	size := len(data)
	if size == 0 {
		sc.add(CodeNotReady, 0, "the file is empty")
		return sc
	}
	version := data[0]
	if version == 0 {
		// A writer stores the version byte last: this file is still being created.
		sc.add(CodeNotReady, 0, "version byte is 0x00: the file is still being created")
		return sc
	}
	if walk, ok := walkers[version]; ok {
		walk(data, sc)
	} else {
		sc.add(CodeBadVersion, 0, "version byte is 0x%02x; this reader knows 0x%02x and 0x%02x", version, v1Version, v2Version)
	}
	if sc.walkOrdered {
		return sc
	}
	if size%PageSize != 0 {
		sc.add(CodeBadFileSize, size, "file size %d is not a multiple of %d (next multiple %d)",
			size, PageSize, size+(PageSize-size%PageSize))
	}
	sortByOffset(sc.errs)
	return sc
}
