package mmstats

import "syscall"

// allocate reserves the file's blocks (spec "Creating a file", step 4), so that a full file
// system fails here rather than with SIGBUS on a later store.
func allocate(fd, size int) error {
	err := syscall.Fallocate(fd, 0, 0, int64(size))
	if err == syscall.EOPNOTSUPP || err == syscall.ENOSYS {
		return writeZeros(fd, size)
	}
	return err
}
