//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package mmstats

import (
	"os"
	"syscall"
)

// fileID is what tells two files apart: a path that names another (device,
// inode) names a replaced file.
type fileID struct{ dev, ino uint64 }

// mapFile maps size bytes of descriptor fd read-only and shared: loads see the writer's stores.
func mapFile(fd uintptr, size int) ([]byte, error) {
	return syscall.Mmap(int(fd), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
}

func unmapFile(data []byte) error { return syscall.Munmap(data) }

// openedFile is the size and identity of descriptor fd (fstat).
func openedFile(fd uintptr) (int64, fileID, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(int(fd), &st); err != nil {
		return 0, fileID{}, err
	}
	return st.Size, fileID{uint64(st.Dev), uint64(st.Ino)}, nil
}

// namedFile is the identity of the file path names now (stat).
func namedFile(path string) (fileID, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return fileID{}, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	return fileID{uint64(st.Dev), uint64(st.Ino)}, nil
}
