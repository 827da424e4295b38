//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package mmstats

import "syscall"

// writeZeros writes size zero bytes from offset 0, a page at a time.
func writeZeros(fd, size int) error {
	page := make([]byte, v2PageSize)
	for off := 0; off < size; off += len(page) {
		if _, err := syscall.Pwrite(fd, page, int64(off)); err != nil {
			return err
		}
	}
	return nil
}
