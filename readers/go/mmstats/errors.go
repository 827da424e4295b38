package mmstats

import (
	"errors"
	"fmt"
	"io/fs"
	"sort"
)

// Error codes of the format (spec/v1.md, "Error codes"; mmstats_format/errors.py).
// Every implementation reports the same code at the same byte offset.
const (
	CodeNotReady        = "not_ready"        // empty file or version byte 0x00; offset 0
	CodeBadVersion      = "bad_version"      // version byte unknown; offset 0
	CodeTruncatedRecord = "truncated_record" // file ends inside label size, type size or write buffer; first byte of that field
	CodePastEOF         = "past_eof"         // label, type or value area runs past the end; first byte of that area
	CodeBadLabelUTF8    = "bad_label_utf8"   // label not well-formed UTF-8; first byte of the ill-formed sequence
	CodeUnknownType     = "unknown_type"     // type signature not in the table; first byte of the signature
	CodeBadWriteBuffer  = "bad_write_buffer" // write-buffer byte not 0x00, 0x01 or 0xff; that byte
	CodeTrailingGarbage = "trailing_garbage" // non-zero byte after the terminator; that byte
	CodeBadFileSize     = "bad_file_size"    // size not a positive multiple of the page size; the size
	CodeFileTooLarge    = "file_too_large"   // larger than the reader's limit; the limit
)

// Codes lists the whole vocabulary, in the order of the spec's table.
var Codes = []string{
	CodeNotReady, CodeBadVersion, CodeTruncatedRecord, CodePastEOF, CodeBadLabelUTF8,
	CodeUnknownType, CodeBadWriteBuffer, CodeTrailingGarbage, CodeBadFileSize, CodeFileTooLarge,
}

// FormatError is one way a file breaks the format: what (Code), where (Offset) and why.
type FormatError struct {
	Code    string
	Offset  int64
	Message string
	Path    string // empty when the bytes did not come from a file
}

// Error renders the line of the command-line protocol,
// "PATH: offset N: CODE: message (at 0xN)", hex last as mmstats_format does.
// The path is escaped (EscapeText): a file name must not drive the terminal.
func (e *FormatError) Error() string {
	where := ""
	if e.Path != "" {
		where = EscapeText(e.Path) + ": "
	}
	return fmt.Sprintf("%soffset %d: %s: %s (at 0x%x)", where, e.Offset, e.Code, e.Message, e.Offset)
}

// WithPath returns a copy of e that names path.
func (e FormatError) WithPath(path string) *FormatError {
	e.Path = path
	return &e
}

func sortByOffset(errs []FormatError) {
	// Stable: two problems at one offset keep the order the walk found them in.
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Offset < errs[j].Offset })
}

// ErrNotRegular: the path names a FIFO, a device, a directory or a socket.
// Such a file is never opened for a blocking read (a FIFO would wait forever).
var ErrNotRegular = errors.New("not a regular file")

// IOError is a file that could not be read at all (the commands' exit 2), as
// against a FormatError, a file that breaks the format. Error() names the
// path, escaped like FormatError's.
type IOError struct {
	Path string
	Op   string // "open", "read", ...; empty when Err says it all
	Err  error
}

func (e *IOError) Error() string {
	if e.Op == "" {
		return EscapeText(e.Path) + ": " + e.Err.Error()
	}
	return EscapeText(e.Path) + ": cannot " + e.Op + ": " + e.Err.Error()
}

func (e *IOError) Unwrap() error { return e.Err }

// ioError wraps an os error about path; the os error's own copy of the path
// (raw) is dropped.
func ioError(path, op string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &IOError{Path: path, Op: op, Err: err}
}
