package mmstats

import "errors"

// File is a decoded file of any version: Fields for version 1, V2 for version 2.
type File struct {
	Version byte
	Fields  []Field
	V2      *FileV2
}

// ErrVersion2 is what the version 1 entry points (Read, Decode, StatsReader)
// return for a version 2 file, whose fields only ReadFile, DecodeFile and
// PollerV2 can hold.
var ErrVersion2 = errors.New("a format version 2 file: use ReadFile, DecodeFile or PollerV2")

// DecodeFile decodes a file held in memory (a copy at rest: an odd sequence
// has no value), or returns the first problem of the spec's walk.
func DecodeFile(data []byte) (*File, error) {
	sc := scan(data)
	if len(sc.errs) > 0 {
		return nil, &sc.errs[0]
	}
	if sc.v2 != nil {
		return &File{Version: v2Version, V2: v2Fields(sc.v2, data, data, data)}, nil
	}
	return &File{Version: data[0], Fields: fieldsOf(data, sc.fields)}, nil
}

// ReadFile reads the file at path whatever its version. A file that breaks
// the format gives a *FormatError naming path (the first problem); a file
// that cannot be read gives an *IOError. Values a writer changed during the
// read are read again as each version's reader protocol says.
func ReadFile(path string, maxSize int64) (*File, error) {
	f, data, err := openAndRead(path, maxSize)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := scan(data)
	if len(sc.errs) > 0 {
		return nil, sc.errs[0].WithPath(path)
	}
	if sc.v2 != nil {
		v2, err := readV2(f, data, sc.v2, path)
		if err != nil {
			return nil, err
		}
		return &File{Version: v2Version, V2: v2}, nil
	}
	if _, err := settleWriteBuffers(f, data, sc.fields, nil); err != nil {
		return nil, err.(*FormatError).WithPath(path)
	}
	return &File{Version: data[0], Fields: fieldsOf(data, sc.fields)}, nil
}

// AppendCanonicalFile appends the canonical JSON object of f, in its version's form.
func AppendCanonicalFile(dst []byte, path string, f *File) []byte {
	if f.V2 != nil {
		return appendCanonicalV2(dst, path, f.V2)
	}
	return AppendCanonical(dst, path, f.Fields)
}
