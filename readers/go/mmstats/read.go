package mmstats

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// DefaultMaxSize caps what Read and Validate load: no honest stats file comes near it.
const DefaultMaxSize = 256 << 20

// ReadBytes returns the file's bytes. The file is read, never mapped, so a
// writer truncating it cannot fault the reader. A file over maxSize gives a
// file_too_large FormatError (offset = the limit); I/O failures give the os error.
func ReadBytes(path string, maxSize int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > maxSize {
		return nil, &FormatError{Code: CodeFileTooLarge, Offset: maxSize, Path: path,
			Message: fmt.Sprintf("file is %d bytes, over the limit of %d", st.Size(), maxSize)}
	}
	// One byte more than the limit tells a file that grew past it since Stat.
	var buf bytes.Buffer
	buf.Grow(int(st.Size()) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(f, maxSize+1)); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	if int64(len(data)) > maxSize {
		return nil, &FormatError{Code: CodeFileTooLarge, Offset: maxSize, Path: path,
			Message: fmt.Sprintf("file grew past the limit of %d", maxSize)}
	}
	return data, nil
}

// Read returns every field of the file at path, in file order. A file that
// breaks the format gives a *FormatError naming path (the lowest-offset
// problem); a file that cannot be read gives the os error.
func Read(path string, maxSize int64) ([]Field, error) {
	data, err := ReadBytes(path, maxSize)
	if err != nil {
		return nil, err
	}
	fields, err := Decode(data)
	if fe, ok := err.(*FormatError); ok {
		return nil, fe.WithPath(path)
	}
	return fields, err
}

// Validate returns every problem of the file at path, sorted by offset
// (none when it is valid). The error is non-nil only when the file cannot be read.
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
