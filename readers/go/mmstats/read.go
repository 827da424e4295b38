package mmstats

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// DefaultMaxSize caps what Read and Validate load: no honest stats file comes near it.
const DefaultMaxSize = 256 << 20

// ReadBytes returns the file's bytes. The file is read, never mapped, so a
// writer truncating it cannot fault the reader. A file over maxSize gives a
// file_too_large FormatError (offset = the limit); a file that cannot be read,
// or is not a regular file, gives an *IOError.
func ReadBytes(path string, maxSize int64) ([]byte, error) {
	f, data, err := openAndRead(path, maxSize)
	if f != nil {
		f.Close()
	}
	return data, err
}

// openRegular opens path without waiting (openFlags) and refuses anything but
// a regular file before a byte is read: an IOError wrapping ErrNotRegular.
// A symbolic link is followed: the path is one the user named, and a reader
// only reads; the check is made on the opened file, so it cannot be raced.
func openRegular(path string) (*os.File, os.FileInfo, error) {
	f, err := os.OpenFile(path, openFlags, 0)
	if err != nil {
		return nil, nil, ioError(path, "open", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, ioError(path, "stat", err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, &IOError{Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, kindOf(st.Mode()))}
	}
	return f, st, nil
}

func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}

// openAndRead reads the file whole and leaves it open (when err is nil) for re-reads.
func openAndRead(path string, maxSize int64) (*os.File, []byte, error) {
	f, st, err := openRegular(path)
	if err != nil {
		return nil, nil, err
	}
	data, err := readAll(f, st.Size(), path, maxSize)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, data, nil
}

// tooLarge is file_too_large for a file of size bytes, found from its size alone.
func tooLarge(path string, size, maxSize int64) *FormatError {
	return &FormatError{Code: CodeFileTooLarge, Offset: maxSize, Path: path,
		Message: fmt.Sprintf("file is %d bytes, over the limit of %d", size, maxSize)}
}

func readAll(f *os.File, size int64, path string, maxSize int64) ([]byte, error) {
	if size > maxSize {
		return nil, tooLarge(path, size, maxSize)
	}
	// One byte more than the limit tells a file that grew past it since Stat.
	var buf bytes.Buffer
	buf.Grow(int(size) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(f, maxSize+1)); err != nil {
		return nil, ioError(path, "read", err)
	}
	data := buf.Bytes()
	if int64(len(data)) > maxSize {
		return nil, &FormatError{Code: CodeFileTooLarge, Offset: maxSize, Path: path,
			Message: fmt.Sprintf("file grew past the limit of %d", maxSize)}
	}
	return data, nil
}

// Read returns every field of a version 1 file at path, in file order (a
// version 2 file gives ErrVersion2: see ReadFile). A file that breaks the
// format gives a *FormatError naming path (the lowest-offset problem); a file
// that cannot be read gives an *IOError. Buffered values flipped by a writer
// during the read are read again (settleWriteBuffers).
func Read(path string, maxSize int64) ([]Field, error) {
	f, err := ReadFile(path, maxSize)
	if err != nil {
		return nil, err
	}
	if f.V2 != nil {
		return nil, &IOError{Path: path, Err: ErrVersion2}
	}
	return f.Fields, nil
}

// Validate returns every problem of the file at path (none when it is
// valid): sorted by offset for version 1, in the order of the spec's walk for version 2. The error is non-nil only when the file cannot be read.
func Validate(path string, maxSize int64) ([]FormatError, error) {
	data, err := ReadBytes(path, maxSize)
	if fe, ok := err.(*FormatError); ok {
		return []FormatError{*fe}, nil
	}
	if err != nil {
		return nil, err
	}
	_, errs := Scan(data)
	for i := range errs {
		errs[i].Path = path
	}
	return errs, nil
}
