package mmstats

import (
	"errors"
	"fmt"
)

// Version is a file format version: the byte at offset 0 of a published file.
type Version uint8

// V1 is the format of spec/v1.md (the format mmstats 0.8 wrote).
const V1 Version = 1

// V2 is the format of spec/v2.md: one file per process, kinds, units, attributes, fields added
// at run time, a slot per writer.
const V2 Version = 2

// DefaultVersion is what Create writes when Options.Version is 0.
const DefaultVersion = V2

// MaxFileSize is the readers' default size limit (spec "Size limit"): a larger file would be
// file_too_large to every reader, so Create refuses to make one.
const MaxFileSize = 268435456

// Kind is what a field holds, independent of how a format version encodes it.
type Kind uint8

const (
	KindInt8 Kind = iota + 1
	KindUint8
	KindInt16
	KindUint16
	KindInt32
	KindUint32
	KindInt64
	KindUint64
	KindFloat32
	KindFloat64
	KindBool
	KindText
)

var kindNames = [...]string{"", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
	"float32", "float64", "bool", "text"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Type is a field's kind and the size of one value in bytes (for text, the N of `<N>s`).
type Type struct {
	Kind Kind
	Size int
}

// Errors that Create and the handles wrap; test them with errors.Is.
var (
	ErrFileTooLarge   = errors.New("the file would be larger than the readers' size limit")
	ErrBadLabel       = errors.New("bad label")
	ErrDuplicateLabel = errors.New("label used twice")
	ErrFieldInUse     = errors.New("field already belongs to an open file")
	ErrUnknownType    = errors.New("unknown type signature")
	ErrExists         = errors.New("the file exists and was kept")
	ErrNotOurFile     = errors.New("the path no longer names the file this writer created")
	ErrClosed         = errors.New("file already closed")
	ErrBadVersion     = errors.New("unsupported format version")
)

// decl is one field as Create hands it to a codec: its final label, type, buffering and
// initial value.
type decl struct {
	label    string
	typ      Type
	buffered bool
	bits     uint64 // initial number (two's complement or IEEE bits, low bytes used)
	text     []byte // initial text, already cut to typ.Size
}

// slot stores a field's new value into a version 1 mapping, following that format's update
// protocol. Callers serialise the calls for one slot (each handle holds its own mutex).
type slot interface {
	setBits(bits uint64)
	setText(text []byte)
}

// format is everything that differs between format versions at the package's surface. One
// implementation per version, each in its own files (v1.go; v2*.go); formats is the only place
// that dispatches on the version.
type format interface {
	// create makes and publishes the file at path; fields are the declared handles (version 1).
	create(opts Options, path string, proc processInfo, fields []Field) (*Stats, error)
	// defaultTemplate is the file name template when MMSTATS_FILES is unset or empty.
	defaultTemplate() string
	// parseType reads a type signature of this version.
	parseType(sig string) (Type, error)
	// signature is the type signature of t in this version.
	signature(t Type) (string, error)
}

// cell says where a field's bytes are in the image: the control byte (v1: write buffer) and
// the value area. What they mean is the codec's business.
type cell struct {
	control  int  // offset of the control byte
	value    int  // offset of the value area
	areaSize int  // bytes of the value area (v1 buffered: 2 values)
	buffered bool // the field was declared buffered
}

var formats = map[Version]format{
	V1: v1Codec{},
	V2: v2Format{},
}

func formatFor(v Version) (format, error) {
	if v == 0 {
		v = DefaultVersion
	}
	c, ok := formats[v]
	if !ok {
		return nil, fmt.Errorf("%w: %d", ErrBadVersion, v)
	}
	return c, nil
}

// ParseType reads a type signature of version v, such as "Q" or "255s" in version 1.
func (v Version) ParseType(sig string) (Type, error) {
	c, err := formatFor(v)
	if err != nil {
		return Type{}, err
	}
	return c.parseType(sig)
}

// Signature is the type signature of t in version v.
func (v Version) Signature(t Type) (string, error) {
	c, err := formatFor(v)
	if err != nil {
		return "", err
	}
	return c.signature(t)
}
