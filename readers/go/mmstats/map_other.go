//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package mmstats

import "errors"

// errNoMapping: this system has no mapping the package knows how to make;
// MappedPollerV2 reports it at its first Read (PollerV2 copies instead).
var errNoMapping = errors.New("mapping a file is not supported on this system: use PollerV2")

type fileID struct{}

func mapFile(uintptr, int) ([]byte, error)      { return nil, errNoMapping }
func unmapFile([]byte) error                    { return nil }
func openedFile(uintptr) (int64, fileID, error) { return 0, fileID{}, errNoMapping }
func namedFile(string) (fileID, error)          { return fileID{}, errNoMapping }
