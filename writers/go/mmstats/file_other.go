//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package mmstats

import (
	"errors"
	"io/fs"
)

// errUnsupported: this system lacks O_NOFOLLOW or mmap as the writer uses them (spec
// "Untested and implementation-defined behaviour").
var errUnsupported = errors.New("mmstats: creating files is not supported on this system")

func createMapped(string, fs.FileMode, []byte, bool, v1Codec) ([]byte, uint64, uint64, error) {
	return nil, 0, 0, errUnsupported
}

func unmap([]byte) error { return errUnsupported }

func identity(string) (uint64, uint64, error) { return 0, 0, errUnsupported }
